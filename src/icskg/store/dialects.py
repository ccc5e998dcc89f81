"""What differs between SPARQL servers, in one place.

The remote store speaks the SPARQL 1.1 Protocol and Graph Store Protocol to any server, and
always names the dataset of a query itself (``default-graph-uri`` and ``named-graph-uri``), so
no server's idea of its default graph matters. What is left differs by server and lives here:
how a time limit is asked for, which authentication scheme the write endpoints use, how a cut
answer is flagged, and, for Virtuoso, the repairs that make its answers the same as the
embedded engine's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from icskg.sparql.spans import (
    OrderCondition,
    boolean_bindings,
    calls_of,
    order_conditions,
    top_level_order,
)
from icskg.sparql.tokens import tokens
from icskg.store.base import QueryTimeout

XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Dialect:
    """A server that follows SPARQL 1.1; the base for the ones that need more."""

    name: str
    timeout_parameter: str | None = None
    """The request parameter that makes the server itself stop a query, if it has one."""
    timeout_value: Callable[[float], str] = lambda seconds: f"{seconds:g}"
    auth_scheme: str = "basic"
    """``basic`` or ``digest``: how a user name and password are sent."""
    tested: bool = False
    """Whether icskg's tests run against this server (docs/scaling.md says what was checked)."""

    def prepare(self, sparql: str, form: str) -> str:
        """The query text to send for a query of ``form`` (SELECT, ASK, CONSTRUCT, DESCRIBE)."""
        return sparql

    def after_load(self) -> str | None:
        """A query to send after loading, to make what was loaded survive a crash, if needed."""
        return None

    def timeout_parameters(self, seconds: float) -> dict[str, str]:
        if self.timeout_parameter is None:
            return {}
        return {self.timeout_parameter: self.timeout_value(seconds)}

    def repair_results(self, document: dict) -> dict:
        """Make a SPARQL JSON results document mean what SPARQL 1.1 says it should."""
        return document

    def limit_hit(self, headers: Mapping[str, str]) -> str | None:
        """Which server-side limit cut this answer short, if the server says so.

        :raises QueryTimeout: if the server stopped the query at its time limit.
        """
        return None


class VirtuosoDialect(Dialect):
    """OpenLink Virtuoso 7.2, as packaged by Debian (tested).

    Repairs, each checked against the embedded engine by tests/test_remote_virtuoso.py:

    - DESCRIBE returns the concise bounded description, as pyoxigraph does (Virtuoso's default
      also adds triples that point at the resource);
    - ORDER BY compares strings by their whole text (Virtuoso orders literals longer than 20
      characters by an internal key; openlink/virtuoso-opensource#672);
    - ASK answers a boolean (Virtuoso sends a one-row table with the variable ``__ASK_RETVAL``);
    - blank nodes lose the ``nodeID://`` scheme Virtuoso gives their labels;
    - ``xsd:boolean`` values are written ``true``/``false`` (Virtuoso writes ``1``/``0``), and
      boolean expressions bound to variables give booleans (Virtuoso gives integers);
    - ``DATATYPE`` of a language-tagged string is ``rdf:langString`` (Virtuoso: unbound).

    The ``timeout`` parameter (milliseconds) makes Virtuoso return what it has found so far,
    flagged by the ``X-SQL-State`` header; that is reported as a timeout, never as an answer.
    A result cut at ``ResultSetMaxRows`` is flagged by ``X-SPARQL-MaxRows``.
    """

    def prepare(self, sparql: str, form: str) -> str:
        text = _order_by_whole_strings(_datatype_of_language_strings(_typed_booleans(sparql)))
        if form == "DESCRIBE":
            text = 'define sql:describe-mode "CBD"\n' + text
        return text

    def after_load(self) -> str | None:
        # Virtuoso loads over the Graph Store Protocol and moves graphs without writing its
        # transaction log: until the next checkpoint, a crash loses them (seen in the tests).
        return 'SELECT (<bif:exec>("checkpoint") AS ?done) WHERE {}'

    def repair_results(self, document: dict) -> dict:
        variables = document.get("head", {}).get("vars", [])
        bindings = document.get("results", {}).get("bindings", [])
        if variables == ["__ASK_RETVAL"]:
            answer = bool(bindings) and bindings[0]["__ASK_RETVAL"].get("value") == "1"
            return {"head": {}, "boolean": answer}
        for solution in bindings:
            for term in solution.values():
                if term.get("type") == "bnode" and term["value"].startswith("nodeID://"):
                    term["value"] = term["value"][len("nodeID://"):]
                elif term.get("datatype") == XSD_BOOLEAN and term["value"] in ("1", "0"):
                    term["value"] = "true" if term["value"] == "1" else "false"
        return document

    def limit_hit(self, headers: Mapping[str, str]) -> str | None:
        if "X-SQL-State" in headers:
            raise QueryTimeout(
                "The SPARQL server stopped the query at its time limit "
                f"({headers.get('X-SQL-Message', headers['X-SQL-State']).split('  ')[0].strip()}). "
                "Narrow it (more specific patterns, LIMIT) or ask for less."
            )
        if "X-SPARQL-MaxRows" in headers:
            return f"server rows={headers['X-SPARQL-MaxRows']}"
        return None


