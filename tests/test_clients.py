"""Real clients against the real server: curl and Apache Jena's remote query tool (rsparql).
(SPARQLWrapper has its own module, test_server.py.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests import jena

pytestmark = [pytest.mark.server, pytest.mark.slow]

COUNT = ("PREFIX ics: <https://w3id.org/icskg/def/> "
         "SELECT (COUNT(*) AS ?icbs) WHERE { ?i a ics:IntegratedCareBoard }")
WIRRAL = """PREFIX ics: <https://w3id.org/icskg/def/>
SELECT ?ods WHERE { ?la ics:gssCode "E08000015" ; ics:coversArea ?a . ?a ics:withinArea ?icbArea .
  ?icb a ics:IntegratedCareBoard ; ics:coversArea ?icbArea ; ics:odsCode ?ods }"""


def need(tool_available: bool, what: str) -> None:
    """Skip where the tool is missing, but never in CI, which installs it."""
    if not tool_available:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is not installed, and CI must install it")
        pytest.skip(f"{what} is not installed")


def test_curl_as_in_the_readme(live_server):
    need(shutil.which("curl") is not None, "curl")
    result = subprocess.run(
        ["curl", "-sS", "--fail", f"{live_server}/sparql", "-H", "Accept: text/csv",
         "--data-urlencode", f"query={COUNT}"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["icbs", "42"]


def test_curl_sees_a_clear_error(live_server):
    need(shutil.which("curl") is not None, "curl")
    result = subprocess.run(
        ["curl", "-sS", "-w", "%{http_code}", f"{live_server}/sparql", "--data-urlencode",
         "query=SELECT * WHERE {"], capture_output=True, text=True, timeout=30)
    assert result.stdout.startswith("400 Malformed query")
    assert result.stdout.endswith("400")


def test_jena_rsparql_select_and_construct(live_server):
    need(jena.classpath() is not None, "Apache Jena (libapache-jena-java) or Java")
    select = jena.run("arq.rsparql", "--service", f"{live_server}/sparql", "--results=json", WIRRAL)
    assert select.returncode == 0, select.stderr
    bindings = json.loads(select.stdout)["results"]["bindings"]
    assert [b["ods"]["value"] for b in bindings] == ["QYG"]
    describe = jena.run("arq.rsparql", "--service", f"{live_server}/sparql", "--results=ttl",
                        "DESCRIBE <https://w3id.org/icskg/id/org/QYG>")
    assert describe.returncode == 0, describe.stderr
    assert "Cheshire and Merseyside" in describe.stdout
