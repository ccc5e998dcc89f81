"""The competency questions (queries/NN-slug.rq) return their expected answers on the built store.

Like every query icskg shows people, they use the prefixes of ``icskg.namespaces`` without
declaring them (the query page and this test add the declarations).

Each question's expected answer (queries/NN-slug.expected.csv) was taken from the source
documents or the source tables, not from the query's output. Values may be written as CURIEs
with icskg's prefixes. Rows are compared in order only when the query has ORDER BY.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from icskg import resources
from icskg.namespaces import PREFIXES, sparql_prologue

QUERIES = sorted(resources.QUERIES_DIR.glob("*.rq"))
CURIE = re.compile(r"^([a-z][\w-]*):(\S+)$")


def expand(value: str) -> str:
    match = CURIE.match(value)
    if match and match.group(1) in PREFIXES:
        return PREFIXES[match.group(1)] + match.group(2)
    return value


def expected_answer(query: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    path = query.with_name(query.stem + ".expected.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    return header, [tuple(expand(v) for v in row) for row in rows]


def question(query: Path) -> str:
    lines = query.read_text(encoding="utf-8").splitlines()
    return " ".join(line.lstrip("# ").strip() for line in lines if line.startswith("#"))


def test_there_are_at_least_thirty_questions_each_asked_in_plain_english_with_an_answer():
    assert len(QUERIES) >= 30
    for query in QUERIES:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+", query.stem), query.name
        assert "?" in question(query), f"{query.name} does not open with its question"
        assert query.with_name(query.stem + ".expected.csv").is_file(), f"{query.name} has no answer"


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_the_question_gets_its_expected_answer(query: Path, store):
    text = query.read_text(encoding="utf-8")
    header, expected = expected_answer(query)
    result = store.query(sparql_prologue() + text)
    assert result.variables() == header
    rows = [tuple("" if v is None else v for v in row) for row in result.rows()]
    if re.search(r"\bORDER\s+BY\b", text, re.IGNORECASE):
        assert rows == expected
    else:
        assert sorted(rows) == sorted(expected)

