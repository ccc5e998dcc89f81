"""The tokens of a SPARQL query and a few facts read from them, without a full parse.

The remote store needs to know, before it sends a query to another server, which form it is
(SELECT, ASK, CONSTRUCT, DESCRIBE), which prefixes and dataset it declares, which functions it
calls and where its ORDER BY conditions are. A tokeniser answers all of these in linear time
and keeps each token's position, so a dialect can rewrite one part of the text and leave the
rest byte for byte as the user wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from icskg.sparql_text import ESCAPE

TOKEN = re.compile(
    r"(?P<skip>\s+|#[^\n]*)"
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*')"
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r"|(?P<var>[?$]\w+)"
    # Prefixed names (``ex:a``, ``:a``, ``_:b``) and plain names (keywords, built-in functions).
    r"|(?P<name>(?:[^\W\d]\w*(?:[.-]+\w+)*)?:(?:[\w:%-]|\\.|\.(?=[\w:%-]))*|[^\W\d]\w*)"
    r"|(?P<other>.)",
    re.DOTALL,
)
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
XSD = "http://www.w3.org/2001/XMLSchema#"
AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
# Every name SPARQL 1.1 (and pyoxigraph's RDF-star and direction extensions) lets stand before
# "(": the built-in calls and aggregates, and the keywords followed by a bracket.
CALLABLE = AGGREGATES | {
    "STR", "LANG", "LANGMATCHES", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS",
    "CEIL", "FLOOR", "ROUND", "CONCAT", "STRLEN", "UCASE", "LCASE", "ENCODE_FOR_URI", "CONTAINS",
    "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER", "YEAR", "MONTH", "DAY", "HOURS", "MINUTES",
    "SECONDS", "TIMEZONE", "TZ", "NOW", "UUID", "STRUUID", "MD5", "SHA1", "SHA256", "SHA384",
    "SHA512", "COALESCE", "IF", "STRLANG", "STRDT", "SAMETERM", "ISIRI", "ISURI", "ISBLANK",
    "ISLITERAL", "ISNUMERIC", "REGEX", "SUBSTR", "REPLACE", "TRIPLE", "SUBJECT", "PREDICATE",
    "OBJECT", "ISTRIPLE", "LANGDIR", "STRLANGDIR", "HASLANG", "HASLANGDIR",
    "SELECT", "DISTINCT", "REDUCED", "FILTER", "BIND", "VALUES", "IN", "BY", "HAVING", "ASC",
    "DESC", "A",
}
# Tokens after which ``name(`` is a function call rather than a predicate and a collection.
EXPRESSION_BEFORE = {"(", ",", "=", "<", ">", "!", "&", "|", "+", "-", "*", "/", "FILTER", "BY",
                     "HAVING"}


class LexicalError(ValueError):
    """The query is not SPARQL 1.1 at the level a tokeniser can see (its form, its prefixes)."""


class UnknownFunction(LexicalError):
    """The query calls a function by IRI that is neither SPARQL's own nor an XSD cast."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        """The text in upper case if this is a plain name (a keyword), else empty."""
        return self.text.upper() if self.kind == "name" and ":" not in self.text else ""


@dataclass
class QueryShape:
    """What the tokeniser found: the form, the prologue, the dataset clauses."""

    form: str
    prefixes: dict[str, str] = field(default_factory=dict)
    base: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)

    @property
    def declares_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def tokens(sparql: str) -> list[Token]:
    """The significant tokens of ``sparql`` (no whitespace, no comments), with their positions."""
    found = []
    for match in TOKEN.finditer(sparql):
        kind = match.lastgroup or "other"
        if kind != "skip":
            found.append(Token(kind, match.group(), match.start(), match.end()))
    return found


def unescape(sparql: str) -> str:
    """Decode ``\\uXXXX`` escapes, which SPARQL applies before tokenising."""
    return ESCAPE.sub(lambda m: chr(min(int(m.group(1) or m.group(2), 16), 0x10FFFF)), sparql)


