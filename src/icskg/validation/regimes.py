"""The regimes: one shapes file each under ``shapes/``, described by the file itself.

A regime file declares one resource ``icsh:{id}`` (``dcterms:identifier`` is the id used by
``--regime``) with a label, a description and the period its rules were meant for
(``ics:startDate`` / ``ics:endDate``). ``shapes/common.ttl`` holds the SPARQL prefixes, the rule
families and the cited documents, and is loaded with every regime.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS

from icskg import resources
from icskg.namespaces import ICS, ICSH, bind_prefixes

COMMON = "common.ttl"
DATA_QUALITY = "data-quality"


@dataclass(frozen=True)
class Regime:
    id: str
    iri: URIRef
    title: str
    description: str
    path: Path
    start: date | None = None
    end: date | None = None

    def default_as_of(self, today: date) -> date | None:
        """The day rules are checked on when none is given: today, kept inside the regime's period.

        The data-quality regime checks the whole record, so it takes no snapshot by default.
        """
        if self.id == DATA_QUALITY:
            return None
        day = today
        if self.end and day > self.end:
            day = self.end
        if self.start and day < self.start:
            day = self.start
        return day


def _date(graph: Graph, node: URIRef, prop: URIRef) -> date | None:
    value = graph.value(node, prop)
    return date.fromisoformat(str(value)) if value is not None else None


def _parse(path: Path) -> Graph:
    return bind_prefixes(Graph()).parse(path, format="turtle")


@cache
def regimes() -> dict[str, Regime]:
    """Every regime under ``shapes/``, by id, in a stable order (the law first)."""
    found: dict[str, Regime] = {}
    for path in sorted(resources.SHAPES_DIR.glob("*.ttl")):
        if path.name == COMMON:
            continue
        graph = _parse(path)
        iri = ICSH[path.stem]
        ident = graph.value(iri, DCTERMS.identifier)
        if ident is None or str(ident) != path.stem:
            raise RuntimeError(f"{path}: must describe {iri} with dcterms:identifier {path.stem!r}")
        found[path.stem] = Regime(
            id=path.stem, iri=iri, path=path,
            title=str(graph.value(iri, RDFS.label)),
            description=str(graph.value(iri, DCTERMS.description) or ""),
            start=_date(graph, iri, ICS.startDate), end=_date(graph, iri, ICS.endDate),
        )
    order = ["hca2022", "guidance", "df2021", "opt1", "opt2", "ltp2019", DATA_QUALITY]
    return dict(sorted(found.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))


def regime(regime_id: str) -> Regime:
    """The regime called ``regime_id``.

    :raises ValueError: naming the regimes there are.
    """
    known = regimes()
    if regime_id not in known:
        raise ValueError(f"Unknown regime {regime_id!r}; use one of: {', '.join(known)}.")
    return known[regime_id]


@cache
def common_graph() -> Graph:
    return _parse(resources.SHAPES_DIR / COMMON)


@cache
def shapes_graph(regime_id: str) -> Graph:
    """The shapes of one regime together with ``common.ttl``. Cached: treat it as read-only."""
    graph = _parse(regime(regime_id).path)
    graph += common_graph()
    return graph
