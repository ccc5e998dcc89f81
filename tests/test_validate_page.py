"""``/validate`` as a governance team uses it: the day defaults to the regime's own period and the
report says which day it checked; the findings download as CSV, JSON and HTML; several files are
checked together; each finding links to ``/def/rule/{ID}``, which explains the rule."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from html import unescape

import pytest

from icskg import resources
from icskg.validation import validate
from icskg.validation.inputs import Input
from icskg.validation.render import render
from icskg.web.rules import all_rules
from tests.test_validate_inputs import upload

EXAMPLES = resources.EXAMPLES_DIR
COMPLETE = EXAMPLES / "icb-complete.ttl"
BREACHES = EXAMPLES / "icb-breaches.ttl"
HTML = {"Accept": "text/html"}


def test_the_form_leaves_the_day_to_the_regime(client):
    html = client.get("/validate").get_data(as_text=True)
    assert re.search(r'<input type="date" id="as_of" name="as_of" value="">', html)
    assert "the regime's own period" in html


def test_the_day_defaults_to_the_regimes_own_period_and_the_report_says_which(client):
    """The Design Framework's designate boards: checked on its last day, not on today."""
    expected = validate(COMPLETE, "df2021")
    assert expected.counts()["Warning"] > 0  # the example board, as the CLI checks it by default
    # what a browser sends: the form with its day left empty
    page = upload(client, "/validate", ("board.ttl", COMPLETE.read_bytes()), regime="df2021", as_of="",
                  format="html")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"{expected.counts()['Warning']} Warnings" in html and "Conforms, no findings" not in html
    assert re.search(r'class="as-of">2022-06-30\s*<small>\(the regime\'s own period; choose a day', html)
    as_json = upload(client, "/validate", ("board.ttl", COMPLETE.read_bytes()), regime="df2021", as_of="")
    assert as_json.get_json()["regimes"][0]["as_of"] == "2022-06-30"
    assert len(as_json.get_json()["findings"]) == len(expected.findings)
    chosen = upload(client, "/validate", ("board.ttl", COMPLETE.read_bytes()), regime="df2021",
                    as_of="2022-01-01", format="html").get_data(as_text=True)
    assert 'class="as-of">2022-01-01' in chosen and "own period; choose a day" not in chosen


def _downloads(html: str) -> dict[str, tuple[str, str]]:
    found = {}
    for href, name, fmt in re.findall(r'<a href="(data:[^"]+)" download="([^"]+)" data-format="(\w+)"', html):
        head, payload = unescape(href).split(",", 1)
        assert head.endswith(";base64")
        found[fmt] = (name, base64.b64decode(payload).decode("utf-8"))
    return found


def test_the_findings_download_as_csv_json_and_html(client):
    report = validate(BREACHES, "hca2022", "2024-01-01")
    html = upload(client, "/validate", ("board.ttl", BREACHES.read_bytes()), regime="hca2022",
                  as_of="2024-01-01", format="html").get_data(as_text=True)
    files = _downloads(html)
    assert set(files) == {"csv", "json", "html"}
    assert files["csv"] == ("icskg-findings.csv", render(report, "csv"))
    rows = list(csv.DictReader(io.StringIO(files["csv"][1])))
    assert {(r["rule"], r["focus"]) for r in rows} == {(f.rule, f.focus) for f in report.findings}
    assert json.loads(files["json"][1])["summary"] == report.counts()
    assert files["html"][1].startswith("<!doctype html>") and "ICB-CEO-APPOINTMENT" in files["html"][1]


def test_spreadsheet_cells_are_protected_against_formulas():
    hostile = ('@prefix ics: <https://w3id.org/icskg/def/> .\n'
               '@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
               '<https://example.org/x> ics:odsCode "bad" ; rdfs:label "=HYPERLINK(\\"http://evil\\")" .\n'
               '<https://example.org/y> ics:odsCode "bad" ; rdfs:label "' + "-" * 100_000 + '" .\n')
    report = validate(Input(hostile.encode(), "hostile.ttl"), "data-quality")
    cells = [cell for row in csv.reader(io.StringIO(render(report, "csv"))) for cell in row]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'" + "-" * 100_000 in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_several_files_are_checked_together(client):
    board = (EXAMPLES / "icb-board.csv").read_bytes()
    extra = (b'@prefix ics: <https://w3id.org/icskg/def/> .\n'
             b'<https://example.org/x> ics:odsCode "not a code" .\n')
    together = validate([Input(board, "board.csv"), Input(extra, "more.ttl")],
                              ["hca2022", "data-quality"], "2024-01-01")
    response = upload(client, "/validate?regime=hca2022&regime=data-quality&as_of=2024-01-01",
                      ("board.csv", board), ("more.ttl", extra))
    body = response.get_json()
    assert response.status_code == 200, response.data[:300]
    assert body["triples"] == together.triples
    assert sorted((f["rule"], f["focus"]) for f in body["findings"]) == sorted(
        (f.rule, f.focus) for f in together.findings)
    assert any(f["rule"] == "DQ-ODS-CODE" for f in body["findings"])  # found in the second file
    assert body["triples"] > validate(Input(board, "board.csv"), "hca2022", "2024-01-01").triples


def test_each_finding_links_to_its_rules_page(client):
    html = upload(client, "/validate", ("board.ttl", BREACHES.read_bytes()), regime="hca2022",
                  as_of="2024-01-01", format="html").get_data(as_text=True)
    links = set(re.findall(r'class="rule-link" href="(/def/rule/[A-Z0-9-]+)"', html))
    report = validate(BREACHES, "hca2022", "2024-01-01")
    assert links == {f"/def/rule/{f.rule}" for f in report.findings}
    page = client.get("/def/rule/ICB-CEO-APPOINTMENT")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "https://www.legislation.gov.uk/ukpga/2006/41/schedule/1B/paragraph/7" in text
    assert 'href="/shapes/' in text
    # the example is the rule's own violating case, and it does break the rule
    example = unescape(re.search(r'<pre id="rule-example">(.*?)</pre>', text, re.DOTALL).group(1))
    day = re.search(r"checked as of (\d{4}-\d{2}-\d{2})", text).group(1)
    broken = validate(Input(example.encode(), "example.ttl"), "hca2022", day)
    assert "ICB-CEO-APPOINTMENT" in {f.rule for f in broken.findings}
    standalone = render(report, "html")
    assert 'href="https://w3id.org/icskg/def/rule/ICB-CEO-APPOINTMENT"' in standalone


@pytest.mark.parametrize("rule_id", sorted({r.identifier for r in all_rules().values()}))
def test_every_rule_has_a_page_with_its_provision_shapes_and_an_example(client, rule_id):
    text = client.get(f"/def/rule/{rule_id}").get_data(as_text=True)
    assert f'<code id="rule-id">{rule_id}</code>' in text
    assert re.search(r'<ul id="rule-provisions"><li>.+<a href="https?://', text)
    assert 'id="rule-example"' in text


def test_an_unknown_rule_is_a_404(client):
    response = client.get("/def/rule/NO-SUCH-RULE")
    assert response.status_code == 404 and "/shapes/" in response.get_data(as_text=True)