def _iri(token: Token, shape: QueryShape) -> str:
    if token.kind == "iri":
        text = token.text[1:-1]
        return urljoin(shape.base, text) if shape.base else text
    prefix, _, local = token.text.partition(":")
    if prefix not in shape.prefixes:
        raise LexicalError(f"The prefix {prefix}: is used but not declared.")
    return shape.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)


def shape_of(sparql: str, base_iri: str | None = None) -> QueryShape:
    """Read the form, prologue and dataset clauses of a query, and check its prefixed names and
    function calls: only SPARQL's own functions and XSD casts are let through, so that no
    server-specific extension function can be reached.

    :raises LexicalError: if the text is not a query or uses an undeclared prefix.
    :raises UnknownFunction: if it calls a function that is neither SPARQL's nor an XSD cast.
    """
    toks = tokens(unescape(sparql))
    shape = QueryShape(form="", base=base_iri)
    i = 0
    while i < len(toks) and toks[i].word in ("PREFIX", "BASE"):
        if toks[i].word == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            shape.base = _iri(toks[i + 1], shape)
            i += 2
        elif (i + 2 < len(toks) and toks[i + 1].kind == "name" and toks[i + 1].text.endswith(":")
              and toks[i + 2].kind == "iri"):
            shape.prefixes[toks[i + 1].text[:-1]] = _iri(toks[i + 2], shape)
            i += 3
        else:
            raise LexicalError(f"Malformed {toks[i].text} declaration.")
    if i == len(toks) or toks[i].word not in FORMS:
        found = toks[i].text if i < len(toks) else "the end of the text"
        raise LexicalError(f"Expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {found!r}.")
    shape.form = toks[i].word
    for j in range(i, len(toks)):
        token = toks[j]
        if token.kind == "name" and ":" in token.text and not token.text.startswith("_:"):
            _iri(token, shape)  # raises on an undeclared prefix
        if token.word == "FROM":
            named = j + 1 < len(toks) and toks[j + 1].word == "NAMED"
            target = toks[j + 2 if named else j + 1] if j + (2 if named else 1) < len(toks) else None
            if target is None or target.kind not in ("iri", "name"):
                raise LexicalError("FROM must be followed by a graph IRI.")
            (shape.named_graphs if named else shape.default_graphs).append(_iri(target, shape))
        called = j + 1 < len(toks) and toks[j + 1].text == "("
        if called and token.kind in ("iri", "name"):
            _check_call(token, toks[j - 1] if j else None, shape)
    return shape


def _check_call(token: Token, before: Token | None, shape: QueryShape) -> None:
    if token.word:
        if token.word not in CALLABLE:
            raise LexicalError(f"{token.text}(...) is not a SPARQL function.")
        return
    in_expression = before is not None and (before.text in EXPRESSION_BEFORE
                                            or before.word in EXPRESSION_BEFORE)
    if in_expression and not _iri(token, shape).startswith(XSD):
        raise UnknownFunction(
            f"The function {token.text} is not available here: only SPARQL's built-in functions "
            "and XSD casts (xsd:integer(...) and the like) are."
        )


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


def _balanced(toks: list[Token], i: int) -> int:
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


def _conditions(sparql: str, toks: list[Token], j: int) -> tuple[list[OrderCondition], int]:
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
            if not conditions or any(t.word not in ("LIMIT", "OFFSET") and t.kind != "other"
                                     and not t.text.isdigit() for t in rest):
                return None
            return TopLevelOrder(toks[select].start, toks[i].start, conditions[-1].end,
                                 projection, conditions)
    return None


def graph_constants(sparql: str, shape: QueryShape) -> list[tuple[int, int, str]]:
    """Each ``GRAPH <iri>`` (or ``GRAPH prefix:name``) in ``sparql``: the span of the graph's
    name and the IRI it names."""
    toks = tokens(sparql)
    return [(toks[i + 1].start, toks[i + 1].end, _iri(toks[i + 1], shape))
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
