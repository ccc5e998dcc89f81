"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only.

Requests: ``GET ?query=``, ``POST`` URL-encoded form, ``POST application/sparql-query``.
Answers: results by content negotiation (or ``format=``); 400 for a malformed query, 403 for any
update, 406 when no offered format is acceptable, 413 for a body over the limit (chunked ones
included), 415 for an unsupported request body.

Every query request is answered by :func:`answer`, from the request and the app alone. The app
factory puts :class:`LeanPath` in front of Flask: it calls :func:`answer` directly and finishes
the headers by the same rules as the app's hooks (:mod:`icskg.web.caching`,
:mod:`icskg.web.compression`, the security headers), so a cheap query pays for no request
context, routing or hooks. What it passes on (a GET without a query: the query page or the
service description; OPTIONS; other methods) goes through Flask, whose view calls
:func:`answer` too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from urllib.parse import parse_qs

from flask import Blueprint, Flask, Response, current_app, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.http import HTTP_STATUS_CODES, quote_etag
from werkzeug.sansio.utils import get_host
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Request

from icskg.fingerprint import code_fingerprint
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, Format, by_name
from icskg.guard import (
    OutboundRequestRefused,
    QueryTooComplex,
    refuse_outbound,
    refuse_too_complex,
)
from icskg.sparql.facts import is_update
from icskg.store import (
    Busy,
    Limits,
    QueryEngineFailure,
    QueryEvaluationError,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
)
from icskg.web import caching, compression, dataset
from icskg.web.answer_cache import AnswerCache, Cached
from icskg.web.common import (
    PLAIN_TEXT,
    SECURITY_HEADERS,
    STORE_UNAVAILABLE,
    UNEXPECTED,
    BodyTooLarge,
    current_store,
    error_text,
    negotiate,
    read_stream,
)

log = logging.getLogger(__name__)
bp = Blueprint("sparql", __name__)
PATH = "/sparql"
CACHE_HEADER = "X-ICSKG-Cache"
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
READ_ONLY = "This endpoint is read-only: SPARQL Update is not accepted."

Headers = tuple[tuple[str, str], ...]
SECURITY: Headers = tuple(SECURITY_HEADERS.items())


@bp.record_once
def _make_cache(state: BlueprintSetupState) -> None:
    """Each app (so each web worker, forked before its app is made) has its own answer cache."""
    settings = state.app.extensions["icskg.settings"]
    state.app.extensions["icskg.answers"] = AnswerCache(settings.answer_cache_bytes)


@dataclass(frozen=True, slots=True)
class Outcome:
    """An answer before the headers every answer shares (caching, CORS, gzip, security)."""

    status: int
    content_type: str
    body: bytes
    headers: Headers = ()

    def response(self) -> Response:
        response = Response(self.body, status=self.status, content_type=self.content_type)
        response.headers.extend(self.headers)
        return response


def error(status: int, message: str, headers: Headers = ()) -> Outcome:
    """A plain-text error, as every page of the app gives (:func:`icskg.web.common.error_response`)."""
    return Outcome(status, PLAIN_TEXT, error_text(status, message), headers)


