"""Parse each SHACL-SPARQL query once, not once per focus node, and join from the focus node out.

pySHACL hands rdflib the text of a SPARQL constraint for every focus node it checks, and rdflib
parses the text each time: 50 ms a parse, most of a validation's time. rdflib also puts the
patterns of a group in an order fixed before ``$this`` is bound, so a query could start from every
council in the graph and reach the focus node last.

:func:`planned` gives pySHACL a view of the data (the same triples, no copy) whose queries are
parsed once per distinct text and joined in :func:`join_order`, starting from what is bound
(``$this``, and the variables of the patterns before). Nothing of rdflib's is patched: the view
passes its own query processor to :meth:`rdflib.Graph.query`, so other graphs, other threads and
validations running at the same time are untouched. The answers are the same: the patterns of a
group are a conjunction, whatever the order; only the order of the rows may change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from rdflib import BNode, Graph, Variable
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.processor import SPARQLProcessor, translateQuery
from rdflib.plugins.sparql.sparql import Query

Pattern = tuple[Any, Any, Any]
# rdflib evaluates a lazy join's second part with the first part's bindings (and a left join's
# always); other joins, unions and MINUS evaluate their sides apart.
_SEES_LEFT = {"LeftJoin"}
_EXISTS = {"Builtin_EXISTS", "Builtin_NOTEXISTS"}


def join_order(patterns: list[Pattern], bound: set) -> list[Pattern]:
    """Greedily, the pattern with the fewest unbound variables next; of equals, one that shares a
    bound variable (a lookup) before one that shares none (a scan of a class, say), then the order
    written."""
    bound, todo, ordered = set(bound), list(patterns), []
    while todo:
        def cost(pattern: Pattern) -> tuple[int, bool]:
            variables = [term for term in pattern if isinstance(term, Variable | BNode)]
            return sum(term not in bound for term in variables), not any(term in bound for term in variables)

        best = min(todo, key=cost)  # the first of equals
        todo.remove(best)
        ordered.append(best)
        bound.update(term for term in best if isinstance(term, Variable | BNode))
    return ordered


def _variables(patterns: Iterable[Pattern]) -> frozenset:
    return frozenset(term for pattern in patterns for term in pattern if isinstance(term, Variable | BNode))


def _chain(patterns: list[Pattern]) -> CompValue:
    """The patterns as nested lazy joins of one pattern each, so rdflib keeps their order (it
    re-sorts the patterns of a group by what is bound when the group starts, not as it goes)."""
    part = CompValue("BGP", triples=patterns[-1:])
    for pattern in reversed(patterns[:-1]):
        part = CompValue("Join", p1=CompValue("BGP", triples=[pattern]), p2=part, lazy=True)
    return part


def _plan(part: Any, bound: frozenset) -> tuple[Any, frozenset]:
    """``part`` with every group's patterns in join order; returns it and the variables it binds."""
    if not isinstance(part, CompValue):
        return part, frozenset()
    if part.name == "BGP":
        return (_chain(join_order(part.triples, bound)) if len(part.triples) > 1 else part), \
            _variables(part.triples)
    seen: frozenset = frozenset()
    if "p1" in part:
        part["p1"], left = _plan(part.p1, bound)
        sees_left = part.name in _SEES_LEFT or (part.name == "Join" and part.get("lazy"))
        part["p2"], right = _plan(part.p2, bound | left if sees_left else bound)
        seen = left if part.name == "Minus" else left | right
    elif "p" in part:
        part["p"], seen = _plan(part.p, bound)
    if part.name == "Extend":
        seen |= {part.var}
    for key, value in part.items():
        if key not in ("p", "p1", "p2"):
            _plan_exists(value, bound | seen)
    return part, seen


def _plan_exists(expression: Any, bound: frozenset) -> None:
    """Plan the pattern of each EXISTS and NOT EXISTS in ``expression``: rdflib evaluates it with
    the bindings of the row being filtered."""
    if isinstance(expression, CompValue):
        if expression.name in _EXISTS:
            expression["graph"], _ = _plan(expression.graph, bound)
            return
        for value in expression.values():
            _plan_exists(value, bound)
    elif isinstance(expression, list | tuple):
        for value in expression:
            _plan_exists(value, bound)


@lru_cache(maxsize=512)
def _planned_query(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...],
                   bound: frozenset) -> Query:
    query = translateQuery(parseQuery(text), base, dict(namespaces))
    query.algebra, _ = _plan(query.algebra, bound)
    return query


class _PlannedProcessor(SPARQLProcessor):
    def query(self, strOrQuery: str | Query, initBindings: Mapping[str, Any] | None = None,
              initNs: Mapping[str, Any] | None = None, base: str | None = None,
              DEBUG: bool = False) -> Mapping[str, Any]:
        initBindings = initBindings or {}
        if isinstance(strOrQuery, str):
            namespaces = tuple(sorted((k, str(v)) for k, v in (initNs or {}).items()))
            bound = frozenset(Variable(str(name)) for name in initBindings)
            strOrQuery = _planned_query(strOrQuery, base, namespaces, bound)
        return evalQuery(self.graph, strOrQuery, initBindings, base)


class _PlannedGraph(Graph):
    def query(self, query_object: Any, processor: Any = "sparql", *args: Any, **kwargs: Any) -> Any:
        if processor == "sparql":
            processor = _PlannedProcessor(self)
        return super().query(query_object, processor, *args, **kwargs)


def planned(graph: Graph) -> Graph:
    """``graph`` (its very store: nothing is copied) with queries parsed once and joined from what
    is bound. Adding to the view adds to ``graph``."""
    return _PlannedGraph(store=graph.store, identifier=graph.identifier,
                         namespace_manager=graph.namespace_manager)
