"""The code of a SPARQL query, without the parts that can hide or fake keywords.

SPARQL lets ``\\uXXXX`` escapes stand for any character before tokenising (``\\u0053ERVICE`` is
``SERVICE``), so escapes are decoded first; then strings, IRIs and comments are blanked out, so
that what is left can be searched for keywords and brackets without a full parse.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Long strings first, then short ones (with their own escapes), IRIs, and comments.
BLANKED = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>'
    r"|#[^\n]*",
    re.DOTALL,
)
DATASET_CLAUSE = re.compile(r"(?<![\w:?$])FROM(?![\w:-])", re.IGNORECASE)


def _unescape(text: str) -> str:
    def decode(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return ESCAPE.sub(decode, text)


@lru_cache(maxsize=16)
def code_only(sparql: str) -> str:
    """``sparql`` with escapes decoded and strings, IRIs and comments replaced by spaces.

    Remembered for the last few texts: each check of a request's query asks for it."""
    return BLANKED.sub(" ", _unescape(sparql))


def declares_dataset(sparql: str) -> bool:
    """Whether the query names its own dataset (``FROM`` or ``FROM NAMED``)."""
    return bool(DATASET_CLAUSE.search(code_only(sparql)))


@cache
def _prefix_marks() -> tuple[tuple[str, str, str], ...]:
    from icskg.namespaces import PREFIXES

    return tuple((name, f"{name}:", f"PREFIX {name}:") for name in PREFIXES)


def prefixes_used(sparql: str) -> dict[str, str] | None:
    """The icskg prefixes that ``sparql`` may use and does not declare itself (None if none):
    declaring only these to the engine saves it parsing all of them on every query. Declarations
    are looked for in the code only (a commented-out one does not count); a name seen in a string
    or comment, or declared in another spelling, only adds a harmless declaration. (Plain
    substring tests: a regular expression over a long query costs more than the engine's own
    parse of it.)"""
    from icskg.namespaces import PREFIXES

    code = code_only(sparql)
    names = [name for name, use, declared in _prefix_marks() if use in sparql and declared not in code]
    return {name: PREFIXES[name] for name in names} or None
