"""The query mix: typical researcher queries, plus the competency questions in ``queries/*.rq``.

Each query is written so that its answer on a synthetic copy at xN is predictable: clones keep
literal values (codes, labels) and get fresh IRIs, so a lookup by code or label finds N times
as many things, while a lookup by IRI finds the one original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from icskg.namespaces import PREFIXES
from icskg.resources import QUERIES_DIR

PROLOGUE = """\
PREFIX ics: <https://w3id.org/icskg/def/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
QYG = "https://w3id.org/icskg/id/org/QYG"  # NHS Cheshire and Merseyside ICB


@dataclass(frozen=True)
class Query:
    name: str
    what: str
    text: str
    kind: str  # "bindings", "boolean" or "graph": decides what the clients ask for
    cheap: bool = False
    """A lookup whose web-layer overhead is the thing to measure (the 1 ms target)."""


MIX: tuple[Query, ...] = (
    Query("iri-lookup", "every property of one ICB, by IRI",
          PROLOGUE + f"SELECT ?p ?o WHERE {{ <{QYG}> ?p ?o }}", "bindings", cheap=True),
    Query("code-lookup", 'whatever has the code "E08000015" (Wirral)',
          PROLOGUE + 'SELECT ?s ?p WHERE { ?s ?p "E08000015" }', "bindings", cheap=True),
    Query("label-search", 'labels containing "wirral", any case',
          PROLOGUE + 'SELECT ?s ?label WHERE { ?s rdfs:label ?label '
                     'FILTER(CONTAINS(LCASE(STR(?label)), "wirral")) }', "bindings"),
    Query("describe-icb", "DESCRIBE of one ICB", f"DESCRIBE <{QYG}>", "graph"),
    Query("count-by-class", "instances per class",
          PROLOGUE + "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class",
          "bindings"),
    Query("aggregate-icbs", "GP practices per ICB, through sub-ICB locations",
          PROLOGUE + """SELECT ?icb ?name (COUNT(DISTINCT ?practice) AS ?practices) WHERE {
  ?icb a ics:IntegratedCareBoard ; rdfs:label ?name .
  ?sub org:unitOf ?icb .
  ?practice ics:withinSubICBLocation ?sub ; a ics:GPPractice .
} GROUP BY ?icb ?name ORDER BY DESC(?practices)""", "bindings"),
    Query("join-4", "practices in the PCNs of the ICB coded QYG (four patterns)",
          PROLOGUE + """SELECT ?practice ?pcn WHERE {
  ?icb ics:odsCode "QYG" .
  ?pcn ics:withinIntegratedCareBoard ?icb .
  ?membership org:organization ?pcn ; org:member ?practice .
}""", "bindings"),
    Query("property-path", "every area Wirral lies in, transitively",
          PROLOGUE + """SELECT ?area ?label WHERE {
  ?la ics:gssCode "E08000015" ;
      ics:coversArea/(ics:withinArea|ics:partlyWithinArea)+ ?area .
  OPTIONAL { ?area rdfs:label ?label }
}""", "bindings"),
)

KEYWORD = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
DECLARED = re.compile(r"^\s*PREFIX\s+([^:\s]*):", re.IGNORECASE | re.MULTILINE)
KINDS = {"SELECT": "bindings", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def _without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def competency_questions(directory: Path = QUERIES_DIR) -> list[Query]:
    """The competency questions that exist now, named ``cq:<file stem>``.

    A file gets a declaration for each of icskg's prefixes it does not declare itself, as the
    query page gives them.
    """
    found = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        body = _without_comments(text)
        keyword = KEYWORD.search(body)
        if keyword is None:
            continue
        declared = set(DECLARED.findall(body))
        text = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()
                       if p not in declared) + text
        first = next((line.lstrip("# ").strip() for line in text.splitlines()
                      if line.startswith("#") and line.lstrip("# ").strip()), path.stem)
        found.append(Query(f"cq:{path.stem}", first[:70], text, KINDS[keyword.group(1).upper()]))
    return found


def query_mix() -> list[Query]:
    return [*MIX, *competency_questions()]
