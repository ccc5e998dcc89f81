"""HTTP caching and CORS for read-only answers.

An answer depends only on the request, the dataset version and the code that answers, so its ETag
is a hash of the three and can be checked *before* any work: a matching ``If-None-Match`` gets 304
without running the query. ``Last-Modified`` is when the served build completed or the code
changed, whichever is later.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from flask import Flask, Response, current_app, g, request
from werkzeug.http import http_date

from icskg.fingerprint import code_fingerprint, code_modified
from icskg.store import StoreError

CACHEABLE_METHODS = ("GET", "HEAD")
UNCACHED_PATHS = ("/healthz",)


def _etag() -> str | None:
    """The ETag this request's answer will carry, or None if it is not cacheable (once a request)."""
    if "icskg_etag" not in g:
        g.icskg_etag = _compute_etag()
    return g.icskg_etag


def _compute_etag() -> str | None:
    if request.method not in CACHEABLE_METHODS or request.path in UNCACHED_PATHS:
        return None
    try:
        version = current_app.extensions["icskg.store"].info()["version"]
    except StoreError:
        return None
    identity = "\n".join((version, code_fingerprint(), request.full_path,
                          request.headers.get("Accept", "")))
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


@lru_cache(maxsize=4)
def _http_date(timestamp: float) -> str:
    return http_date(timestamp)


def init_app(app: Flask) -> None:
    """Install the conditional-request check and the caching and CORS headers."""
    settings = app.extensions["icskg.settings"]

    @app.before_request
    def not_modified() -> Response | None:
        etag = _etag()
        if etag and (etag in request.if_none_match or etag + "-gzip" in request.if_none_match):
            response = Response(status=304)
            response.set_etag(etag)
            return response
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        etag = _etag()
        if etag and response.status_code == 200:
            response.set_etag(etag)
            built_at = current_app.extensions["icskg.store"].info().get("built_at")
            if built_at:
                response.headers["Last-Modified"] = _http_date(max(built_at, code_modified()))
            response.headers.setdefault("Cache-Control", f"public, max-age={settings.cache_seconds}")
            response.vary.add("Accept")
        if settings.cors_origins:
            _cors(response, settings.cors_origins)
        return response


def _cors(response: Response, allowed: str) -> None:
    origin = request.headers.get("Origin")
    if not origin:
        return
    origins = [o.strip() for o in allowed.split(",") if o.strip()]
    if "*" in origins:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    else:
        return
    response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, X-ICSKG-Limit"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
