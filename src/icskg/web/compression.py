"""gzip for answers worth compressing (downloads, large results, pages) when the client accepts it.

RDF and result text shrinks to a fifth or less. A compressed answer is a different representation,
so it carries its own ETag (the plain one with ``-gzip``) and ``Vary: Accept-Encoding``. The rules
are plain functions, used by the app's hook and by ``/sparql``'s lean path.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from flask import Flask, Response, request
from werkzeug.http import parse_accept_header

MIN_BYTES = 1024
GZIP_SUFFIX = "-gzip"
COMPRESSIBLE = ("text/", "application/json", "application/ld+json", "application/n-triples",
                "application/n-quads", "application/trig", "application/rdf+xml", "application/xml",
                "application/sparql-results", "image/svg+xml", "application/javascript")


def compressible_type(mimetype: str) -> bool:
    """Whether an answer of this media type (without parameters) is worth compressing."""
    return mimetype.startswith(COMPRESSIBLE)


@lru_cache(maxsize=64)
def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header accepts gzip (clients send few distinct ones)."""
    return bool(accept_encoding) and "gzip" in parse_accept_header(accept_encoding)


def worth_gzip(accept_encoding: str | None, size: int) -> bool:
    """Whether to send a compressible answer of ``size`` bytes gzipped."""
    return size >= MIN_BYTES and accepts_gzip(accept_encoding)


def compress(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=5, mtime=0)


def _compressible(response: Response) -> bool:
    return (response.status_code == 200 and not response.direct_passthrough
            and not response.is_streamed and "Content-Encoding" not in response.headers
            and compressible_type(response.mimetype or ""))


def init_app(app: Flask) -> None:
    """Compress answers after every other step has set its headers (register this first)."""

    @app.after_request
    def compress_answer(response: Response) -> Response:
        if response.status_code == 200 and response.headers.get("Content-Encoding") == "gzip":
            _mark_gzip(response)  # compressed ahead of time (a download's .gz file)
            return response
        if not _compressible(response):
            return response
        response.vary.add("Accept-Encoding")
        if response.content_length is None \
                or not worth_gzip(request.headers.get("Accept-Encoding"), response.content_length):
            return response
        response.set_data(compress(response.get_data()))
        response.headers["Content-Encoding"] = "gzip"
        _mark_gzip(response)
        return response


def _mark_gzip(response: Response) -> None:
    """A gzip answer is its own representation: its own ETag, and Vary: Accept-Encoding."""
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag and not etag.endswith(GZIP_SUFFIX):
        response.set_etag(etag + GZIP_SUFFIX, weak=bool(weak))
