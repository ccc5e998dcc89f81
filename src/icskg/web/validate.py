"""``/validate``: check uploaded governance data against a regime's rules, in a bounded child process.

``GET`` shows the form. ``POST`` takes multipart (one or more ``file`` and/or pasted ``data``, all
checked together as one graph), a URL-encoded
form (``data``), or the data itself as the body with an RDF or CSV media type; ``regime``,
``as_of`` and ``format`` come from the form or the query string. The report is chosen by
``format=`` or the ``Accept`` header (JSON, HTML, Turtle, JSON-LD, CSV, plain text, JUnit XML).
Bad input gets 400 with what to fix, a body over the limit 413, an unknown body type 415, an
unacceptable ``Accept`` 406, a validation past its time or memory limit 503, and a fault in icskg
500 (named as such: a parse error is always a 400, never called a memory problem).
"""

from __future__ import annotations

import base64
import io
from urllib.parse import parse_qs

from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.formparser import parse_form_data
from werkzeug.http import parse_accept_header

from icskg import __version__
from icskg.validation import DEFAULT_REGIME, parse_day
from icskg.validation.board_csv import TEMPLATE_HEADER
from icskg.validation.bounded import (
    ValidationBusy,
    ValidationFailed,
    ValidationFault,
    ValidationTimeout,
    validate_bounded,
)
from icskg.validation.inputs import INPUT_FORMATS, MEDIA_TYPES, Input, InputError, format_for
from icskg.validation.regimes import regime, regimes
from icskg.validation.render import REPORT_FORMATS, html_context
from icskg.web.common import BodyTooLarge, error_response, read_body

bp = Blueprint("validate", __name__)

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
# Report formats by media type, in the order offered when the client accepts anything.
OFFERED = {"application/json": "json", "text/html": "html", "text/turtle": "turtle",
           "application/ld+json": "jsonld", "text/csv": "csv", "text/plain": "text",
           "application/xml": "junit", "application/junit+xml": "junit"}


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _settings():
    return current_app.extensions["icskg.settings"]


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(400, "The form is not valid UTF-8.") from None


def _chosen_format(fields: MultiDict, wants: str | None) -> str | None:
    name = (fields.get("input_format") or "").strip().lower()
    if name in ("", "auto"):
        return wants
    if name not in INPUT_FORMATS:
        known = ", ".join(INPUT_FORMATS)
        raise BadRequest(400, f"input_format={name} is not known; use auto or one of: {known}.")
    return name


def _read_request() -> tuple[MultiDict, list[Input]]:
    """The fields (regime, as_of, format...) and the documents to validate, from any request form."""
    kind = request.mimetype
    if kind == MULTIPART:
        body = read_body()
        limit = _settings().max_body_bytes
        environ = {"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
                   "CONTENT_TYPE": request.headers.get("Content-Type", ""), "REQUEST_METHOD": "POST"}
        _, form, files = parse_form_data(environ, max_form_memory_size=limit, max_content_length=limit)
        fields = MultiDict(list(request.args.items(multi=True)) + list(form.items(multi=True)))
        inputs = []
        try:
            for upload in files.getlist("file"):  # several files are checked together
                if upload.filename:
                    declared = None if upload.mimetype == "application/octet-stream" else upload.mimetype
                    wants = format_for(upload.filename, declared)
                    inputs.append(Input(upload.read(), upload.filename, _chosen_format(fields, wants)))
        finally:
            for _, part in files.items(multi=True):
                part.close()
        pasted = fields.get("data", "")
        if pasted.strip():
            inputs.append(Input(pasted.encode("utf-8"), "the pasted data", _chosen_format(fields, None)))
        return fields, inputs
    if kind == FORM:
        form = parse_qs(_text(read_body()), keep_blank_values=True)
        pairs = [(key, value) for key, values in form.items() for value in values]
        fields = MultiDict(list(request.args.items(multi=True)) + pairs)
        pasted = fields.get("data", "")
        if not pasted.strip():
            return fields, []
        return fields, [Input(pasted.encode("utf-8"), "the pasted data", _chosen_format(fields, None))]
    if kind in MEDIA_TYPES:
        body = read_body()
        fields = MultiDict(request.args.items(multi=True))
        if not body:
            return fields, []
        return fields, [Input(body, "the request body", _chosen_format(fields, format_for(media_type=kind)))]
    raise BadRequest(415, f"Unsupported request body type {kind or '(none)'!r}: send {MULTIPART}, {FORM}, "
                          f"or the data itself as one of {', '.join(sorted(MEDIA_TYPES))}.")


