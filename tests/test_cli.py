"""The command line, through click's runner: right answers, clear errors, never a traceback."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner, Result

from icskg.cli import main

COUNT_ICBS = ("PREFIX ics: <https://w3id.org/icskg/def/> "
              "SELECT (COUNT(*) AS ?n) WHERE { ?x a ics:IntegratedCareBoard }")


@pytest.fixture()
def icskg(data_dir):
    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], input=input)

    return run


def assert_clean_failure(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_build_reports_what_it_built(tmp_path):
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "build"])
    assert result.exit_code == 0, result.output
    assert "named graphs" in result.output
    assert "https://w3id.org/icskg/graph/icbs" in result.output


def test_query_as_a_table(icskg, store):
    result = icskg("query", COUNT_ICBS)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].strip() == "42"
    assert "(1 row)" in result.output


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_query_in_each_result_format(icskg, store, fmt):
    result = icskg("query", COUNT_ICBS, "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert json.loads(result.output)["results"]["bindings"][0]["n"]["value"] == "42"
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(result.output)))[1] == ["42"]
    else:
        assert "42" in result.output


def test_query_from_a_file_and_from_stdin(icskg, store, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text(COUNT_ICBS)
    assert "42" in icskg("query", "--file", str(path), "--format", "csv").output
    assert "42" in icskg("query", "-", "--format", "csv", input=COUNT_ICBS).output


def test_construct_as_turtle(icskg, store):
    result = icskg("query", "DESCRIBE <https://w3id.org/icskg/id/org/QYG>", "--format", "turtle")
    assert result.exit_code == 0
    assert "<https://w3id.org/icskg/id/org/QYG>" in result.output


def test_malformed_query_is_a_clear_error(icskg, store):
    assert_clean_failure(icskg("query", "SELEC ?x WHERE {}"), "error at 1:")


def test_missing_query_file_is_a_clear_error(icskg, store):
    result = icskg("query", "--file", "/nonexistent/query.rq")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_format_that_does_not_fit_is_named(icskg, store):
    assert_clean_failure(icskg("query", COUNT_ICBS, "--format", "turtle"), "does not fit")


def test_no_store_yet_says_to_build(tmp_path):
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), "query", COUNT_ICBS])
    assert_clean_failure(result, "Run `icskg build` first")


@pytest.mark.parametrize("fmt,marker", [
    ("trig", "graph:icbs {"),
    ("nquads", "<https://w3id.org/icskg/graph/trusts> ."),
    ("turtle", "@prefix ics: <https://w3id.org/icskg/def/>"),
    ("jsonld", '"@graph"'),
])
def test_export(icskg, store, tmp_path, fmt, marker):
    out = tmp_path / f"dump.{fmt}"
    result = icskg("export", "--format", fmt, "--output", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert marker in text


def test_export_one_graph_and_an_unknown_graph(icskg, store):
    one = icskg("export", "--format", "nquads", "--graph", "https://w3id.org/icskg/graph/icb-leaders")
    assert one.exit_code == 0
    graphs = {line.rsplit(" ", 2)[-2] for line in one.output.splitlines() if line}
    assert graphs == {"<https://w3id.org/icskg/graph/icb-leaders>"}
    assert_clean_failure(icskg("export", "--graph", "https://example.org/nope"), "No named graph")


def test_icskg_prefixes_are_predeclared_and_a_query_may_redefine_them(icskg, store):
    assert icskg("query", "SELECT (COUNT(*) AS ?n) { ?x a ics:IntegratedCareBoard }",
                 "--format", "csv").output.splitlines()[1] == "42"
    redefined = icskg("query", "PREFIX ics: <urn:other:> SELECT (COUNT(*) AS ?n) "
                      "{ ?x a ics:IntegratedCareBoard }", "--format", "csv")
    assert redefined.output.splitlines()[1] == "0"


def test_a_competency_question_file_runs_as_it_is(icskg, store):
    from icskg import resources

    first = sorted(resources.QUERIES_DIR.glob("*.rq"))[0]
    result = icskg("query", "--file", str(first), "--format", "csv")
    assert result.exit_code == 0, result.output


@pytest.mark.server
def test_serve_on_a_port_in_use_says_so_in_one_line_and_exits_2(tmp_path):
    """README: exit 2 with a one-line message (not gunicorn's retries and exit 1)."""
    import socket
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "icskg", "--data-dir", str(tmp_path), "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"Port {port} on 127.0.0.1 is in use" in lines[0] and "--port" in lines[0]
    assert not list(tmp_path.iterdir())  # nothing was built for a server that cannot start


@pytest.mark.server
def test_serve_data_that_needs_more_memory_than_allowed_stops_with_a_clear_message(tmp_path):
    """The child that loads ``serve --data`` works under ICSKG_BUILD_MEMORY_MB, the same limit
    policy as queries and validation (icskg.killable): past it, one message and exit 2."""
    import os
    import socket
    import subprocess
    import sys

    data = tmp_path / "big.nt"
    with data.open("w") as out:
        for i in range(300_000):
            out.write(f'<http://example.org/s{i}> <http://example.org/p> "value {i} with some words" .\n')
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = subprocess.run(
        [sys.executable, "-m", "icskg", "--data-dir", str(tmp_path / "var"), "serve", "--port", str(port),
         "--data", str(data)], env={**os.environ, "ICSKG_BUILD_MEMORY_MB": "64"},
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: Could not prepare the store") and "64 MB of memory" in last, last
