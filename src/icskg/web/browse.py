"""Browsing without SPARQL: the classes and their instances page by page (``/browse``), each named
graph's own page (``/graph/{name}``: provenance, counts, downloads) and the downloads (``/downloads``).

Every IRI enters a query through :func:`icskg.web.describe.iri_ref`; page numbers are checked
integers, so nothing from the address can change a query's meaning.
"""

from __future__ import annotations

from functools import lru_cache
from string import Template

from flask import Blueprint, Response, render_template, request, url_for

from icskg import __version__
from icskg.formats import RDF_FORMATS
from icskg.namespaces import BASE, GRAPH, ICS, sparql_prologue
from icskg.store import Store
from icskg.web import describe as d
from icskg.web.common import current_store, error_response
from icskg.web.dataset import GRAPH_DOWNLOADS

bp = Blueprint("browse", __name__)

PAGE_SIZE = 100
# Sorting by label costs the engine about a second per 100,000 instances; past this many, pages
# follow the store's own (stable) order.
SORT_BY_LABEL_UP_TO = 20000
# Counted without DISTINCT and labelled afterwards: each triple lives in one named graph, so
# COUNT(*) counts each instance once, and on the x100 graph this takes a second, not a minute.
# (A FILTER on ?class would cost the engine eight; classes that are not IRIs are left out here.)
CLASSES = "SELECT ?class (COUNT(*) AS ?count) WHERE { ?thing a ?class } GROUP BY ?class"
GRAPH_CLASSES = Template("""SELECT ?class (COUNT(*) AS ?count) WHERE { GRAPH $g { ?s a ?class } }
GROUP BY ?class""")
CLASS_LABELS = Template("""SELECT ?class (SAMPLE(?l) AS ?label) WHERE {
  VALUES ?class { $classes } ?class rdfs:label ?l FILTER(LANG(?l) IN ("", "en", "en-gb"))
} GROUP BY ?class""")
COUNT = Template("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a $cls }")
INSTANCES_SORTED = Template("""
SELECT ?s (SAMPLE(?l) AS ?label) WHERE { ?s a $cls . OPTIONAL { ?s rdfs:label ?l } }
GROUP BY ?s ORDER BY LCASE(STR(?label)) ?s LIMIT $limit OFFSET $offset""")
INSTANCES = Template("""
SELECT ?s (SAMPLE(?l) AS ?label) WHERE {
  { SELECT DISTINCT ?s WHERE { ?s a $cls } LIMIT $limit OFFSET $offset }
  OPTIONAL { ?s rdfs:label ?l }
} GROUP BY ?s""")
GRAPH_FACTS = Template("""
SELECT ?label ?licence ?vintage ?completeness ?source ?table ?title ?rows ?sha256 ?doubt WHERE {
  GRAPH graph:meta {
    $g rdfs:label ?label .
    OPTIONAL { $g dcterms:license|dcterms:rights ?licence }
    OPTIONAL { $g ics:vintage ?vintage }
    OPTIONAL { $g ics:completeness ?completeness }
    OPTIONAL { $g dcterms:source ?source }
    OPTIONAL { $g prov:wasDerivedFrom ?table
      OPTIONAL { ?table dcterms:title ?title } OPTIONAL { ?table ics:rowCount ?rows }
      OPTIONAL { ?table ics:sha256 ?sha256 } OPTIONAL { ?table ics:doubt ?doubt } }
  }
}""")
FORMAT_NAMES = {"ttl": "Turtle", "nt": "N-Triples", "nq": "N-Quads", "trig": "TriG",
                "jsonld": "JSON-LD", "rdf": "RDF/XML"}


def _select(store: Store, query: str) -> list[dict[str, str | None]]:
    result = store.query(sparql_prologue() + query)
    names = result.variables()
    return [dict(zip(names, row, strict=True)) for row in result.rows()]


def class_slug(iri: str) -> str:
    """The ``/browse/{slug}`` of a class: its local name for icskg's terms, else its CURIE or IRI."""
    if iri.startswith(str(ICS._NS)) and d.LOCAL_NAME.fullmatch(iri[len(str(ICS._NS)):]):
        return iri[len(str(ICS._NS)):]
    return d.curie(iri) or iri


def class_iri(slug: str) -> str:
    if d.LOCAL_NAME.fullmatch(slug):
        return str(ICS._NS) + slug
    prefix, colon, local = slug.partition(":")
    if colon and prefix in d.PREFIXES and not local.startswith("//"):
        return d.PREFIXES[prefix] + local
    return slug


@bp.app_template_filter("browse_url")
def browse_url(class_iri_: str) -> str:
    return url_for("browse.instances", slug=class_slug(class_iri_))


def _is_iri(text: str | None) -> bool:
    try:
        return text is not None and bool(d.iri_ref(text))
    except d.InvalidIRI:
        return False


def _counted(store: Store, query: str) -> list[dict]:
    """Classes with their counts (most first) and labels, from a query of ``?class ?count``."""
    rows = [r for r in _select(store, query) if _is_iri(r["class"])]
    iris = " ".join(d.iri_ref(r["class"]) for r in rows)  # type: ignore[arg-type]
    labels = {r["class"]: r["label"] for r in _select(store, CLASS_LABELS.substitute(classes=iris))} \
        if iris else {}
    for row in rows:
        row["label"] = labels.get(row["class"]) or d.humanise(row["class"] or "")
        row["count"] = int(row["count"] or 0)
    return sorted(rows, key=lambda r: (-r["count"], r["class"] or ""))


