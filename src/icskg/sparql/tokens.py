"""The one tokenizer of SPARQL text: every check of a query reads its tokens from here.

SPARQL lets ``\\uXXXX`` escapes stand for any character before tokenising (``\\u0053ERVICE`` is
``SERVICE``), so escapes are decoded once, first; each token keeps its position in the text as
written, so a rewrite can replace one part and leave the rest byte for byte.

Where the grammar, not the characters, decides what a token is, the reading that leaves more
text as code is taken, so that nothing can hide from a check inside something read as opaque:

- ``<`` right after an operand inside an expression is *less than*, not the start of an IRI
  (``FILTER(1<2)SERVICE#>`` hides nothing);
- a name or IRI followed by ``(`` is a function call, except where a triple's predicate stands
  (``?s ex:list (1 2)`` is a predicate and a collection), which :attr:`Token.verb` records.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import NamedTuple

ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
PNAME_NS = r"(?:[^\W\d_][\w.-]*)?:"
# The prologue, one declaration at a time: most queries sent here start with one PREFIX line per
# prefix, and one match per line is much cheaper than a token at a time.
PROLOGUE = re.compile(
    r"(?:\s|#[^\n]*+)*+(?:(PREFIX)(\s*)(" + PNAME_NS + r")(\s*)(" + IRIREF.pattern + r")"
    r"|(BASE)(\s*)(" + IRIREF.pattern + r"))",
    re.IGNORECASE,
)
TOKEN = re.compile(
    r"(?P<skip>\s+|#[^\n]*)"
    r"|(?P<var>[?$]\w+)"
    # Prefixed names (``ex:a``, ``:a``, ``_:b``) and plain names (keywords, built-in functions).
    r"|(?P<name>(?:[^\W\d]\w*(?:[.-]+\w+)*)?:(?:[\w:%-]|\\.|\.(?=[\w:%-]))*|[^\W\d]\w*)"
    r"|(?P<number>\d+\.\d*[eE][+-]?\d+|\.?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*')"
    r"|(?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
    r"|(?P<other>&&|\|\||!=|<=|>=|\^\^|<<|>>|.)",
    re.DOTALL,
)
# Tokens after which an expression has a whole operand, so that ``<`` is a comparison.
OPERAND_END = {"var", "number", "string", "iri", "lang"}
TERMS = {"var", "number", "string", "iri", "name"}
CLOSED_ENDS = {")", "]", ">>"}
EXPRESSION, PATTERN, LIST, TOP = "expression", "pattern", "list", "top"


class Token(NamedTuple):
    kind: str
    """``string``, ``iri``, ``var``, ``name`` (keywords, prefixed names, blank nodes),
    ``number``, ``lang`` or ``other`` (punctuation)."""
    text: str
    """The token as SPARQL reads it: escapes decoded."""
    start: int
    end: int
    """Its span in the text as written."""
    verb: bool = False
    """A name or IRI standing where a triple's predicate does."""

    @property
    def word(self) -> str:
        """The text in upper case if this is a plain name (a keyword), else empty."""
        return self.text.upper() if self.kind == "name" and ":" not in self.text else ""


def _decoded(sparql: str) -> tuple[str, list[int], list[int]]:
    """``sparql`` with escapes decoded, and where each escape ends in both texts (to map
    positions back)."""
    if "\\u" not in sparql and "\\U" not in sparql:
        return sparql, [], []
    out, decoded_ends, raw_ends, position, shift = [], [], [], 0, 0
    for match in ESCAPE.finditer(sparql):
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF:
            continue  # not a character: left as written
        out += [sparql[position:match.start()], chr(code)]
        shift += len(match.group()) - 1
        decoded_ends.append(match.end() - shift)
        raw_ends.append(match.end())
        position = match.end()
    out.append(sparql[position:])
    return "".join(out), decoded_ends, raw_ends