class Refusal(Exception):
    """A request the endpoint answers with an error status and a message saying what to fix."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    def outcome(self) -> Outcome:
        return error(self.status, str(self),
                     (("Retry-After", str(self.retry_after)),) if self.retry_after else ())


def answer(req: Request, app: Flask, info: dict | None = None) -> Outcome | None:
    """The answer to a query request; None for a GET or HEAD without one (the query page or the
    service description, which Flask's view sends). ``info`` is the store's, if already read.

    :raises StoreError: when the store cannot answer at all (the app's handler says so).
    """
    try:
        params, body_query = _parameters(req, app.extensions["icskg.settings"].max_body_bytes)
        if "update" in params:
            raise Refusal(403, READ_ONLY)
        queries = _all(params, "query")
        if body_query is not None:
            queries.append(body_query)
        if not queries:
            if req.method not in ("GET", "HEAD"):
                raise Refusal(400, "Missing the 'query' parameter.")
            return None
        if len(queries) > 1:
            raise Refusal(400, "Give exactly one query.")
        return _answer(req, app, queries[0], params, info)
    except Refusal as exc:
        return exc.outcome()
    except BodyTooLarge as exc:
        return error(413, str(exc))


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "The request body is not valid UTF-8.") from None


def _parameters(req: Request, max_body: int) -> tuple[MultiDict, str | None]:
    """The protocol parameters and the query text, from whichever request form was used."""
    if req.method in ("GET", "HEAD"):
        return _args(req.query_string), None
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise Refusal(415, f"The request body must be UTF-8, not {charset}.")
    if req.mimetype == FORM:
        form = parse_qs(_text(read_stream(req.stream, max_body)), keep_blank_values=True)
        body = [(k, v) for k, values in form.items() for v in values]
        return MultiDict([*_args(req.query_string).items(multi=True), *body]), None
    if req.mimetype == QUERY_BODY:
        return _args(req.query_string), _text(read_stream(req.stream, max_body))
    if req.mimetype == UPDATE_BODY:
        raise Refusal(403, READ_ONLY)
    raise Refusal(
        415,
        f"Unsupported request body type {req.mimetype or '(none)'!r}: send "
        f"{QUERY_BODY} or {FORM}, or use GET with ?query=.",
    )


@lru_cache(maxsize=256)
def _args(query_string: bytes) -> ImmutableMultiDict:
    """``Request.args``, remembered: parsing a query string with a long query is a measurable
    part of a cheap request, and dashboards repeat theirs."""
    return Request({"QUERY_STRING": query_string.decode("latin-1")}).args  # type: ignore[arg-type]


def _all(params: MultiDict, name: str) -> list[str]:
    """``params.getlist(name)`` without its cost: ``getlist`` raises and catches a KeyError for
    a parameter that is missing, as most are on every request. (A MultiDict is a dict of lists.)"""
    return list(dict.get(params, name, ()))


def _first(params: MultiDict, name: str) -> str | None:
    """The first value of a parameter, or None."""
    values = dict.get(params, name)
    return values[0] if values else None


def _choose_format(kind: str, override: str | None, accept: str | None) -> Format:
    formats = RDF_FORMATS if kind == "graph" else RESULT_FORMATS
    if override:
        chosen = by_name(override, formats)
        if chosen is None:
            names = ", ".join(f.name for f in formats)
            raise Refusal(400, f"format={override} does not fit this query; use one of: {names}.")
        return chosen
    chosen = negotiate(accept, formats)
    if chosen is None:
        offered = ", ".join(f.media_type for f in formats)
        raise Refusal(406, f"None of the accepted types can hold this result; offered: {offered}.")
    return chosen


@lru_cache(maxsize=256)
def _choices(override: str | None, accept: str | None) -> tuple[Mapping[str, Format],
                                                                Mapping[str, tuple[int, str]]]:
    """By kind of answer, the format it is sent in (for the store to have it ready in), and for
    the kinds that cannot be sent, the refusal's status and message (said after the query, if
    its answer is of that kind). Remembered: clients send few distinct ``Accept`` headers, and
    choosing is a measurable part of a cheap request."""
    ready: dict[str, Format] = {}
    refused: dict[str, tuple[int, str]] = {}
    for kind in ("bindings", "graph"):
        try:
            ready[kind] = _choose_format(kind, override, accept)
        except Refusal as exc:
            refused[kind] = (exc.status, str(exc))
    if "bindings" in ready:  # an ASK answer goes in the format of a SELECT's
        ready["boolean"] = ready["bindings"]
    if "bindings" in refused:
        refused["boolean"] = refused["bindings"]
    return MappingProxyType(ready), MappingProxyType(refused)


def limits_in_words() -> str:
    """The limits every answer is held to, as the service description states them."""
    settings = current_app.extensions["icskg.settings"]
    return (f"Queries run for at most {settings.query_timeout:g} s. An answer carries at most "
            f"{settings.max_rows:,} solutions or triples and {settings.max_answer_bytes:,} bytes "
            "of data (counted as SPARQL TSV or N-Triples); a longer one is cut at a whole row and "
            "carries the header X-ICSKG-Limit: rows=N or bytes=N.")


def _limits(params: MultiDict, settings) -> Limits:
    """The server's limits, with the time limit lowered to a ``timeout=`` the request asks for."""
    timeout = settings.query_timeout
    asked = _first(params, "timeout")
    if asked:
        try:
            seconds = float(asked)
        except ValueError:
            seconds = -1
        if not 0 < seconds < float("inf"):
            raise Refusal(400, f"timeout={asked} is not a positive number of seconds.")
        timeout = min(timeout, seconds)
    return _limits_of(timeout, settings.max_rows, settings.max_answer_bytes)


@lru_cache(maxsize=64)
def _limits_of(timeout: float, max_rows: int, max_bytes: int) -> Limits:
    """One (frozen) Limits for each set of bounds: most requests share the server's."""
    return Limits(timeout=timeout, max_rows=max_rows, max_bytes=max_bytes)


def _base_iri(req: Request) -> str:
    """This endpoint's URL, against which a query's relative IRIs resolve. Werkzeug's ``base_url``
    also decodes it for display: slower, and not wanted in an IRI."""
    return _endpoint_iri(req.scheme, req.environ.get("HTTP_HOST"), req.server, req.root_path, req.path)


@lru_cache(maxsize=64)
def _endpoint_iri(scheme: str, host: str | None, server: tuple | None, root: str, path: str) -> str:
    """:func:`_base_iri`, remembered (as ``Request.host`` works it out; no trusted hosts are set)."""
    return f"{scheme}://{get_host(scheme, host, server)}{root}{path}"


def _answer(req: Request, app: Flask, sparql: str, params: MultiDict, info: dict | None) -> Outcome:
    limits = _limits(params, app.extensions["icskg.settings"])
    base_iri = _base_iri(req)
    accept = req.environ.get("HTTP_ACCEPT")
    default_graphs, named_graphs = _all(params, "default-graph-uri"), _all(params, "named-graph-uri")
    store = app.extensions["icskg.store"]
    cache: AnswerCache = app.extensions["icskg.answers"]
    version = f"{(info or store.info())['version']}/{code_fingerprint()}"
    override = _first(params, "format")
    key = (sparql, tuple(default_graphs), tuple(named_graphs), accept or "", override or "", base_iri)
    cached = cache.get(version, key)
    if cached is not None:
        return _outcome(cached, None, "hit", cache)
    refused = _refusal(sparql) if len(sparql) <= REMEMBERED_CHARS else _refusal.__wrapped__(sparql)
    if refused:
        raise Refusal(400, refused)
    formats, refused = _choices(override, accept)
    try:
        result = store.query(sparql, default_graphs=default_graphs, named_graphs=named_graphs,
                             limits=limits, base_iri=base_iri, formats=formats)
    except QuerySyntaxError as exc:
        if is_update(sparql):
            raise Refusal(403, READ_ONLY) from None
        raise Refusal(400, f"Malformed query: {exc}") from None
    except QueryEvaluationError as exc:
        raise Refusal(400, str(exc)) from None
    except Busy as exc:
        raise Refusal(503, str(exc), retry_after=5) from None
    except (QueryTimeout, QueryEngineFailure) as exc:  # about the query: say what happened
        raise Refusal(503, str(exc)) from None
    # Any other StoreError (no store, a damaged one, a remote server down) goes to the app's
    # handler, which logs the detail and answers without paths or server addresses.
    fmt = formats.get(result.kind)
    if fmt is None:
        raise Refusal(*refused[result.kind])
    try:
        body = result.serialize(fmt)
    except (OSError, ValueError) as exc:  # the engine's writer: nothing of a remote server's
        others = ", ".join(f.name for f in (RDF_FORMATS if result.kind == "graph" else RESULT_FORMATS)
                           if f is not fmt)
        raise Refusal(406, f"The answer cannot be written as {fmt.name} ({exc}); ask for another "
                           f"format: {others}.") from None
    found = Cached(body, fmt.media_type)
    # an answer cut at a limit is not kept: without ORDER BY a repeat may cut other rows
    if not result.limit_hit:
        cache.put(version, key, found)
    return _outcome(found, result.limit_hit, "miss", cache)


REMEMBERED_CHARS = 8192  # a query text up to this long has its checks remembered


@lru_cache(maxsize=256)
def _refusal(sparql: str) -> str | None:
    """Why the server will not run ``sparql`` (too long, too deeply nested, SERVICE), or None.
    Remembered: dashboards and linked-data pages send the same texts again and again."""
    try:
        refuse_too_complex(sparql)
        refuse_outbound(sparql)
    except (QueryTooComplex, OutboundRequestRefused) as exc:
        return str(exc)
    return None


def _outcome(found: Cached, limit_hit: str | None, cache_state: str, cache: AnswerCache) -> Outcome:
    headers = [("Vary", "Accept")]
    if limit_hit:
        headers.append(("X-ICSKG-Limit", limit_hit))
    if cache.max_bytes > 0:
        headers.append((CACHE_HEADER, cache_state))
    return Outcome(200, _content_type(found.media_type), found.body, tuple(headers))


@lru_cache(maxsize=32)
def _content_type(media_type: str) -> str:
    return get_content_type(media_type, "utf-8")


@bp.route(PATH, methods=["GET", "POST"])
def endpoint() -> Response:
    """What :class:`LeanPath` passes on, and every query when the app runs without it."""
    outcome = answer(request, current_app)
    if outcome is not None:
        return outcome.response()
    if request.accept_mimetypes.accept_html:
        return redirect(url_for("pages.query"))
    return dataset.negotiated(dataset.service_description(
        current_store(), request.base_url, limits_in_words()))


StartResponse = Callable[[str, list[tuple[str, str]]], object]


class LeanPath:
    """WSGI middleware: query requests to ``/sparql`` (GET, HEAD and POST) answered by
    :func:`answer` without Flask's dispatch, with the headers the app's hooks would add, in the
    same order; anything else goes on to ``app`` (Flask)."""

    def __init__(self, flask_app: Flask, app: Callable) -> None:
        self.flask_app = flask_app
        self.app = app
        settings = flask_app.extensions["icskg.settings"]
        self.store = flask_app.extensions["icskg.store"]
        self.cors_origins = settings.cors_origins
        self.cache_control = caching.cache_control(settings.cache_seconds)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") != PATH or method not in ("GET", "HEAD", "POST"):
            return self.app(environ, start_response)
        req = Request(environ)
        info = caching.store_info(self.store)
        etag = None
        if caching.cacheable(method, PATH):
            etag = caching.etag_for(info, req.full_path, environ.get("HTTP_ACCEPT", ""))
            if etag and "HTTP_IF_NONE_MATCH" in environ and caching.not_modified(etag, req.if_none_match):
                headers = [("ETag", quote_etag(etag)), *SECURITY]
                self._cors(environ, method, headers)
                start_response(_status_line(304), headers)
                return []
        try:
            outcome = answer(req, self.flask_app, info)
        except StoreError as exc:
            log.warning("store unavailable on %s %s: %s", method, PATH, exc)
            outcome = error(503, STORE_UNAVAILABLE, (("Retry-After", "10"),))
        except Exception:
            log.exception("unhandled error on %s %s", method, PATH)
            outcome = error(500, UNEXPECTED)
        if outcome is None:
            return self.app(environ, start_response)
        body = outcome.body
        headers = [("Content-Type", outcome.content_type), ("Content-Length", str(len(body))),
                   *outcome.headers, *SECURITY]
        ok = outcome.status == 200
        if ok and etag and info:
            headers.append(("ETag", quote_etag(etag)))
            modified = caching.last_modified(info)
            if modified:
                headers.append(("Last-Modified", modified))
            headers.append(("Cache-Control", self.cache_control))
            _vary(headers, "Accept")
        self._cors(environ, method, headers)
        if ok and compression.compressible_type(outcome.content_type):
            _vary(headers, "Accept-Encoding")
            if compression.worth_gzip(environ.get("HTTP_ACCEPT_ENCODING"), len(body)):
                body = compression.compress(body)
                headers[1] = ("Content-Length", str(len(body)))
                headers.append(("Content-Encoding", "gzip"))
                if etag:
                    _replace(headers, "ETag", quote_etag(etag + compression.GZIP_SUFFIX))
        start_response(_status_line(outcome.status), headers)
        return [] if method == "HEAD" else [body]

    def _cors(self, environ: dict, method: str, headers: list[tuple[str, str]]) -> None:
        allowed, vary_origin = caching.cors(self.cors_origins, environ.get("HTTP_ORIGIN"), method)
        for header, value in allowed:
            headers.append((header, value))
            if vary_origin and header == "Access-Control-Allow-Origin":
                _vary(headers, "Origin")


@lru_cache(maxsize=32)
def _status_line(status: int) -> str:
    """As werkzeug writes it (``304 NOT MODIFIED``)."""
    return f"{status} {HTTP_STATUS_CODES[status].upper()}"


def _vary(headers: list[tuple[str, str]], token: str) -> None:
    """Add ``token`` to the Vary header, in place, or append one (as ``Response.vary.add``)."""
    for i, (name, value) in enumerate(headers):
        if name == "Vary":
            headers[i] = (name, _vary_with(value, token))
            return
    headers.append(("Vary", token))


@lru_cache(maxsize=64)
def _vary_with(value: str, token: str) -> str:
    """A Vary header's value with ``token`` in it (answers share a few)."""
    if token.lower() in [t.strip().lower() for t in value.split(",")]:
        return value
    return f"{value}, {token}"


def _replace(headers: list[tuple[str, str]], name: str, value: str) -> None:
    for i, (header, _) in enumerate(headers):
        if header == name:
            headers[i] = (name, value)
            return
