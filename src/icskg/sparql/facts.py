"""What the checks learn from a query's tokens before it runs, all from :func:`~.tokens.scan`.

The guard asks whether it calls a remote service and how deep it nests; the store asks which of
icskg's prefixes it uses without declaring them and whether it names its own dataset; the
endpoint asks whether a text that failed to parse was an update; the remote store asks for its
form, prologue and dataset, and whether every function it calls is on the allow-list; the
embedded store asks whether it is a lookup (:func:`is_lookup`) it may answer without a query process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from icskg.prefixes import PREFIXES
from icskg.sparql.tokens import Token, scan

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
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
# SPARQL's punctuation; anything else (a backquote, say) is some server's extension.
PUNCTUATION = set("{}()[].,;*+-/!=<>|^?&") | {"&&", "||", "!=", "<=", ">=", "^^", "<<", ">>"}
OPENERS, CLOSERS = "{([", "})]"


class LexicalError(ValueError):
    """The query is not SPARQL 1.1 at the level a tokeniser can see (its form, its prefixes)."""


class UnknownFunction(LexicalError):
    """The query calls a function by IRI that is neither SPARQL's own nor an XSD cast."""


def calls_service(sparql: str) -> bool:
    """Whether the query may contain a ``SERVICE`` clause in any spelling an engine accepts: the
    keyword, escaped or not, also glued to a neighbour (``trueSERVICE``, ``SERVICESILENT``),
    and a prefixed name the keyword starts (``SERVICE:name {``, read as ``SERVICE :name``)."""
    toks = scan(sparql).tokens
    for i, token in enumerate(toks):
        if token.kind != "name":
            continue
        head, colon, _ = token.text.partition(":")
        if "SERVICE" in head.upper() and (not colon or (i + 1 < len(toks) and toks[i + 1].text == "{")):
            return True
    return False


def nesting(sparql: str) -> int:
    """How deep the query's brackets nest (outside strings, IRIs and comments)."""
    depth = deepest = 0
    for token in scan(sparql).tokens:
        if token.kind == "other":
            if token.text in OPENERS:
                depth += 1
                deepest = max(deepest, depth)
            elif token.text in CLOSERS:
                depth -= 1
    return deepest


def declared_prefixes(sparql: str) -> set[str]:
    """The prefix names the query declares itself."""
    found = scan(sparql)
    names = {name for keyword, name, _ in found.declarations if keyword == "PREFIX"}
    toks = found.tokens
    names.update(toks[i + 1].text[:-1] for i, t in enumerate(toks[:-1])
                 if t.word == "PREFIX" and toks[i + 1].text.endswith(":"))
    return names


def prefixes_used(sparql: str) -> dict[str, str] | None:
    """The icskg prefixes that ``sparql`` uses and does not declare itself (None if none):
    declaring only these to the engine saves it parsing all of them on every query."""
    toks = scan(sparql).tokens
    used = {t.text.partition(":")[0] for t in toks if t.kind == "name" and ":" in t.text}
    used = {name for name in used if name in PREFIXES}
    if not used:
        return None
    used -= declared_prefixes(sparql)
    return {name: PREFIXES[name] for name in used} or None


def with_prefixes(query: str) -> str:
    """``query`` with a PREFIX line for each icskg prefix it does not declare itself."""
    declared = declared_prefixes(query)
    missing = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in declared)
    return missing + query.lstrip("\n")


def declares_dataset(sparql: str) -> bool:
    """Whether the query names its own dataset (``FROM`` or ``FROM NAMED``)."""
    return any(t.word == "FROM" for t in scan(sparql).tokens)


def is_update(sparql: str) -> bool:
    """Whether the text, after its prologue, starts as a SPARQL Update does."""
    toks = scan(sparql).tokens
    i = 0
    while i < len(toks) and toks[i].word in ("PREFIX", "BASE"):
        i += 3 if toks[i].word == "PREFIX" else 2
    return i < len(toks) and toks[i].word in UPDATES


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


def iri_of(token: Token, shape: QueryShape) -> str:
    """The IRI an IRI token or prefixed name stands for in a query of ``shape``.

    :raises LexicalError: for an undeclared prefix.
    """
    if token.kind == "iri":
        text = token.text[1:-1]
        return urljoin(shape.base, text) if shape.base else text
    prefix, _, local = token.text.partition(":")
    if prefix not in shape.prefixes:
        raise LexicalError(f"The prefix {prefix}: is used but not declared.")
    return shape.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)