def _datatype_of_language_strings(sparql: str) -> str:
    """``DATATYPE(x)`` answering ``rdf:langString`` for a language-tagged string, as in SPARQL 1.1
    (Virtuoso answers nothing, as SPARQL 1.0 did)."""
    out, position = [], 0
    for start, end, argument in calls_of(sparql, "DATATYPE"):
        out += [sparql[position:start], f"COALESCE(DATATYPE({argument}), IF(isLiteral({argument}), "
                                        f"<{RDF_LANG_STRING}>, DATATYPE({argument})))"]
        position = end
    out.append(sparql[position:])
    return "".join(out)


def _typed_booleans(sparql: str) -> str:
    """Wrap each boolean expression bound to a variable so that its value is an ``xsd:boolean``
    (Virtuoso gives ``EXISTS``, comparisons and tests as the integers 1 and 0)."""
    out, position = [], 0
    for start, end in boolean_bindings(sparql):
        out += [sparql[position:start], f"IF({sparql[start:end]}, STRDT(\"true\", <{XSD_BOOLEAN}>), "
                                        f"STRDT(\"false\", <{XSD_BOOLEAN}>))"]
        position = end
    out.append(sparql[position:])
    return "".join(out)


NUMERIC = ", ".join(f"<http://www.w3.org/2001/XMLSchema#{t}>" for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
    "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt"))


def _text_key(condition: OrderCondition) -> str:
    """``condition`` preceded by a key that holds a literal's whole text unless it is a number.

    Built from the few functions Virtuoso evaluates on every value, aggregates' results
    included: ``LANG`` and ``isNumeric`` fail on some of those, and ``LANG(x) != ""`` is true
    of numbers. ``DATATYPE`` of a language-tagged string is an error there (SPARQL 1.0), hence
    the ``COALESCE``.
    """
    e = condition.expression
    direction = "DESC" if condition.descending else "ASC"
    text = f'IF(isLiteral({e}), COALESCE(IF(DATATYPE({e}) IN ({NUMERIC}), "", STR({e})), STR({e})), "")'
    return f"{direction}({text}) {direction}({e})"


def _order_by_whole_strings(sparql: str) -> str:
    """Put before each ORDER BY key another that compares language-tagged and plain strings by
    their whole text (``STR``), leaving every other kind of value to the original key.

    Virtuoso refuses expressions over aggregates' results in ORDER BY, so a top-level SELECT
    is wrapped: the original without its ORDER BY becomes a sub-query, and the outer query
    orders (and limits) what it projects. Elsewhere the keys are rewritten in place, except
    those over aggregates and computed variables, which are left as they were.
    """
    top = top_level_order(sparql)
    if top and all(c.variables <= set(top.projection or c.variables) for c in top.conditions):
        projection = " ".join(f"?{v}" for v in top.projection) if top.projection else "*"
        keys = " ".join(_text_key(c) for c in top.conditions)
        return (f"{sparql[:top.select_start]}SELECT {projection} WHERE {{\n"
                f"{sparql[top.select_start:top.order_start]}\n}}\nORDER BY {keys}"
                f"{sparql[top.order_end:]}")
    toks = tokens(sparql)
    computed = {t.text[1:] for before, t in pairwise(toks)
                if t.kind == "var" and before.word == "AS"}
    out, position = [], 0
    for condition in order_conditions(sparql):
        if condition.has_aggregate or condition.variables & computed:
            continue
        out += [sparql[position:condition.start], _text_key(condition)]
        position = condition.end
    out.append(sparql[position:])
    return "".join(out)


DIALECTS: dict[str, Dialect] = {
    dialect.name: dialect
    for dialect in (
        Dialect("generic"),
        VirtuosoDialect("virtuoso", timeout_parameter="timeout",
                        timeout_value=lambda seconds: str(max(1, round(seconds * 1000))),
                        auth_scheme="digest", tested=True),
        Dialect("fuseki", timeout_parameter="timeout"),
        Dialect("graphdb", timeout_parameter="timeout",
                timeout_value=lambda seconds: str(max(1, round(seconds)))),
        Dialect("qlever", timeout_parameter="timeout", timeout_value=lambda seconds: f"{seconds:g}s"),
    )
}


def dialect_named(name: str) -> Dialect:
    """The dialect called ``name``.

    :raises ValueError: naming the ones there are.
    """
    try:
        return DIALECTS[name.strip().lower()]
    except KeyError:
        raise ValueError(
            f"Unknown SPARQL server dialect {name!r}; use one of: {', '.join(DIALECTS)}."
        ) from None


def parse_json(body: bytes, dialect: Dialect) -> bytes:
    """A SPARQL JSON results document from ``body``, repaired by ``dialect``."""
    if type(dialect).repair_results is Dialect.repair_results:
        return body
    return json.dumps(dialect.repair_results(json.loads(body))).encode("utf-8")