def _report_format(fields: MultiDict) -> str:
    override = (fields.get("format") or "").strip().lower()
    if override:
        if override not in REPORT_FORMATS:
            offered = ", ".join(REPORT_FORMATS)
            raise BadRequest(400, f"format={override} is not offered; use one of: {offered}.")
        return override
    accept = request.headers.get("Accept", "").strip()
    if not accept:
        return "json"
    best = parse_accept_header(accept, MIMEAccept).best_match(list(OFFERED))
    if best is None:
        offered = ", ".join(OFFERED)
        raise BadRequest(406, f"None of the accepted types can hold the report; offered: {offered}.")
    return OFFERED[best]


# The findings as files the page offers for download: (label, format, file extension).
DOWNLOADS = (("CSV (spreadsheet)", "csv", "csv"), ("JSON", "json", "json"), ("HTML", "html", "html"))


def _downloads(written: dict[str, str]) -> list[dict[str, str]]:
    """The downloads, carried in the page itself (data: links), so nothing sent is kept on the
    server to be fetched again."""
    return [{"label": label, "format": fmt, "filename": f"icskg-findings.{extension}",
             "href": f"data:{REPORT_FORMATS[fmt]};charset=utf-8;base64,"
                     + base64.b64encode(written[fmt].encode("utf-8")).decode("ascii")}
            for label, fmt, extension in DOWNLOADS]


def _page(status: int = 200, **context) -> Response:
    values = {"regimes": list(regimes().values()), "regime": DEFAULT_REGIME,
              "as_of": "", "input_formats": INPUT_FORMATS, "input_format": "auto",
              "template_header": TEMPLATE_HEADER,
              "max_bytes": _settings().max_body_bytes, "version": __version__, "report": None}
    values.update(context)
    return Response(render_template("validate.html", **values), status=status, mimetype="text/html")


@bp.get("/validate")
def page() -> Response:
    return _page()


@bp.post("/validate")
def check() -> Response:
    fields: MultiDict = MultiDict(request.args.items(multi=True))
    fmt = "json"
    try:
        fields, inputs = _read_request()
        fmt = _report_format(fields)
        chosen = fields.getlist("regime") or [DEFAULT_REGIME]
        for regime_id in chosen:
            regime(regime_id)
        as_of = parse_day(fields.get("as_of") or None)
        if not inputs:
            raise BadRequest(400, "No data: upload a file, paste data, or send it as the request body.")
        settings = _settings()
        formats = [fmt for _, fmt, _ in DOWNLOADS] if fmt == "html" else [fmt]
        report, written = validate_bounded(inputs, chosen, as_of, seconds=settings.query_timeout,
                                           memory_mb=settings.query_memory_mb,
                                           max_bytes=settings.max_body_bytes, formats=formats,
                                           processes=settings.validation_processes)
    except BodyTooLarge as exc:
        return error_response(413, str(exc))
    except BadRequest as exc:
        return _failure(exc.status, str(exc), fmt, fields)
    except (InputError, ValueError) as exc:
        return _failure(400, str(exc), fmt, fields)
    except (ValidationTimeout, ValidationFailed) as exc:
        response = _failure(503, str(exc), fmt, fields)
        if isinstance(exc, ValidationBusy):
            response.headers["Retry-After"] = "10"
        return response
    except ValidationFault as exc:
        return _failure(500, str(exc), fmt, fields)
    if fmt == "html":
        return _page(regime=chosen[0], as_of=fields.get("as_of") or "", day_chosen=as_of is not None,
                     downloads=_downloads(written), **html_context(report, rule_base="/def/rule/"))
    response = Response(written[fmt], mimetype=REPORT_FORMATS[fmt])
    if response.mimetype.startswith("text/"):
        response.charset = "utf-8"
    response.vary.add("Accept")
    return response


def _failure(status: int, message: str, fmt: str, fields: MultiDict) -> Response:
    """Errors as plain text, except to a browser, which gets the form back with the message."""
    if fmt == "html" and status in (400, 500, 503):
        return _page(status=status, error=message, pasted=fields.get("data", ""),
                     regime=fields.get("regime", DEFAULT_REGIME), as_of=fields.get("as_of") or "")
    return error_response(status, message)
