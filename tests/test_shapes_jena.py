"""A second SHACL engine as referee: Apache Jena (Debian libapache-jena-java) runs every
conformance case on the same prepared data and the same shapes, and must find exactly what
pySHACL finds (focus node, rule shape, severity) across the whole regime, not just the shapes
under test.

One JVM runs all the cases (tests/referee/ShaclReferee.java, compiled here with javac), because
starting Jena per case would take minutes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from icskg.validation.check import prepared, validate_graph
from icskg.validation.regimes import regimes, shapes_graph
from tests import jena
from tests.test_shapes_cases import CASES, case_id, load_case

REFEREE = Path(__file__).parent / "referee" / "ShaclReferee.java"
SEVERITY = "http://www.w3.org/ns/shacl#"


def _unavailable(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def jena_results(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, set[tuple[str, str, str]]]:
    """Every case validated by Jena in one run: case path -> results."""
    classpath = jena.classpath()
    if classpath is None:
        _unavailable("Apache Jena or Java is missing: apt-get install libapache-jena-java")
    if shutil.which("javac") is None:
        _unavailable("javac is missing: apt-get install default-jdk-headless")
    work = tmp_path_factory.mktemp("jena")
    built = subprocess.run(["javac", "-d", str(work), "-cp", classpath, str(REFEREE)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    shapes_files = {}
    for regime_id in regimes():
        shapes_files[regime_id] = work / f"{regime_id}.ttl"
        shapes_graph(regime_id).serialize(shapes_files[regime_id], format="turtle", encoding="utf-8")
    jobs, outputs = [], {}
    for number, path in enumerate(CASES):
        case = load_case(path)
        data = work / f"case-{number}.nt"
        day = case.as_of or regimes()[case.regime].default_as_of(date.today())  # as validate_graph does
        prepared(case.data, day).serialize(data, format="nt", encoding="utf-8")
        outputs[path] = work / f"case-{number}.tsv"
        jobs.append(f"{shapes_files[case.regime]}\t{data}\t{outputs[path]}")
    (work / "jobs.tsv").write_text("\n".join(jobs) + "\n", encoding="utf-8")
    ran = subprocess.run(["java", "-cp", f"{work}:{classpath}", "ShaclReferee", str(work / "jobs.tsv")],
                         capture_output=True, text=True, timeout=900)
    assert ran.returncode == 0, ran.stderr[-3000:]
    results = {}
    for path, output in outputs.items():
        rows = [line.split("\t") for line in output.read_text(encoding="utf-8").splitlines() if line]
        results[path] = {(focus, shape, severity.removeprefix(SEVERITY)) for focus, shape, severity in rows}
    return results


@pytest.mark.slow
@pytest.mark.parametrize("path", CASES, ids=case_id)
def test_jena_and_pyshacl_agree(path: Path, jena_results):
    case = load_case(path)
    report = validate_graph(case.data, case.regime, case.as_of)
    ours = {(f.focus, f.shape, f.severity) for f in report.findings}
    assert jena_results[path] == ours


@pytest.mark.slow
def test_the_referee_really_checks(jena_results):
    """The referee is not vacuous: it finds the expected results of the violating cases."""
    violating = [p for p in CASES if load_case(p).expected]
    assert len(violating) > 80
    for path in violating:
        case = load_case(path)
        assert case.expected <= jena_results[path], case_id(path)
