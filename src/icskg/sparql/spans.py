"""Where the parts of a query stand that a server's dialect rewrites (ORDER BY conditions,
boolean bindings, calls of one built-in, ``GRAPH`` names), as spans of the text as written, so
that a rewrite replaces one part and leaves the rest byte for byte as the user wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass

from icskg.sparql.facts import AGGREGATES, FORMS, LexicalError, QueryShape, iri_of
from icskg.sparql.tokens import Token, tokens


@dataclass(frozen=True)
class OrderCondition:
    """One ORDER BY condition: its span in the text, its direction and its expression's text."""

    start: int
    end: int
    descending: bool
    expression: str
    has_aggregate: bool

    @property
    def variables(self) -> set[str]:
        return {t.text[1:] for t in tokens(self.expression) if t.kind == "var"}


@dataclass(frozen=True)
class TopLevelOrder:
    """Where the ORDER BY of a top-level SELECT is, and what that SELECT projects."""

    select_start: int
    order_start: int
    order_end: int
    projection: list[str] | None
    """The projected variables' names in order, or None for ``SELECT *``."""
    conditions: list[OrderCondition]


def _balanced(toks: tuple[Token, ...], i: int) -> int:
    """The index just past the bracket group that opens at ``toks[i]``."""
    opener = toks[i].text
    closer = {"(": ")", "{": "}", "[": "]"}[opener]
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == opener:
            depth += 1
        elif toks[j].text == closer:
            depth -= 1
            if depth == 0:
                return j + 1
    raise LexicalError(f"Unbalanced {opener!r} in the query.")


def _conditions(sparql: str, toks: tuple[Token, ...], j: int) -> tuple[list[OrderCondition], int]:
    """The conditions of the ORDER BY whose first condition is ``toks[j]``, and the index of the
    first token after them."""
    found: list[OrderCondition] = []
    while j < len(toks):
        first = toks[j]
        descending = False
        if first.word in ("ASC", "DESC") and j + 1 < len(toks) and toks[j + 1].text == "(":
            descending = first.word == "DESC"
            end = _balanced(toks, j + 1)
            inner = (toks[j + 2].start, toks[end - 1].start)
        elif first.text == "(":
            end = _balanced(toks, j)
            inner = (first.start, toks[end - 1].end)
        elif first.kind == "var":
            end, inner = j + 1, (first.start, first.end)
        elif (first.kind in ("name", "iri") and first.word not in ("LIMIT", "OFFSET", "VALUES")
              and j + 1 < len(toks) and toks[j + 1].text == "("):
            end = _balanced(toks, j + 1)
            inner = (first.start, toks[end - 1].end)
        else:
            break
        found.append(OrderCondition(
            first.start, toks[end - 1].end, descending, sparql[inner[0]:inner[1]],
            any(t.word in AGGREGATES for t in toks[j:end]),
        ))
        j = end
    return found, j


def order_conditions(sparql: str) -> list[OrderCondition]:
    """Every ORDER BY condition in ``sparql`` (in sub-queries too), in text order."""
    toks = tokens(sparql)
    found: list[OrderCondition] = []
    for i, token in enumerate(toks[:-1]):
        if token.word == "ORDER" and toks[i + 1].word == "BY":
            found += _conditions(sparql, toks, i + 2)[0]
    return found


def top_level_order(sparql: str) -> TopLevelOrder | None:
    """The ORDER BY of the query if it is a SELECT without FROM, ordered at the top level
    (outside any braces) with nothing but LIMIT and OFFSET after it; else None."""
    toks = tokens(sparql)
    select = next((i for i, t in enumerate(toks) if t.word in FORMS), None)
    if select is None or toks[select].word != "SELECT" or any(t.word == "FROM" for t in toks):
        return None
    projection: list[str] | None = []
    depth = 0
    for i in range(select + 1, len(toks)):
        token = toks[i]
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.text == "*" and depth == 0:
            projection = None
        elif token.kind == "var" and projection is not None and (
                depth == 0 or toks[i - 1].word == "AS"):
            projection.append(token.text[1:])
        elif token.text == "{" or token.word in ("WHERE", "FROM"):
            break
    depth = 0
    for i in range(select, len(toks) - 1):
        depth += {"{": 1, "}": -1}.get(toks[i].text, 0)
        if depth == 0 and toks[i].word == "ORDER" and toks[i + 1].word == "BY":
            conditions, after = _conditions(sparql, toks, i + 2)
            rest = toks[after:]
            if not conditions or any(t.word not in ("LIMIT", "OFFSET")
                                     and t.kind not in ("other", "number") for t in rest):
                return None
            return TopLevelOrder(toks[select].start, toks[i].start, conditions[-1].end,
                                 projection, conditions)
    return None


def graph_constants(sparql: str, shape: QueryShape) -> list[tuple[int, int, str]]:
    """Each ``GRAPH <iri>`` (or ``GRAPH prefix:name``) in ``sparql``: the span of the graph's
    name and the IRI it names."""
    toks = tokens(sparql)
    return [(toks[i + 1].start, toks[i + 1].end, iri_of(toks[i + 1], shape))
            for i, token in enumerate(toks[:-1])
            if token.word == "GRAPH" and toks[i + 1].kind in ("iri", "name")]


BOOLEAN_CALLS = {"BOUND", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "SAMETERM",
                 "LANGMATCHES", "REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "EXISTS", "NOT",
                 "TRUE", "FALSE"}
BOOLEAN_OPERATORS = {"=", "!", "<", ">", "&", "|"}


def boolean_bindings(sparql: str) -> list[tuple[int, int]]:
    """The span of each expression bound to a variable (``(expr AS ?v)``, ``BIND(expr AS ?v)``)
    whose value is a boolean: a comparison, a logical operator, ``IN``, ``EXISTS`` or a
    built-in test such as ``BOUND`` or ``LANGMATCHES``."""
    toks = tokens(sparql)
    spans = []
    for i, token in enumerate(toks):
        if token.word != "AS" or i + 1 >= len(toks) or toks[i + 1].kind != "var":
            continue
        depth, j = 0, i - 1
        while j >= 0 and not (toks[j].text == "(" and depth == 0):
            depth += {")": 1, "(": -1, "}": 1, "{": -1}.get(toks[j].text, 0)
            j -= 1
        body = toks[j + 1:i]
        if j < 0 or not body:
            continue
        level, top = 0, []
        for t in body:
            if level == 0:
                top.append(t)
            level += {"(": 1, "{": 1, ")": -1, "}": -1}.get(t.text, 0)
        is_test = top[0].word in BOOLEAN_CALLS and all(t is top[0] or t.word in ("EXISTS", "(")
                                                       or t.text in "({" for t in top)
        if is_test or any(t.text in BOOLEAN_OPERATORS or t.word == "IN" for t in top):
            spans.append((body[0].start, body[-1].end))
    return spans


def calls_of(sparql: str, name: str) -> list[tuple[int, int, str]]:
    """Each outermost call of the built-in ``name``: its span and its argument's text."""
    toks = tokens(sparql)
    found, after = [], -1
    for i, token in enumerate(toks[:-1]):
        if token.start >= after and token.word == name and toks[i + 1].text == "(":
            end = _balanced(toks, i + 1)
            found.append((token.start, toks[end - 1].end,
                          sparql[toks[i + 2].start:toks[end - 1].start]))
            after = toks[end - 1].end
    return found
