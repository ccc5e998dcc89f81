"""HTTP caching and CORS for read-only answers.

An answer depends only on the request, the dataset version and the code that answers, so its ETag
is a hash of the three and can be checked *before* any work: a matching ``If-None-Match`` gets 304
without running the query. ``Last-Modified`` is when the served build completed or the code
changed, whichever is later.

The rules are plain functions of the request's parts, used by the app's hooks and by ``/sparql``'s
lean path (:mod:`icskg.web.sparql`), so both give the same headers.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from flask import Flask, Response, current_app, g, request
from werkzeug.datastructures import ETags
from werkzeug.http import http_date

from icskg.fingerprint import code_fingerprint, code_modified
from icskg.store import Store, StoreError

CACHEABLE_METHODS = ("GET", "HEAD")
UNCACHED_PATHS = ("/healthz",)
EXPOSED = "ETag, Last-Modified, X-ICSKG-Limit"
PREFLIGHT = (("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
             ("Access-Control-Allow-Headers", "Accept, Content-Type, If-None-Match"),
             ("Access-Control-Max-Age", "86400"))


def cacheable(method: str, path: str) -> bool:
    """Whether answers to this request carry validators (and may be answered 304)."""
    return method in CACHEABLE_METHODS and path not in UNCACHED_PATHS


def store_info(store: Store) -> dict | None:
    """The served build's record, or None when the store cannot say (the answer then has no
    validators; the request itself reports the store's state)."""
    try:
        return store.info()
    except StoreError:
        return None


def etag_for(info: dict | None, full_path: str, accept: str) -> str | None:
    """The ETag (unquoted) of a cacheable request's answer: a hash of the dataset version, the
    code, the path with its query string and the Accept header."""
    if info is None:
        return None
    return _etag_of(info["version"], code_fingerprint(), full_path, accept)


@lru_cache(maxsize=256)
def _etag_of(version: str, code: str, full_path: str, accept: str) -> str:
    """:func:`etag_for`, remembered: clients repeat their requests, and a hash of a long query
    string is a measurable part of a cheap one."""
    return hashlib.sha256("\n".join((version, code, full_path, accept)).encode()).hexdigest()[:32]


def not_modified(etag: str | None, if_none_match: ETags) -> bool:
    """Whether the client holds this answer already (plain or gzipped)."""
    return bool(etag) and (etag in if_none_match or etag + "-gzip" in if_none_match)


def last_modified(info: dict) -> str | None:
    """Last-Modified of every answer: the later of the build and the code."""
    built_at = info.get("built_at")
    return _http_date(max(built_at, code_modified())) if built_at else None


@lru_cache(maxsize=4)
def _http_date(timestamp: float) -> str:
    return http_date(timestamp)


def cache_control(seconds: int) -> str:
    return f"public, max-age={seconds}"


@lru_cache(maxsize=64)
def cors(allowed: str, origin: str | None, method: str) -> tuple[tuple[tuple[str, str], ...], bool]:
    """The CORS headers for a request from ``origin`` when ``allowed`` (a comma-separated list, or
    ``*``) may read answers, and whether the answer then varies by Origin."""
    if not origin or not allowed:
        return (), False
    origins = [o.strip() for o in allowed.split(",") if o.strip()]
    if "*" in origins:
        headers, vary = [("Access-Control-Allow-Origin", "*")], False
    elif origin in origins:
        headers, vary = [("Access-Control-Allow-Origin", origin)], True
    else:
        return (), False
    headers.append(("Access-Control-Expose-Headers", EXPOSED))
    if method == "OPTIONS":
        headers.extend(PREFLIGHT)
    return tuple(headers), vary


def _etag() -> str | None:
    """The ETag this request's answer will carry, or None if it is not cacheable (once a request)."""
    if "icskg_etag" not in g:
        g.icskg_etag = None
        if cacheable(request.method, request.path):
            info = store_info(current_app.extensions["icskg.store"])
            g.icskg_etag = etag_for(info, request.full_path, request.headers.get("Accept", ""))
    return g.icskg_etag


def init_app(app: Flask) -> None:
    """Install the conditional-request check and the caching and CORS headers."""
    settings = app.extensions["icskg.settings"]

    @app.before_request
    def check_not_modified() -> Response | None:
        etag = _etag()
        if not_modified(etag, request.if_none_match):
            response = Response(status=304)
            response.set_etag(etag)
            return response
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        etag = _etag()
        if etag and response.status_code == 200:
            response.set_etag(etag)
            info = store_info(current_app.extensions["icskg.store"])
            modified = info and last_modified(info)
            if modified:
                response.headers["Last-Modified"] = modified
            response.headers.setdefault("Cache-Control", cache_control(settings.cache_seconds))
            response.vary.add("Accept")
        allowed, vary_origin = cors(settings.cors_origins, request.headers.get("Origin"), request.method)
        for header, value in allowed:
            response.headers[header] = value
            if vary_origin and header == "Access-Control-Allow-Origin":
                response.vary.add("Origin")
        return response
