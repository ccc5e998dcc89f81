"""Refuse, with a friendly 400, queries the server will not run: a federated ``SERVICE`` clause,
or a text too long or too deeply nested for the engine's parser.

The SERVICE check reads the query's tokens (:mod:`icskg.sparql`), so strings, IRIs, comments and
escapes cannot hide or fake the keyword. It is a courtesy that says why, not the defence: query
processes cannot reach any network (:mod:`icskg.offline`).
"""

from __future__ import annotations

from icskg.sparql.facts import calls_service, nesting

# pyoxigraph's recursive-descent parser overflows its stack on a few thousand nested groups, so
# depth and length are checked before it sees the query.
MAX_QUERY_CHARS = 100_000
MAX_NESTING = 100


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
    deepest = nesting(sparql)
    if deepest > MAX_NESTING:
        raise QueryTooComplex(
            f"The query nests brackets {deepest} deep; the limit is {MAX_NESTING}. Flatten it."
        )


def refuse_outbound(sparql: str) -> None:
    """Raise if ``sparql`` contains a federated ``SERVICE`` clause.

    :raises OutboundRequestRefused: with a message saying what is not allowed and why.
    """
    if calls_service(sparql):
        raise OutboundRequestRefused(
            "SERVICE (federated query) is not allowed: this server makes no requests to other "
            "servers on a user's behalf. Query each endpoint yourself and combine the answers."
        )
