"""``/shapes/``: the rules icskg checks, one page each (``/shapes/ICBEstablishedByOrder``), read from
the SHACL files under ``shapes/``: what the rule asks, its severity, the provision it cites and
the messages a finding shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from flask import Blueprint, render_template
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH

from icskg import __version__
from icskg.namespaces import ICS, ICSH
from icskg.validation.regimes import common_graph, regimes, shapes_graph
from icskg.web.common import error_response

bp = Blueprint("rules", __name__)


@dataclass
class Rule:
    iri: str
    name: str
    identifier: str
    label: str
    regime: str
    regime_title: str
    severity: str
    citation: str | None
    source: str | None
    comment: str | None
    family: str | None
    messages: list[str] = field(default_factory=list)


def _messages(graph: Graph, node: URIRef) -> list[str]:
    """The ``sh:message`` texts of the shape and of the constraints and property shapes under it."""
    found = [str(m) for m in graph.objects(node, SH.message)]
    for link in (SH.property, SH.sparql):
        for child in graph.objects(node, link):
            found += [str(m) for m in graph.objects(child, SH.message)]
    return found


@cache
def all_rules() -> dict[str, Rule]:
    """Every shape with a ``dcterms:identifier``, by its local name, regime by regime."""
    rules: dict[str, Rule] = {}
    common = common_graph()
    for regime_id, regime in regimes().items():
        graph = shapes_graph(regime_id)
        for shape in sorted(set(graph.subjects(RDF.type, SH.NodeShape)), key=str):
            identifier = graph.value(shape, DCTERMS.identifier)
            if identifier is None or not str(shape).startswith(str(ICSH)) or shape == regime.iri:
                continue
            family = graph.value(shape, DCTERMS.subject)
            name = str(shape)[len(str(ICSH)):]
            rules.setdefault(name, Rule(
                iri=str(shape), name=name, identifier=str(identifier),
                label=str(graph.value(shape, RDFS.label) or identifier), regime=regime_id,
                regime_title=regime.title,
                severity=str(graph.value(shape, SH.severity) or SH.Violation).rsplit("#", 1)[-1],
                citation=_text(graph.value(shape, DCTERMS.bibliographicCitation)),
                source=_text(graph.value(shape, DCTERMS.source)),
                comment=_text(graph.value(shape, RDFS.comment)),
                family=_text(common.value(family, RDFS.label)) if family is not None else None,
                messages=_messages(graph, shape),
            ))
    return rules


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@bp.get("/shapes/")
def index() -> str:
    by_regime: dict[str, list[Rule]] = {}
    for rule in all_rules().values():
        by_regime.setdefault(rule.regime, []).append(rule)
    return render_template("rules.html", version=__version__, by_regime=by_regime,
                           regimes=regimes(), total=len(all_rules()))


@bp.get("/shapes/<name>")
def rule(name: str):
    found = all_rules().get(name)
    if found is None:
        return error_response(404, f"No rule {ICSH}{name}; /shapes/ lists them.")
    return render_template("rule.html", version=__version__, rule=found, ics=str(ICS._NS))
