"""Refuse queries that would make the server fetch something on a stranger's behalf.

pyoxigraph (and most triple stores) execute ``SERVICE <url>`` by making an HTTP request. A
query is therefore checked before it runs: SPARQL lets ``\\uXXXX`` escapes stand for any
character before tokenising (``\\u0053ERVICE`` is ``SERVICE``), so escapes are decoded first,
then strings, IRIs and comments are blanked out, and what is left is searched for the keyword.
A word that merely contains the keyword (``?service``, ``ex:SERVICE``) is not refused.
"""

from __future__ import annotations

import re

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
SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:-])", re.IGNORECASE)


class OutboundRequestRefused(ValueError):
    """The query asks the server to contact another server."""


def _unescape(text: str) -> str:
    def decode(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return ESCAPE.sub(decode, text)


def refuse_outbound(sparql: str) -> None:
    """Raise if ``sparql`` contains a federated ``SERVICE`` clause.

    :raises OutboundRequestRefused: with a message saying what is not allowed and why.
    """
    if SERVICE.search(BLANKED.sub(" ", _unescape(sparql))):
        raise OutboundRequestRefused(
            "SERVICE (federated query) is not allowed: this server makes no requests to other "
            "servers on a user's behalf. Query each endpoint yourself and combine the answers."
        )