@lru_cache(maxsize=4)
def classes_counted(version: str, store: Store) -> list[dict]:
    """Every class with its label and number of instances, most first (once per version)."""
    return _counted(store, CLASSES)


@bp.get("/browse")
def classes() -> str:
    store = current_store()
    rows = classes_counted(store.info()["version"], store)
    ours = [r for r in rows if (r["class"] or "").startswith(str(ICS._NS))]
    others = [r for r in rows if not (r["class"] or "").startswith(str(ICS._NS))]
    return render_template("browse.html", version=__version__, ours=ours, others=others)


def _page_number() -> int | None:
    text = request.args.get("page", "1")
    return int(text) if text.isdigit() and 0 < int(text) < 10**9 else None


@bp.get("/browse/<path:slug>")
def instances(slug: str) -> Response | str:
    """The instances of one class, :data:`PAGE_SIZE` at a time, by label where that is cheap."""
    page = _page_number()
    if page is None:
        return error_response(400, "page= must be a whole number from 1.")
    try:
        cls = d.iri_ref(class_iri(slug))
    except d.InvalidIRI:
        return error_response(404, f"{slug!r} names no class; /browse lists them.")
    store = current_store()
    total = int(_select(store, COUNT.substitute(cls=cls))[0]["n"] or 0)
    if total == 0:
        return error_response(
            404, f"Nothing in this graph is of class {class_iri(slug)}; /browse lists the classes.")
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    if page > pages:
        return error_response(404, f"There are {pages} pages of {slug}; page {page} is past the end.")
    template = INSTANCES_SORTED if total <= SORT_BY_LABEL_UP_TO else INSTANCES
    rows = _select(store, template.substitute(cls=cls, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE))
    if template is INSTANCES:
        rows.sort(key=lambda r: ((r["label"] or "").casefold(), r["s"] or ""))
    iri = class_iri(slug)
    label = next((r["label"] for r in classes_counted(store.info()["version"], store) if r["class"] == iri),
                 None) or d.humanise(iri)
    return render_template(
        "browse_class.html", version=__version__, iri=iri, label=label, slug=slug, rows=rows,
        total=total, page=page, pages=pages, first=(page - 1) * PAGE_SIZE + 1,
        sorted=template is INSTANCES_SORTED)


def graph_facts(store: Store, iri: str) -> dict | None:
    """What ``graph/meta`` says of one named graph, or None if it says nothing."""
    rows = _select(store, GRAPH_FACTS.substitute(g=d.iri_ref(iri)))
    if not rows:
        return None
    tables: dict[str, dict] = {}
    for row in rows:
        if row["table"]:
            table = tables.setdefault(row["table"], {
                "iri": row["table"], "title": row["title"], "sha256": row["sha256"],
                "rows": int(row["rows"]) if row["rows"] else None, "doubts": []})
            if row["doubt"] and row["doubt"] not in table["doubts"]:
                table["doubts"].append(row["doubt"])
    return {
        "label": rows[0]["label"],
        "licence": rows[0]["licence"],
        "vintages": sorted({r["vintage"] for r in rows if r["vintage"]}),
        "completeness": sorted({r["completeness"] for r in rows if r["completeness"]}),
        "sources": sorted({r["source"] for r in rows if r["source"]}),
        "tables": sorted(tables.values(), key=lambda t: t["iri"]),
    }


@bp.get("/graph/<name>")
def graph(name: str) -> Response:
    """A named graph's page: what it holds, where it came from, how to download it. RDF clients
    are sent to the graph's Turtle download."""
    iri = str(GRAPH) + name
    store = current_store()
    if iri not in store.graphs():
        return error_response(404, f"No named graph {iri} in this dataset; /downloads lists them.")
    if not request.accept_mimetypes.accept_html:
        fmt = next((f for f in RDF_FORMATS if f.extension in GRAPH_DOWNLOADS
                    and f.media_type in request.accept_mimetypes), None)
        if fmt is not None:
            response = Response(status=303)
            response.headers["Location"] = url_for("dataset.graph_download", name=name,
                                                   extension=fmt.extension)
            response.vary.add("Accept")
            return response
    facts = graph_facts(store, iri) or {"label": name, "tables": [], "vintages": [], "completeness": [],
                                        "sources": [], "licence": None}
    triples = store.info().get("graph_triples", {}).get(iri)
    classes_ = _counted(store, GRAPH_CLASSES.substitute(g=d.iri_ref(iri)))
    downloads = [(FORMAT_NAMES[e], url_for("dataset.graph_download", name=name, extension=e))
                 for e in GRAPH_DOWNLOADS]
    page = render_template("graph.html", version=__version__, iri=iri, name=name, facts=facts,
                           triples=triples, classes=classes_, downloads=downloads)
    response = Response(page, mimetype="text/html")
    response.vary.add("Accept")
    return response


@bp.get("/downloads")
def downloads() -> str:
    """The whole dataset and each named graph, in every format offered."""
    store = current_store()
    triples = store.info().get("graph_triples", {})
    graphs = []
    for iri in store.graphs():
        name = iri[len(str(GRAPH)):] if iri.startswith(str(GRAPH)) else None
        facts = graph_facts(store, iri) if name else None
        graphs.append({"iri": iri, "name": name, "label": (facts or {}).get("label"),
                       "triples": triples.get(iri)})
    return render_template(
        "downloads.html", version=__version__, graphs=graphs, formats=GRAPH_DOWNLOADS,
        format_names=FORMAT_NAMES, total=sum(triples.values()), base=BASE)
