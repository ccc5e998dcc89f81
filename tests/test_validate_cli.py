"""``icskg validate``: exit codes, every report format, standard input, the built store, and the
same findings as the library."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree as ET

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal
from rdflib.namespace import SH

from icskg import resources
from icskg.cli import main
from icskg.validation import validate

EXAMPLES = resources.EXAMPLES_DIR
BREACHES = str(EXAMPLES / "icb-breaches.ttl")
COMPLETE = str(EXAMPLES / "icb-complete.ttl")
DAY = ["--as-of", "2024-01-01"]


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, ["validate", *args], input=input)


def test_exit_status_says_whether_the_data_conforms():
    assert run(COMPLETE, *DAY).exit_code == 0
    assert run(COMPLETE, "-r", "hca2022", "-r", "guidance", *DAY).exit_code == 0
    assert run(BREACHES, *DAY).exit_code == 1
    warnings_only = run(BREACHES, "-r", "guidance", *DAY)
    assert warnings_only.exit_code == 0 and "2 Warnings" in warnings_only.output


@pytest.mark.parametrize(("args", "message"), [
    ([COMPLETE, "-r", "hca2023"], "Unknown regime 'hca2023'; use one of: hca2022"),
    ([COMPLETE, "--as-of", "yesterday"], "write it as YYYY-MM-DD"),
    (["/no/such/board.ttl"], "does not exist"),
    ([], "Give FILES to validate, or --store"),
    ([str(resources.PROJECT_DIR / "README.md")], "not valid trig"),
])
def test_errors_exit_2_with_a_message_and_no_traceback(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_text_report_names_rule_provision_and_place():
    result = run(BREACHES, *DAY)
    assert "8 Violations" in result.output and "does not conform" in result.output
    assert "ICB-CEO-APPOINTMENT" in result.output
    assert "Blake Sample: Chief executive" in result.output
    assert "https://www.legislation.gov.uk/ukpga/2006/41/schedule/1B/paragraph/7" in result.output


def test_every_format_is_well_formed_and_agrees_with_the_library():
    report = validate(EXAMPLES / "icb-breaches.ttl", "hca2022", "2024-01-01")
    library = {(f.rule, f.focus, f.severity) for f in report.findings}
    as_json = json.loads(run(BREACHES, *DAY, "--format", "json").output)
    assert {(f["rule"], f["focus"], f["severity"]) for f in as_json["findings"]} == library
    assert as_json["conforms"] is False and as_json["regimes"][0]["as_of"] == "2024-01-01"

    turtle = Graph().parse(data=run(BREACHES, *DAY, "--format", "turtle").output, format="turtle")
    assert len(set(turtle.objects(None, SH.result))) == len(library)
    jsonld = json.loads(run(BREACHES, *DAY, "--format", "jsonld").output)
    assert jsonld

    rows = list(csv.DictReader(io.StringIO(run(BREACHES, *DAY, "--format", "csv").output)))
    assert {(r["rule"], r["focus"], r["severity"]) for r in rows} == library

    junit = ET.fromstring(run(BREACHES, *DAY, "--format", "junit").output)
    suite = junit.find("testsuite")
    assert suite is not None and suite.get("failures") == "8"
    failed = {case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None}
    assert failed == {rule for rule, _, _ in library}

    html = run(BREACHES, *DAY, "--format", "html").output
    assert html.startswith("<!doctype html>") and "Does not conform" in html
    assert 'id="rule-ICB-CEO-APPOINTMENT"' in html


def test_standard_input_and_output_file(tmp_path):
    data = (EXAMPLES / "ics-option1.ttl").read_bytes()
    result = run("-", "--input-format", "turtle", "-r", "opt1", "-r", "opt2", "--as-of", "2021-06-01",
                 "--format", "json", "--output", str(tmp_path / "report.json"), input=data)
    assert result.exit_code == 1
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [f["rule"] for f in report["findings"]] == ["OPT2-STATUTORY-NHS-BODY"]


def test_list_regimes():
    result = run("--list-regimes")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == [
        "hca2022", "guidance", "df2021", "opt1", "opt2", "ltp2019", "data-quality"]


@pytest.mark.slow
def test_the_built_store_passes_data_quality(data_dir, store):
    arguments = ["--data-dir", str(data_dir), "validate", "--store", "--format", "json"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"] == {"Violation": 0, "Warning": 18, "Info": 0}


def test_shacl_reports_follow_shacl_while_the_exit_status_keeps_its_meaning():
    """SHACL: a report holding any result does not conform. icskg's verdict asks for no Violation."""
    warnings_only = [BREACHES, "-r", "guidance", *DAY]
    assert run(*warnings_only).exit_code == 0
    assert json.loads(run(*warnings_only, "--format", "json").output)["conforms"] is True
    assert "2 Warnings, 0 Info: conforms" in run(*warnings_only).output
    turtle = Graph().parse(data=run(*warnings_only, "--format", "turtle").output, format="turtle")
    assert list(turtle.objects(None, SH.conforms)) == [Literal(False)]
    assert len(set(turtle.objects(None, SH.result))) == 2
    jsonld = ox.parse(run(*warnings_only, "--format", "jsonld").output.encode(), ox.RdfFormat.JSON_LD)
    assert [q.object.value for q in jsonld if q.predicate.value == str(SH.conforms)] == ["false"]
    clean = Graph().parse(data=run(COMPLETE, *DAY, "--format", "turtle").output, format="turtle")
    assert list(clean.objects(None, SH.conforms)) == [Literal(True)]
    assert not list(clean.objects(None, SH.result))
