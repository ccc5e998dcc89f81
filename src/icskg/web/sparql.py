"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only.

Requests: ``GET ?query=``, ``POST`` URL-encoded form, ``POST application/sparql-query``.
Answers: results by content negotiation (or ``format=``); 400 for a malformed query, 403 for any
update, 406 when no offered format is acceptable, 413 for a body over the limit (chunked ones
included), 415 for an unsupported request body.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.datastructures import MultiDict

from icskg.fingerprint import code_fingerprint
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, Format, by_name, negotiate
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
)
from icskg.web import dataset
from icskg.web.answer_cache import AnswerCache, Cached
from icskg.web.common import BodyTooLarge, current_store, error_response, read_body

bp = Blueprint("sparql", __name__)
CACHE_HEADER = "X-ICSKG-Cache"


@bp.record_once
def _make_cache(state: BlueprintSetupState) -> None:
    """Each app (so each web worker, forked before its app is made) has its own answer cache."""
    settings = state.app.extensions["icskg.settings"]
    state.app.extensions["icskg.answers"] = AnswerCache(settings.answer_cache_bytes)


def answer_cache() -> AnswerCache:
    return current_app.extensions["icskg.answers"]

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
READ_ONLY = "This endpoint is read-only: SPARQL Update is not accepted."


class Refusal(Exception):
    """A request the endpoint answers with an error status and a message saying what to fix."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "The request body is not valid UTF-8.") from None


def _parameters() -> tuple[MultiDict, str | None]:
    """The protocol parameters and the query text, from whichever request form was used."""
    if request.method in ("GET", "HEAD"):
        return request.args, None
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise Refusal(415, f"The request body must be UTF-8, not {charset}.")
    if request.mimetype == FORM:
        form = parse_qs(_text(read_body()), keep_blank_values=True)
        body = [(k, v) for k, values in form.items() for v in values]
        return MultiDict([*request.args.items(multi=True), *body]), None
    if request.mimetype == QUERY_BODY:
        return request.args, _text(read_body())
    if request.mimetype == UPDATE_BODY:
        raise Refusal(403, READ_ONLY)
    raise Refusal(
        415,
        f"Unsupported request body type {request.mimetype or '(none)'!r}: send "
        f"{QUERY_BODY} or {FORM}, or use GET with ?query=.",
    )


def _choose_format(kind: str, params: MultiDict) -> Format:
    formats = RDF_FORMATS if kind == "graph" else RESULT_FORMATS
    override = params.get("format")
    if override:
        chosen = by_name(override, formats)
        if chosen is None:
            names = ", ".join(f.name for f in formats)
            raise Refusal(400, f"format={override} does not fit this query; use one of: {names}.")
        return chosen
    chosen = negotiate(request.headers.get("Accept"), formats)
    if chosen is None:
        offered = ", ".join(f.media_type for f in formats)
        raise Refusal(406, f"None of the accepted types can hold this result; offered: {offered}.")
    return chosen


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    try:
        params, body_query = _parameters()
        if "update" in params:
            raise Refusal(403, READ_ONLY)
        queries = params.getlist("query")
        if body_query is not None:
            queries.append(body_query)
        if not queries:
            if request.method not in ("GET", "HEAD"):
                raise Refusal(400, "Missing the 'query' parameter.")
            if request.accept_mimetypes.accept_html:
                return redirect(url_for("pages.query"))
            return dataset.negotiated(dataset.service_description(
                current_store(), request.base_url, limits_in_words()))
        if len(queries) > 1:
            raise Refusal(400, "Give exactly one query.")
        return _answer(queries[0], params)
    except Refusal as exc:
        response = error_response(exc.status, str(exc))
        if exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except BodyTooLarge as exc:
        return error_response(413, str(exc))


def limits_in_words() -> str:
    """The limits every answer is held to, as the service description states them."""
    settings = current_app.extensions["icskg.settings"]
    return (f"Queries run for at most {settings.query_timeout:g} s. An answer carries at most "
            f"{settings.max_rows:,} solutions or triples and {settings.max_answer_bytes:,} bytes "
            "of data (counted as SPARQL TSV or N-Triples); a longer one is cut at a whole row and "
            "carries the header X-ICSKG-Limit: rows=N or bytes=N.")


def _limits(params: MultiDict) -> Limits:
    """The server's limits, with the time limit lowered to a ``timeout=`` the request asks for."""
    settings = current_app.extensions["icskg.settings"]
    timeout = settings.query_timeout
    asked = params.get("timeout")
    if asked:
        try:
            seconds = float(asked)
        except ValueError:
            seconds = -1
        if not 0 < seconds < float("inf"):
            raise Refusal(400, f"timeout={asked} is not a positive number of seconds.")
        timeout = min(timeout, seconds)
    return Limits(timeout=timeout, max_rows=settings.max_rows, max_bytes=settings.max_answer_bytes)


def _base_iri() -> str:
    """This endpoint's URL, against which a query's relative IRIs resolve. Werkzeug's ``base_url``
    also decodes it for display: slower, and not wanted in an IRI."""
    return f"{request.scheme}://{request.host}{request.script_root}{request.path}"


def _answer(sparql: str, params: MultiDict) -> Response:
    limits = _limits(params)
    base_iri = _base_iri()
    default_graphs, named_graphs = params.getlist("default-graph-uri"), params.getlist("named-graph-uri")
    store = current_store()
    version = f"{store.info()['version']}/{code_fingerprint()}"
    key = (sparql, tuple(default_graphs), tuple(named_graphs), request.headers.get("Accept", ""),
           params.get("format", ""), base_iri)
    cache = answer_cache()
    cached = cache.get(version, key)
    if cached is not None:
        return _response(cached, None, "hit")
    try:
        refuse_too_complex(sparql)
        refuse_outbound(sparql)
    except (QueryTooComplex, OutboundRequestRefused) as exc:
        raise Refusal(400, str(exc)) from None
    try:
        result = store.query(sparql, default_graphs=default_graphs, named_graphs=named_graphs,
                             limits=limits, base_iri=base_iri)
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
    fmt = _choose_format(result.kind, params)
    try:
        body = result.serialize(fmt)
    except (OSError, ValueError) as exc:  # the engine's writer: nothing of a remote server's
        others = ", ".join(f.name for f in (RDF_FORMATS if result.kind == "graph" else RESULT_FORMATS)
                           if f is not fmt)
        raise Refusal(406, f"The answer cannot be written as {fmt.name} ({exc}); ask for another "
                           f"format: {others}.") from None
    answer = Cached(body, fmt.media_type)
    # an answer cut at a limit is not kept: without ORDER BY a repeat may cut other rows
    if not result.limit_hit:
        cache.put(version, key, answer)
    return _response(answer, result.limit_hit, "miss")


def _response(answer: Cached, limit_hit: str | None, cache: str) -> Response:
    response = Response(answer.body, mimetype=answer.media_type)
    if answer.media_type.startswith("text/"):
        response.charset = "utf-8"
    response.vary.add("Accept")
    if limit_hit:
        response.headers["X-ICSKG-Limit"] = limit_hit
    if answer_cache().max_bytes > 0:
        response.headers[CACHE_HEADER] = cache
    return response
