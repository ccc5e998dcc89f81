"""What every blueprint shares: the store of this app, plain-text errors, the request body read
with our own byte counter, the security headers, and content negotiation. Blueprints import this,
never the app factory (:mod:`icskg.web`), which imports them."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import IO, TypeVar

from flask import Response, current_app, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from icskg.formats import Format
from icskg.store import Store

T = TypeVar("T")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                                "form-action 'self'; base-uri 'none'"),
    "Referrer-Policy": "no-referrer",
}


PLAIN_TEXT = "text/plain; charset=utf-8"
STORE_UNAVAILABLE = "The data store cannot answer right now; try again shortly."
UNEXPECTED = "The server failed to answer this request. It has been logged."


def error_text(status: int, message: str) -> bytes:
    """The body of every error answer: the status and what to fix, never a traceback."""
    return f"{status} {message}\n".encode()


def error_response(status: int, message: str) -> Response:
    """A short plain-text error (:func:`error_text`)."""
    return Response(error_text(status, message), status=status, content_type=PLAIN_TEXT)


class BodyTooLarge(Exception):
    """The request body passed ``Settings.max_body_bytes``."""


def read_body() -> bytes:
    """Read this request's body within ``Settings.max_body_bytes`` (:func:`read_stream`)."""
    return read_stream(request.stream, current_app.extensions["icskg.settings"].max_body_bytes)


def read_stream(stream: IO[bytes], limit: int) -> bytes:
    """Read a request body, counting the bytes ourselves.

    Werkzeug's ``MAX_CONTENT_LENGTH`` silently truncates a chunked body (no Content-Length)
    instead of refusing it, so it is not used; this reads one byte past the limit and raises.

    :raises BodyTooLarge: when the body is over the limit (answer 413).
    """
    chunks, size = [], 0
    while chunk := stream.read(min(65536, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"The request body is larger than the limit of {limit:,} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def current_store() -> Store:
    """The store this app answers from."""
    return current_app.extensions["icskg.store"]


def negotiate(
    accept: str | None, formats: tuple[Format, ...], before: Mapping[str, T] | None = None
) -> Format | T | None:
    """Pick what the client prefers: from ``before`` (media type -> any value, e.g. HTML pages),
    then ``formats``; the first of them if it accepts anything.

    Returns None when the client accepts none of them (HTTP 406).
    """
    return _negotiate(accept, formats, tuple((before or {}).items()))


@lru_cache(maxsize=256)
def _negotiate(
    accept: str | None, formats: tuple[Format, ...], before: tuple[tuple[str, T], ...]
) -> Format | T | None:
    """:func:`negotiate`, remembered: clients send few distinct Accept headers, and parsing one
    is a measurable part of a cheap query's time."""
    offered: dict[str, Format | T] = dict(before)
    for fmt in formats:
        offered.setdefault(fmt.media_type, fmt)
    for fmt in formats:
        for alias in fmt.aliases:
            if "/" in alias:
                offered.setdefault(alias, fmt)
    if not accept or not accept.strip():
        return next(iter(offered.values()))
    best = parse_accept_header(accept, MIMEAccept).best_match(list(offered))
    return offered[best] if best else None