def shape_of(sparql: str, base_iri: str | None = None) -> QueryShape:
    """Read the form, prologue and dataset clauses of a query, and check its prefixed names and
    function calls: only SPARQL's own functions and XSD casts are let through, wherever a call
    stands (in FILTER, BIND, SELECT, GROUP BY, HAVING, ORDER BY, inside a pattern or after
    another condition), so that no server-specific extension function can be reached.

    :raises LexicalError: if the text is not a query, uses an undeclared prefix or a character
        SPARQL does not have.
    :raises UnknownFunction: if it calls a function that is neither SPARQL's nor an XSD cast.
    """
    found = scan(sparql)
    shape = QueryShape(form="", base=base_iri)
    for keyword, name, iri in found.declarations:
        token = Token("iri", iri, 0, 0)
        if keyword == "BASE":
            shape.base = iri_of(token, shape)
        else:
            shape.prefixes[name] = iri_of(token, shape)
    toks = found.tokens
    i = 0
    while i < len(toks) and toks[i].word in ("PREFIX", "BASE"):
        if toks[i].word == "BASE" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            shape.base = iri_of(toks[i + 1], shape)
            i += 2
        elif (i + 2 < len(toks) and toks[i + 1].kind == "name" and toks[i + 1].text.endswith(":")
              and toks[i + 2].kind == "iri"):
            shape.prefixes[toks[i + 1].text[:-1]] = iri_of(toks[i + 2], shape)
            i += 3
        else:
            raise LexicalError(f"Malformed {toks[i].text} declaration.")
    if i == len(toks) or toks[i].word not in FORMS:
        found_text = toks[i].text if i < len(toks) else "the end of the text"
        raise LexicalError(f"Expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {found_text!r}.")
    shape.form = toks[i].word
    for j in range(i, len(toks)):
        token = toks[j]
        if token.kind == "other" and token.text not in PUNCTUATION:
            raise LexicalError(f"{token.text!r} is not part of SPARQL 1.1.")
        if token.kind == "name" and ":" in token.text and not token.text.startswith("_:"):
            iri_of(token, shape)  # raises on an undeclared prefix
        if token.word == "FROM":
            named = j + 1 < len(toks) and toks[j + 1].word == "NAMED"
            target = toks[j + 2 if named else j + 1] if j + (2 if named else 1) < len(toks) else None
            if target is None or target.kind not in ("iri", "name"):
                raise LexicalError("FROM must be followed by a graph IRI.")
            (shape.named_graphs if named else shape.default_graphs).append(iri_of(target, shape))
        if token.kind in ("iri", "name") and j + 1 < len(toks) and toks[j + 1].text == "(":
            _check_call(token, shape)
    return shape


def _check_call(token: Token, shape: QueryShape) -> None:
    """Judge ``token`` followed by ``(``: a call, unless it stands as a triple's predicate
    (then the bracket opens a collection) or is a blank node."""
    if token.verb or token.text.startswith("_:"):
        return
    if token.word:
        if token.word not in CALLABLE:
            raise LexicalError(f"{token.text}(...) is not a SPARQL function.")
        return
    if not iri_of(token, shape).startswith(XSD):
        raise UnknownFunction(
            f"The function {token.text} is not available here: only SPARQL's built-in functions "
            "and XSD casts (xsd:integer(...) and the like) are."
        )


def is_lookup(sparql: str) -> bool:
    """Whether ``sparql`` is a lookup whose work grows only with its answer, so that a cap on the
    answer's rows and bytes bounds it: ``SELECT`` (variables or ``*``) or ``ASK`` of one triple
    pattern whose variables are all different, then at most a ``LIMIT``. Each triple the engine
    reads for such a query is a row of the answer (the union default graph is a bag), so it cannot
    scan for long while answering little. Anything else, however cheap it looks, is not: a
    ``FILTER``, a repeated variable (``?s ?p ?s``), ``DISTINCT``, ``OFFSET``, ``ORDER BY``, a path,
    a second pattern, a blank node, ``FROM``, ``GRAPH`` or ``SERVICE`` can each make the engine
    read far more than it answers."""
    toks = scan(sparql).tokens
    if not toks or toks[0].word not in ("SELECT", "ASK"):
        return False
    i, end = 1, len(toks)
    if toks[0].word == "SELECT":
        if i < end and toks[i].text == "*":
            i += 1
        else:
            while i < end and toks[i].kind == "var":
                i += 1
            if i == 1:
                return False
    if i < end and toks[i].word == "WHERE":
        i += 1
    if i == end or toks[i].text != "{":
        return False
    variables: set[str] = set()
    i += 1
    for position in ("subject", "predicate", "object"):
        if i == end:
            return False
        if toks[i].kind == "var":
            if toks[i].text[1:] in variables:  # ?x and $x are one variable
                return False
            variables.add(toks[i].text[1:])
            i += 1
        elif (after := _constant_end(toks, i, position)) is None:
            return False
        else:
            i = after
    if i < end and toks[i].text == ".":
        i += 1
    if i == end or toks[i].text != "}":
        return False
    i += 1
    if i + 1 < end and toks[i].word == "LIMIT" and toks[i + 1].text.isdigit():
        i += 2
    return i == end


def _constant_end(toks: tuple[Token, ...], i: int, position: str) -> int | None:
    """Where the constant term at ``i`` ends, if one may stand at ``position`` of a triple: an
    IRI anywhere, ``a`` as the predicate, and as the object a number, a boolean or a string with
    its language tag or datatype IRI; None for anything else (a blank node, a list, a path...)."""
    token = toks[i]
    if _is_constant_name(token) or (position == "predicate" and token.text == "a"):
        return i + 1
    if position != "object":
        return None
    if token.kind == "number" or token.word in ("TRUE", "FALSE"):
        return i + 1
    if token.kind != "string":
        return None
    if i + 1 < len(toks) and toks[i + 1].kind == "lang":
        return i + 2
    if i + 2 < len(toks) and toks[i + 1].text == "^^" and _is_constant_name(toks[i + 2]):
        return i + 3
    return i + 1


def _is_constant_name(token: Token) -> bool:
    """An IRI, written whole or as a prefixed name (not a blank node's label)."""
    return token.kind == "iri" or (token.kind == "name" and ":" in token.text
                                   and not token.text.startswith("_:"))
