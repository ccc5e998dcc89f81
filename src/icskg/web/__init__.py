"""The Flask application: a thin layer that answers HTTP from the store and never writes to it."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from icskg.config import Settings, load_settings
from icskg.store import Store, StoreError
from icskg.store.factory import open_store
from icskg.web import (
    browse,
    caching,
    compliance,
    compression,
    dataset,
    home,
    linked_data,
    ontology_docs,
    openapi,
    pages,
    rule_ids,
    rules,
    search,
    sparql,
    validate,
)
from icskg.web.common import SECURITY_HEADERS, STORE_UNAVAILABLE, UNEXPECTED, error_response

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, store: Store | None = None) -> Flask:
    """Create the web app over ``store`` (by default the one ``settings`` name: the embedded store
    in ``settings.data_dir``, or the SPARQL server at ``settings.endpoint``)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.extensions["icskg.settings"] = settings
    app.extensions["icskg.store"] = store or open_store(settings)
    # /sparql's queries skip Flask's dispatch (sparql.LeanPath); every request has the public address
    app.wsgi_app = PublicAddress(sparql.LeanPath(app, app.wsgi_app),  # type: ignore[method-assign]
                                 settings.public_base)

    compression.init_app(app)  # first registered, so it runs last: after the caching headers
    caching.init_app(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(dataset.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(ontology_docs.bp)
    app.register_blueprint(linked_data.bp)
    app.register_blueprint(validate.bp)
    app.register_blueprint(compliance.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(rules.bp)
    app.register_blueprint(rule_ids.bp)

    @app.after_request
    def secure(response: Response) -> Response:
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        response = error_response(exc.code or 500, exc.description or exc.name)
        for header, value in exc.get_headers():  # Allow on a 405, for one
            if header.lower() != "content-type":
                response.headers[header] = value
        return response

    @app.errorhandler(StoreError)
    def unavailable(exc: StoreError) -> Response:
        log.warning("store unavailable on %s %s: %s", request.method, request.path, exc)
        response = error_response(503, STORE_UNAVAILABLE)
        response.headers["Retry-After"] = "10"
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, UNEXPECTED)

    return app


class PublicAddress:
    """WSGI middleware: every request is seen as addressed to the configured public address, so
    absolute links (``url_for(..., _external=True)``, redirects, the service description, a
    query's base IRI) never come from the Host header a client sent."""

    def __init__(self, app, base: str) -> None:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"ICSKG_PUBLIC_URL={base!r} is not an http(s) address such as "
                             "https://icskg.example.org.")
        self.app = app
        self.scheme, self.netloc, self.prefix = parts.scheme, parts.netloc, parts.path.rstrip("/")
        self.port = str(parts.port or (443 if parts.scheme == "https" else 80))
        self.name = parts.hostname

    def __call__(self, environ, start_response):
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.netloc
        environ["SERVER_NAME"], environ["SERVER_PORT"] = self.name, self.port
        if self.prefix:  # served under a path by a proxy that strips it
            environ["SCRIPT_NAME"] = self.prefix
        return self.app(environ, start_response)
