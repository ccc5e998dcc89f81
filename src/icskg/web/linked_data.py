"""``/id/...`` (and ``/def/...`` terms): every IRI of ours dereferences, on whatever host serves it.

The request path ``/id/X`` names the IRI ``https://w3id.org/icskg/id/X``. Browsers get an HTML
page; RDF clients get the resource's description (its triples, with blank nodes closed) in Turtle,
JSON-LD, RDF/XML or N-Triples, chosen by ``Accept`` or by a file extension (``/id/org/QYG.ttl``).
Integrated Care System pages carry a diagram of the system, also at ``/id/ics/{GSS}.svg``.
"""

from __future__ import annotations

from string import Template

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, url_for

from icskg import __version__, rdf_writer
from icskg.formats import RDF_FORMATS, Format
from icskg.namespaces import BASE, GRAPH, ICS, PREFIXES
from icskg.sparql.facts import with_prefixes
from icskg.web import describe as d
from icskg.web import ics_diagram
from icskg.web.common import current_store, error_response, negotiate

bp = Blueprint("linked_data", __name__)

RESOURCE_FORMATS: tuple[Format, ...] = tuple(
    f for f in RDF_FORMATS if f.name in ("turtle", "jsonld", "rdfxml", "ntriples")
)
HTML_TYPES = ("text/html", "application/xhtml+xml")
# The description: the resource's own triples, and those of the blank nodes it points to.
DESCRIPTION = Template("""CONSTRUCT { $this ?p ?o . ?o ?q ?r . ?r ?s ?t } WHERE {
  $this ?p ?o .
  OPTIONAL { FILTER(isBlank(?o)) ?o ?q ?r OPTIONAL { FILTER(isBlank(?r)) ?r ?s ?t } }
}""")


@bp.app_template_filter("href")
def href(iri: str) -> str:
    """Where a link to ``iri`` goes: this server's page for our IRIs, the IRI itself for other web
    addresses, and nowhere (``#``) for other schemes, which could be ``javascript:`` in data."""
    if d.is_ours(iri):
        return url_for("home.index") + iri[len(BASE):]
    return iri if iri.startswith(("http://", "https://")) else "#"


@bp.app_template_filter("curie")
def curie_filter(iri: str) -> str:
    """``prefix:local``, or for our IRIs without a prefix the path (``id/membership/...``)."""
    return d.curie(iri) or (iri[len(BASE):] if d.is_ours(iri) else iri)


@bp.route("/id/<path:path>")
def resource(path: str) -> Response:
    return dereference("id/" + path)


@bp.route("/def/<path:path>")
def term(path: str) -> Response:
    """Ontology terms (``/def/IntegratedCareBoard``) through the same resource page."""
    return dereference("def/" + path)


def _split_extension(path: str) -> tuple[str, str | None]:
    stem, dot, extension = path.rpartition(".")
    known = {f.extension for f in RESOURCE_FORMATS} | {"html", "svg"}
    if dot and stem and extension in known:
        return stem, extension
    return path, None


def _find(path: str) -> tuple[str, str | None] | None:
    """The IRI the path names and the extension asked for, or None if the store knows no such IRI."""
    store = current_store()
    stem, extension = _split_extension(path)
    candidates = [(BASE + stem, extension)] if extension else []
    candidates.append((BASE + path, None))
    for iri, ext in candidates:
        try:
            if d.exists(store, iri):
                return iri, ext
        except d.InvalidIRI:
            continue
    return None


def _negotiate() -> Format | str | None:
    """``"html"``, an RDF format, or None when the client accepts none of them (406)."""
    return negotiate(request.headers.get("Accept"), RESOURCE_FORMATS, {t: "html" for t in HTML_TYPES})


def not_found(path: str) -> Response:
    iri = BASE + path
    message = f"Nothing in this graph has the IRI {iri}."
    if request.accept_mimetypes.accept_html:
        page = render_template("not_found.html", version=__version__, iri=iri, message=message)
        return Response(page, status=404, mimetype="text/html")
    return error_response(404, message + " Check the code in the address.")


def _canonical(path: str) -> str | None:
    """The path with its code in capitals (``id/org/qyg`` -> ``id/org/QYG``) if that names an IRI
    here and the path as given does not: codes (ODS, GSS) are written in capitals."""
    stem, extension = _split_extension(path)
    folder, slash, code = stem.rpartition("/")
    if not slash or code == code.upper():
        return None
    candidate = f"{folder}/{code.upper()}"
    try:
        if not d.exists(current_store(), BASE + candidate):
            return None
    except d.InvalidIRI:
        return None
    return candidate + (f".{extension}" if extension else "")


def dereference(path: str) -> Response:
    found = _find(path)
    if found is None:
        canonical = _canonical(path)
        if canonical is not None:
            response = Response(status=301)
            response.headers["Location"] = url_for("home.index") + canonical
            return response
        return not_found(path)
    iri, extension = found
    if extension == "svg":
        return _diagram(iri) or not_found(path)
    if extension == "html":
        chosen: Format | str | None = "html"
    elif extension:
        chosen = next(f for f in RESOURCE_FORMATS if f.extension == extension)
    else:
        chosen = _negotiate()
    if chosen is None:
        offered = ", ".join(("text/html", *(f.media_type for f in RESOURCE_FORMATS)))
        return error_response(406, f"None of the accepted types is offered here; offered: {offered}.")
    response = _page(iri) if chosen == "html" else _rdf(iri, chosen)  # type: ignore[arg-type]
    if not extension:
        response.vary.add("Accept")
    response.headers["Link"] = ", ".join(
        f'<{_document(iri, f.extension)}>; rel="alternate"; type="{f.media_type}"'
        for f in RESOURCE_FORMATS
    )
    return response


def _document(iri: str, extension: str) -> str:
    return href(iri) + "." + extension


def _rdf(iri: str, fmt: Format) -> Response:
    result = current_store().query(DESCRIPTION.substitute(this=d.iri_ref(iri)))
    triples = ox.parse(result.serialize(_NTRIPLES), format=ox.RdfFormat.N_TRIPLES)
    body = rdf_writer.serialize(triples, fmt.engine, PREFIXES)  # type: ignore[arg-type]
    response = Response(body, mimetype=fmt.media_type)
    if fmt.media_type.startswith("text/"):
        response.charset = "utf-8"
    return response


_NTRIPLES = next(f for f in RDF_FORMATS if f.name == "ntriples")


def _page(iri: str) -> Response:
    store = current_store()
    description = d.describe(store, iri)
    diagram = None
    if description.has_type(str(ICS.IntegratedCareSystem)):
        diagram = ics_diagram.draw(ics_diagram.gather(store, iri), href)
    more = {p.iri: url_for("pages.query", query=with_prefixes(d.inbound_query(iri, p.iri)))
            for p in description.inbound if p.count > len(p.values)}
    page = render_template(
        "resource.html", version=__version__, r=description, diagram=diagram, more=more,
        documents={f.name: _document(iri, f.extension) for f in RESOURCE_FORMATS},
        shown=d.INBOUND_SHOWN, graph_base=str(GRAPH),
    )
    return Response(page, mimetype="text/html")


def _diagram(iri: str) -> Response | None:
    store = current_store()
    if not d.has_type(store, iri, str(ICS.IntegratedCareSystem)):
        return None
    svg = ics_diagram.draw(ics_diagram.gather(store, iri), lambda i: request.host_url.rstrip("/") + href(i))
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + str(svg), mimetype="image/svg+xml")
