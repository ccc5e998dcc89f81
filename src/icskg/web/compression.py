"""gzip for answers worth compressing (downloads, large results, pages) when the client accepts it.

RDF and result text shrinks to a fifth or less. A compressed answer is a different representation,
so it carries its own ETag (the plain one with ``-gzip``) and ``Vary: Accept-Encoding``.
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

MIN_BYTES = 1024
GZIP_SUFFIX = "-gzip"
COMPRESSIBLE = ("text/", "application/json", "application/ld+json", "application/n-triples",
                "application/n-quads", "application/trig", "application/rdf+xml", "application/xml",
                "application/sparql-results", "image/svg+xml", "application/javascript")


def _compressible(response: Response) -> bool:
    return (response.status_code == 200 and not response.direct_passthrough
            and not response.is_streamed and "Content-Encoding" not in response.headers
            and (response.mimetype or "").startswith(COMPRESSIBLE))


def init_app(app: Flask) -> None:
    """Compress answers after every other step has set its headers (register this first)."""

    @app.after_request
    def compress(response: Response) -> Response:
        if response.status_code == 200 and response.headers.get("Content-Encoding") == "gzip":
            _mark_gzip(response)  # compressed ahead of time (a download's .gz file)
            return response
        if not _compressible(response):
            return response
        response.vary.add("Accept-Encoding")
        if "gzip" not in request.accept_encodings or response.content_length is None \
                or response.content_length < MIN_BYTES:
            return response
        response.set_data(gzip.compress(response.get_data(), compresslevel=5, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        _mark_gzip(response)
        return response


def _mark_gzip(response: Response) -> None:
    """A gzip answer is its own representation: its own ETag, and Vary: Accept-Encoding."""
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag and not etag.endswith(GZIP_SUFFIX):
        response.set_etag(etag + GZIP_SUFFIX, weak=bool(weak))