class Scan(NamedTuple):
    """A query read once: its leading declarations, then the tokens of the rest."""

    declarations: tuple[tuple[str, str, str], ...]
    """``("PREFIX", "ex", "<iri>")`` or ``("BASE", "", "<iri>")`` for each declaration at the
    start (further ones, oddly spelt, are left among the tokens)."""
    tokens: tuple[Token, ...]


@lru_cache(maxsize=32)
def scan(sparql: str) -> Scan:
    """Read ``sparql`` once: escapes decoded, then the declarations it starts with and the
    significant tokens (no whitespace, no comments) of the rest, with their positions in
    ``sparql``. Remembered for the last few texts, since each check of a request asks."""
    text, decoded_ends, raw_ends = _decoded(sparql)

    def raw(position: int) -> int:
        i = bisect_right(decoded_ends, position)
        return position + raw_ends[i - 1] - decoded_ends[i - 1] if i else position

    declarations = []
    position, length = 0, len(text)
    while match := PROLOGUE.match(text, position):
        if match.group(1):
            declarations.append(("PREFIX", match.group(3)[:-1], match.group(5)))
        else:
            declarations.append(("BASE", "", match.group(8)))
        position = match.end()
    found: list[Token] = []
    append = found.append
    # Each open bracket's frame: what kind of text it holds and, in a group pattern, how many
    # terms of the current triple have been seen (a name or IRI after one term is a predicate).
    frames: list[list] = [[TOP, 0]]
    frame = frames[-1]
    before = None
    match_token = TOKEN.match
    while position < length:
        match = match_token(text, position)
        kind = match.lastgroup or "other"
        stop = match.end()
        if kind == "skip":
            position = stop
            continue
        value = match.group()
        if kind == "other" and value[0] == "<" and value != "<<":
            # An IRI, unless a whole operand precedes it in an expression (then it compares).
            operand_before = before is not None and (
                before.kind in OPERAND_END or before.text in CLOSED_ENDS
                or (before.kind == "name" and (":" in before.text or before.word in ("TRUE", "FALSE"))))
            if not (frame[0] == EXPRESSION and operand_before):
                iri = IRIREF.match(text, position)
                if iri:
                    kind, value, stop = "iri", iri.group(), iri.end()
        verb = False
        if kind in TERMS:
            if frame[0] == PATTERN:
                if kind == "name" and ":" not in value and value.upper() != "A":
                    frame[1] = 0  # a keyword: a new triple starts after it
                else:
                    verb = frame[1] == 1 and kind in ("name", "iri")
                    frame[1] += 1
        elif kind == "other":
            if value == "{":
                frames.append([PATTERN, 0])
            elif value == "[":
                frame[1] += 1  # a blank node: one term of the enclosing triple
                frames.append([PATTERN, 1])
            elif value == "(":
                call = before is not None and not before.verb and (
                    before.kind == "iri" or (before.kind == "name" and before.text.upper() != "A"))
                if frame[0] in (PATTERN, LIST) and not call:
                    frame[1] += 1
                    frames.append([LIST, 0])  # a collection, or a path group as a predicate
                else:
                    frames.append([EXPRESSION, 0])
            elif value in "})]" and len(frames) > 1:
                closed = frames.pop()
                if value == "}" or (value == ")" and closed[0] == EXPRESSION):
                    frames[-1][1] = 0
            elif value == ".":
                frame[1] = 0
            elif value == ";":
                frame[1] = 1
            elif value == ",":
                frame[1] = 2
            elif value in ("/", "|", "^") and frame[1] == 2:
                frame[1] = 1  # a property path goes on
            frame = frames[-1]
        start, end = (raw(position), raw(stop)) if decoded_ends else (position, stop)
        before = Token(kind, value, start, end, verb)
        append(before)
        position = stop
    return Scan(tuple(declarations), tuple(found))


def tokens(sparql: str) -> tuple[Token, ...]:
    """The tokens of ``sparql`` after its leading declarations (see :func:`scan`)."""
    return scan(sparql).tokens
