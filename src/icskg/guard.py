"""Refuse queries that would make the server fetch something on a stranger's behalf.

pyoxigraph (and most triple stores) execute ``SERVICE <url>`` by making an HTTP request. A
query is therefore checked before it runs, on its code only (see :mod:`icskg.sparql_text`:
escapes decoded, strings, IRIs and comments blanked out). A word that merely contains the
keyword (``?service``, ``ex:SERVICE``) is not refused.
"""

from __future__ import annotations

import re

from icskg.sparql_text import code_only

SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:-])", re.IGNORECASE)


# pyoxigraph's recursive-descent parser overflows its stack on a few thousand nested groups, so
# depth and length are checked before it sees the query.
MAX_QUERY_CHARS = 100_000
MAX_NESTING = 100
OPENERS, CLOSERS = "{([", "})]"
NOT_A_BRACKET = re.compile(r"[^{}()\[\]]+")


class OutboundRequestRefused(ValueError):
    """The query asks the server to contact another server."""


class QueryTooComplex(ValueError):
    """The query is longer or more deeply nested than the server accepts."""


def refuse_too_complex(sparql: str) -> None:
    """Raise if ``sparql`` is longer than ``MAX_QUERY_CHARS`` or nests brackets deeper than
    ``MAX_NESTING`` (outside strings, IRIs and comments).

    :raises QueryTooComplex: naming the limit.
    """
    if len(sparql) > MAX_QUERY_CHARS:
        raise QueryTooComplex(
            f"The query is {len(sparql):,} characters long; the limit is {MAX_QUERY_CHARS:,}."
        )
    depth = deepest = 0
    for char in NOT_A_BRACKET.sub("", code_only(sparql)):
        if char in OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif char in CLOSERS:
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryTooComplex(
            f"The query nests brackets {deepest} deep; the limit is {MAX_NESTING}. Flatten it."
        )


def refuse_outbound(sparql: str) -> None:
    """Raise if ``sparql`` contains a federated ``SERVICE`` clause.

    :raises OutboundRequestRefused: with a message saying what is not allowed and why.
    """
    if SERVICE.search(code_only(sparql)):
        raise OutboundRequestRefused(
            "SERVICE (federated query) is not allowed: this server makes no requests to other "
            "servers on a user's behalf. Query each endpoint yourself and combine the answers."
        )
