"""``/def/``: the ontology's documentation, and the ontology itself as Turtle, RDF/XML, JSON-LD or
N-Triples (by ``Accept`` on ``/def/``, or by extension: ``/def/ics.ttl``).

The page is generated from the served store's ``graph/ontology`` once per dataset version, so it
always documents the ontology being served; nothing generated is kept in the repository.
Individual terms (``/def/IntegratedCareBoard``) are served by :mod:`icskg.web.linked_data`.
"""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request
from rdflib import Graph

from icskg import __version__, rdf_writer
from icskg.formats import RDF_FORMATS, Format
from icskg.namespaces import GRAPH, PREFIXES
from icskg.ontology_doc import OntologyDoc, anchor, document
from icskg.store import Store
from icskg.web.browse import classes_counted
from icskg.web.common import current_store, error_response, negotiate

bp = Blueprint("ontology_docs", __name__)

DOWNLOADS: tuple[Format, ...] = tuple(
    f for f in RDF_FORMATS if f.name in ("turtle", "rdfxml", "jsonld", "ntriples")
)
TURTLE = DOWNLOADS[0]
NTRIPLES = next(f for f in DOWNLOADS if f.name == "ntriples")
HTML_TYPES = ("text/html", "application/xhtml+xml")


@lru_cache(maxsize=2)
def _documentation(version: str, store: Store) -> OntologyDoc:
    """The documentation model for one dataset version (built once per version and worker)."""
    graph = Graph().parse(data=store.dump(TURTLE, graph=str(GRAPH.ontology)), format="turtle")
    return document(graph)


@lru_cache(maxsize=8)
def _serialised(version: str, store: Store, fmt: Format) -> bytes:
    """The ontology graph as plain triples in ``fmt`` (a dataset dump would wrap JSON-LD in a graph)."""
    triples = ox.parse(store.dump(NTRIPLES, graph=str(GRAPH.ontology)), format=ox.RdfFormat.N_TRIPLES)
    return rdf_writer.serialize(triples, fmt.engine, PREFIXES)  # type: ignore[arg-type]


def _ontology(fmt: Format) -> Response:
    store = current_store()
    body = _serialised(store.info()["version"], store, fmt)
    response = Response(body, mimetype=fmt.media_type)
    if fmt.media_type.startswith("text/"):
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="icskg-ontology.{fmt.extension}"'
    return response


def _page(full: bool = False) -> Response:
    """The index of terms by module (``/def/``), or every term's entry on one page (``/def/ics.html``)."""
    store = current_store()
    version = store.info()["version"]
    doc = _documentation(version, store)
    instances = {c["class"]: c["count"] for c in classes_counted(version, store)}
    page = render_template("ontology.html", version=__version__, doc=doc, anchor=anchor,
                           documented=doc.documented, downloads=DOWNLOADS, full=full,
                           instances=instances)
    return Response(page, mimetype="text/html")


def _with_alternates(response: Response) -> Response:
    response.headers["Link"] = ", ".join(
        f'</def/ics.{f.extension}>; rel="alternate"; type="{f.media_type}"' for f in DOWNLOADS)
    return response


@bp.route("/def/")
def ontology() -> Response:
    """The documentation for browsers; the ontology for RDF clients, chosen by ``Accept``."""
    choice = negotiate(request.headers.get("Accept"), DOWNLOADS, {t: "html" for t in HTML_TYPES})
    if choice is None:
        offered_types = ", ".join((*HTML_TYPES[:1], *(f.media_type for f in DOWNLOADS)))
        return error_response(406, f"None of the accepted types is offered here; offered: {offered_types}.")
    response = _page() if choice == "html" else _ontology(choice)  # type: ignore[arg-type]
    response.vary.add("Accept")
    return _with_alternates(response)


@bp.route("/def/ics.<extension>")
def ontology_file(extension: str) -> Response:
    """The ontology in the format its extension names (``ttl``, ``rdf``, ``jsonld``, ``nt``, ``html``)."""
    if extension == "html":
        return _with_alternates(_page(full=True))
    fmt = next((f for f in DOWNLOADS if f.extension == extension), None)
    if fmt is None:
        known = ", ".join(["html", *(f.extension for f in DOWNLOADS)])
        return error_response(404, f"The ontology is offered as /def/ics.{{{known}}}, not .{extension}.")
    return _with_alternates(_ontology(fmt))
