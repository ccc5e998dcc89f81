"""The traceability matrices (data/policy/traceability/<document>.csv): every paragraph and bullet
of the five founding documents is mapped to the graph facts that carry it, or says why it is not
data, so that nothing a source says is dropped without a word.

A row is one non-blank line of the copy held in shared/sources (each line is a paragraph, a
bullet or a heading), with the first words of the line to catch drift. A ``fact`` row names its
carriers (CURIEs with icskg's prefixes, or <IRIs>): each must be in graph/policy, cite the
document (``dcterms:source``) and, unless it is a document itself, say where in it
(``ics:locator``). The other rows (``heading``, ``not-data``) say why in ``note``. The reverse
holds too: every subject that graph/policy cites to a document is named in that document's matrix.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from icskg import resources
from icskg.namespaces import PREFIXES

MATRIX_DIR = resources.POLICY_DIR / "traceability"
MATRICES = sorted(MATRIX_DIR.glob("*.csv"))
# shared/ lies beside the checkout, for developers and in CI alike.
SOURCES_DIR = Path(__file__).resolve().parents[2] / "shared" / "sources"
STATUSES = {"fact", "heading", "not-data"}
DOC = "https://w3id.org/icskg/id/doc/"
LEADER = re.compile(r"^[\s\-•·\d.)#*]*")


def rows(matrix: Path) -> list[dict[str, str]]:
    with matrix.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def expand(carrier: str) -> str:
    if carrier.startswith("<") and carrier.endswith(">"):
        return carrier[1:-1]
    prefix, _, local = carrier.partition(":")
    assert prefix in PREFIXES, f"{carrier}: unknown prefix"
    return PREFIXES[prefix] + local


def carriers(matrix: Path) -> set[str]:
    return {expand(c) for row in rows(matrix) for c in row["carried_by"].split()}


def held_copy(select, matrix: Path) -> str:
    found = select(f"""SELECT ?file WHERE {{ GRAPH graph:policy {{
        <{DOC}{matrix.stem}> dcterms:identifier ?file }} }}""")
    assert len(found) == 1, f"{matrix.stem} is not a document of graph/policy with the file name of its copy"
    return found[0]["file"]


def test_each_founding_document_has_a_matrix(select):
    held = select("""SELECT ?doc WHERE { GRAPH graph:policy { ?doc dcterms:identifier ?file }
                     FILTER STRENDS(?file, ".txt") }""")
    assert {r["doc"].removeprefix(DOC) for r in held} == {m.stem for m in MATRICES}
    assert len(MATRICES) == 5


@pytest.mark.parametrize("matrix", MATRICES, ids=[m.stem for m in MATRICES])
def test_every_paragraph_and_bullet_of_the_source_has_one_row(select, matrix):
    source = SOURCES_DIR / held_copy(select, matrix)
    if not source.is_file():
        pytest.skip(f"{source} is not beside the checkout")
    lines = source.read_text(encoding="utf-8").splitlines()
    content = [n for n, line in enumerate(lines, 1) if line.strip()]
    mapped = [int(r["line"]) for r in rows(matrix)]
    assert mapped == content, f"lines not mapped: {sorted(set(content) - set(mapped))}"
    for row in rows(matrix):
        text = " ".join(LEADER.sub("", lines[int(row["line"]) - 1]).replace("**", "").split())
        assert text.startswith(row["starts"]), f"{matrix.name} line {row['line']} has moved"


@pytest.mark.parametrize("matrix", MATRICES, ids=[m.stem for m in MATRICES])
def test_each_row_is_carried_by_cited_located_facts_or_says_why_not(select, matrix):
    document = DOC + matrix.stem
    for row in rows(matrix):
        assert row["status"] in STATUSES, row
        assert row["locator"], row
        if row["status"] == "fact":
            assert row["carried_by"].split(), f"line {row['line']}: a fact row names no carrier"
        else:
            assert not row["carried_by"] and row["note"], f"line {row['line']}: say why it is not data"
    named = carriers(matrix)
    values = " ".join(f"<{iri}>" for iri in sorted(named))
    found = select(f"""SELECT ?c ?cites ?located ?isdoc WHERE {{ VALUES ?c {{ {values} }}
        GRAPH graph:policy {{ ?c ?p ?o }}
        BIND(EXISTS {{ GRAPH graph:policy {{ ?c dcterms:source <{document}> }} }} AS ?cites)
        BIND(EXISTS {{ GRAPH graph:policy {{ ?c ics:locator ?where }} }} AS ?located)
        BIND(EXISTS {{ ?c a/rdfs:subClassOf* ics:PolicyDocument }} AS ?isdoc) }}""")
    facts = {r["c"]: r for r in found}
    assert named - set(facts) == set(), "carriers not in graph/policy"
    for iri, fact in facts.items():
        if iri == document:
            continue
        assert fact["cites"] == "true", f"{iri} does not cite {matrix.stem}"
        assert fact["located"] == "true" or fact["isdoc"] == "true", f"{iri} has no locator"


@pytest.mark.parametrize("matrix", MATRICES, ids=[m.stem for m in MATRICES])
def test_every_fact_cited_to_the_document_is_in_its_matrix(select, matrix):
    cited = select(f"""SELECT DISTINCT ?f WHERE {{
        GRAPH graph:policy {{ ?f dcterms:source <{DOC}{matrix.stem}> }} FILTER isIRI(?f) }}""")
    assert {r["f"] for r in cited} - carriers(matrix) == set()
