"""The compliance picture: every ICB in the built graph against the families of rules.

Each cell is the worst finding of that family about that ICB (its board, seats, committees,
constitution, system, partnership, sub-ICB locations, councils and partner trusts), "ok" when
the family was checked and nothing was found, or "no data" when the graph holds nothing that
family could check for that ICB: no board data is not a board without a chair, so a family's
findings count only for ICBs the graph holds that family's kind of data about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rdflib import URIRef
from rdflib.namespace import SKOS

from icskg.namespaces import sparql_prologue
from icskg.store import Store
from icskg.validation.check import store_data, validate_graph
from icskg.validation.regimes import common_graph
from icskg.validation.report import SEVERITIES, Finding, ValidationReport

REGIMES = ("hca2022", "guidance", "data-quality")
FAMILY_SCHEME = URIRef("https://w3id.org/icskg/shapes/families")

# Which ICB a focus node is about, for each kind of node the shapes check.
ABOUT_ICB = """
SELECT DISTINCT ?node ?icb WHERE {
  ?icb a ics:IntegratedCareBoard .
  {
    BIND (?icb AS ?node)
  } UNION { ?icb ics:hasBoard ?node }
  UNION { ?icb ics:hasBoard ?board . ?node org:organization ?board }
  UNION { ?icb ics:hasCommittee|ics:hasConstitution|ics:hasGovernanceDocument ?node }
  UNION { ?icb ics:hasBoard/ics:hasCommittee ?node }
  UNION { ?node ics:hasIntegratedCareBoard ?icb }
  UNION { ?system ics:hasIntegratedCareBoard ?icb ; ics:hasIntegratedCarePartnership ?node }
  UNION { ?system ics:hasIntegratedCareBoard ?icb ; ics:hasIntegratedCarePartnership ?icp .
          ?node org:organization ?icp }
  UNION { ?node org:unitOf ?icb }
  UNION { ?node ics:partnerOfIntegratedCareBoard|ics:headquartersWithin ?icb }
  UNION { ?icb ics:coversArea ?area . ?node a/rdfs:subClassOf* ics:LocalAuthority ; ics:coversArea ?laArea .
          ?laArea ics:withinArea|ics:partlyWithinArea ?area }
}
"""
NAMES = """
SELECT ?icb (SAMPLE(COALESCE(?short, ?label)) AS ?name) WHERE {
  ?icb a ics:IntegratedCareBoard ; rdfs:label ?label . OPTIONAL { ?icb skos:altLabel ?short }
} GROUP BY ?icb
"""
# Whether the graph holds anything a family can check, for each ICB.
EVIDENCE = {
    "family-system": "?icb ics:coversArea ?x",
    "family-data-quality": "?icb ics:odsCode ?x",
    "family-constitution": "?icb ics:hasConstitution|ics:hasGovernanceDocument|ics:establishedByOrder ?x",
    "family-board": "?icb ics:hasBoard ?b . ?x org:organization ?b",
    "family-committees": "?icb ics:hasCommittee|(ics:hasBoard/ics:hasCommittee) ?x",
    "family-duties": """
        { ?x a ics:ProviderCollaborative ; org:hasMember/ics:partnerOfIntegratedCareBoard ?icb }
        UNION { ?x ics:represents ?icb }
        UNION { ?s ics:hasIntegratedCareBoard ?icb ; ics:hasPlacePartnership ?x }""",
    "family-partnership": """
        ?s ics:hasIntegratedCareBoard ?icb ; ics:hasIntegratedCarePartnership ?p . ?x org:organization ?p""",
}


@dataclass
class Cell:
    outcome: str  # "Violation", "Warning", "Info", "ok" or "nodata"
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Matrix:
    families: list[tuple[str, str]]  # (family id, label), in order
    rows: list[tuple[str, str, dict[str, Cell]]]  # (ICB IRI, name, family id -> cell)
    as_of: date
    counts: dict[str, int]
    coverage: dict[str, dict[str, int]] = field(default_factory=dict)
    """For each family, how many ICBs the graph holds its kind of data about, and how many facts."""

    def totals(self) -> dict[str, dict[str, int]]:
        """For each family, how many ICBs have each outcome."""
        found: dict[str, dict[str, int]] = {}
        for _, _, cells in self.rows:
            for family, cell in cells.items():
                found.setdefault(family, {}).setdefault(cell.outcome, 0)
                found[family][cell.outcome] += 1
        return found


def _select(store: Store, query: str) -> list[tuple[str | None, ...]]:
    return list(store.query(sparql_prologue() + query).rows())


def families() -> list[tuple[str, str]]:
    common = common_graph()
    concepts = sorted(common.subjects(SKOS.inScheme, FAMILY_SCHEME),
                      key=lambda c: str(common.value(c, SKOS.notation)))
    return [(str(c).rsplit("/", 1)[-1], str(common.value(c, SKOS.prefLabel))) for c in concepts]


def matrix(store: Store, as_of: date) -> Matrix:
    """Validate the built graph in ``store`` and arrange the findings by ICB and family.

    Which node is about which ICB is asked of the store's own engine; the graph is then copied
    once into rdflib for pySHACL.
    """
    about: dict[str, set[str]] = {}
    for node, icb in _select(store, ABOUT_ICB):
        about.setdefault(str(node), set()).add(str(icb))
    facts = {family: {str(icb): int(str(n)) for icb, n in _select(
                 store, f"SELECT ?icb (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }} GROUP BY ?icb")}
             for family, pattern in EVIDENCE.items()}
    evidence = {family: set(found) for family, found in facts.items()}
    names = {str(icb): str(name) for icb, name in _select(store, NAMES)}
    report: ValidationReport = validate_graph(store_data(store), list(REGIMES), as_of, copy=False)
    grid: dict[str, dict[str, list[Finding]]] = {icb: {} for icb in names}
    for finding in report.findings:
        family = finding.family.rsplit("/", 1)[-1]
        for icb in about.get(finding.focus, ()):
            if icb in grid:
                grid[icb].setdefault(family, []).append(finding)
    rows = []
    for icb, name in sorted(names.items(), key=lambda kv: kv[1]):
        cells = {}
        for family, _ in families():
            found = grid[icb].get(family, [])
            if icb not in evidence.get(family, set()):
                cells[family] = Cell("nodata")  # findings here only restate that nothing is recorded
            elif found:
                cells[family] = Cell(min((f.severity for f in found), key=SEVERITIES.index), found)
            else:
                cells[family] = Cell("ok")
        rows.append((icb, name, cells))
    coverage = {family: {"icbs": sum(1 for icb in names if icb in found),
                         "facts": sum(n for icb, n in found.items() if icb in names)}
                for family, found in ((family, facts.get(family, {})) for family, _ in families())}
    return Matrix(families(), rows, as_of, report.counts(), coverage)
