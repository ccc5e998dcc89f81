"""README's promises, each checked against the running code: caching headers (GET, not POST),
the prerequisites table's commands and extras, and the pages it lists."""

from __future__ import annotations

import re
import tomllib

import pytest

from icskg import resources
from icskg.cli import main

README = (resources.PROJECT_DIR / "README.md").read_text(encoding="utf-8")
QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ics:IntegratedCareBoard }"


def test_get_answers_carry_etag_last_modified_and_cache_control(client):
    assert "Every successful `GET` and `HEAD` answer (but `/healthz`) carries `ETag`" in README
    for method in (client.get, client.head):
        answer = method("/sparql", query_string={"query": QUERY}, headers={"Accept": "text/csv"})
        assert answer.status_code == 200
        assert answer.headers["ETag"] and answer.headers["Last-Modified"] and answer.headers["Cache-Control"]
    again = client.get("/sparql", query_string={"query": QUERY},
                       headers={"Accept": "text/csv", "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304
    assert "ETag" not in client.get("/healthz").headers


def test_post_answers_carry_no_etag_as_readme_says(client):
    assert "`POST` answers\n  carry none" in README
    answer = client.post("/sparql", data={"query": QUERY}, headers={"Accept": "text/csv"})
    assert answer.status_code == 200 and "ETag" not in answer.headers


def test_every_command_and_extra_in_the_prerequisites_exists():
    table = README.split("## What each command needs\n\n", 1)[1].split("\n\n", 1)[0]
    commands = set(re.findall(r"`icskg (\w+)", table)) | set(re.findall(r", `(\w+)`", table))
    assert commands >= {"build", "query", "export", "serve", "validate", "reason", "push"}
    assert commands <= set(main.commands)
    extras = set(re.findall(r"'\.\[(\w+)\]'", table))
    project = tomllib.loads((resources.PROJECT_DIR / "pyproject.toml").read_text())["project"]
    assert extras and extras <= set(project["optional-dependencies"])


@pytest.mark.parametrize("path", re.findall(r"^- `(/[a-z]+[/a-z]*)(?:\?q=)?`:", README, re.MULTILINE))
def test_every_page_readme_lists_answers(client, path):
    answer = client.get(path, headers={"Accept": "text/html"})
    assert answer.status_code in (200, 301, 308), path
