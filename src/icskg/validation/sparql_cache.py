"""Parse each SHACL-SPARQL query once, not once per focus node, and join from the focus node out.

pySHACL hands rdflib the text of a SPARQL constraint for every focus node it checks, and rdflib
parses the text each time: 50 ms a parse, most of a validation's time. While a validation runs,
rdflib's SPARQL processor is given a cache of translated queries keyed by the text, the base and
the namespaces, so identical text is parsed once per process.

rdflib also puts the patterns of a group in an order fixed before ``$this`` is bound, so a query
could start from every council in the graph and reach the focus node last. While a validation
runs, each group's patterns are joined in an order chosen from what is bound when the group is
evaluated (see :func:`join_order`). The answers are the same: the patterns of a group are a
conjunction, whatever the order; only the order of the rows may change.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from rdflib import BNode, Variable
from rdflib.plugins.sparql import CUSTOM_EVALS, processor
from rdflib.plugins.sparql.evaluate import evalBGP
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import FrozenBindings, Query, QueryContext

Pattern = tuple[Any, Any, Any]
JOIN_ORDER = "icskg-join-order"


@lru_cache(maxsize=512)
def _translated(text: str, base: str | None, namespaces: tuple[tuple[str, str], ...]) -> Query:
    return processor.translateQuery(parseQuery(text), base, dict(namespaces))


def _cached_query(self: processor.SPARQLProcessor, strOrQuery: str | Query,
                  initBindings: Mapping[str, Any] | None = None, initNs: Mapping[str, Any] | None = None,
                  base: str | None = None, DEBUG: bool = False) -> Mapping[str, Any]:
    if isinstance(strOrQuery, str):
        namespaces = tuple(sorted((k, str(v)) for k, v in (initNs or {}).items()))
        strOrQuery = _translated(strOrQuery, base, namespaces)
    return processor.evalQuery(self.graph, strOrQuery, initBindings, base)


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


def _bgp_in_join_order(ctx: QueryContext, part: CompValue) -> Iterator[FrozenBindings]:
    """rdflib's own evaluation of a group of patterns, in :func:`join_order`."""
    if part.name != "BGP":
        raise NotImplementedError  # rdflib evaluates everything else as usual
    bound = {term for pattern in part.triples for term in pattern
             if isinstance(term, Variable | BNode) and ctx[term] is not None}
    return evalBGP(ctx, join_order(part.triples, bound))


@contextmanager
def parsed_once() -> Iterator[None]:
    """Within this block, rdflib parses each distinct SPARQL text once and joins in
    :func:`join_order`."""
    original = processor.SPARQLProcessor.query
    processor.SPARQLProcessor.query = _cached_query  # type: ignore[method-assign]
    CUSTOM_EVALS[JOIN_ORDER] = _bgp_in_join_order
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]
        CUSTOM_EVALS.pop(JOIN_ORDER, None)
