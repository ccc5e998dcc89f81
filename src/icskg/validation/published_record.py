"""How much of the 42 ICBs' governance the published record (graph/published-governance) covers:
the counts /compliance shows beside its findings, asked of the built store."""

from __future__ import annotations

from icskg.namespaces import GRAPH, sparql_prologue
from icskg.store import Store

COVERAGE = f"""
SELECT (COUNT(DISTINCT ?fact) AS ?facts) (COUNT(DISTINCT ?icb) AS ?icbs) (COUNT(DISTINCT ?page) AS ?pages)
WHERE {{
  GRAPH <{GRAPH["published-governance"]}> {{ ?fact dcterms:source ?page }}
  OPTIONAL {{
    ?icb a ics:IntegratedCareBoard .
    {{ ?icb ics:hasBoard ?board . ?fact org:organization|ics:appliesTo ?board }}
    UNION {{ ?icb ics:hasConstitution|ics:hasCommittee ?fact }}
    UNION {{ ?system ics:hasIntegratedCareBoard ?icb ; ics:hasIntegratedCarePartnership ?icp .
             ?fact org:organization ?icp }}
  }}
}}
"""


def coverage(store: Store) -> dict[str, int]:
    """The number of facts in the published record, of ICBs they are about and of pages cited."""
    rows = list(store.query(sparql_prologue() + COVERAGE).rows())
    facts, icbs, pages = (int(value or 0) for value in rows[0])
    return {"facts": facts, "icbs": icbs, "pages": pages}
