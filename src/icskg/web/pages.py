"""``/query``: the query page, an editor (YASGUI from npm) over ``/sparql`` with one-click examples.

The editor's built files are served from ``node_modules`` (installed by ``npm ci``), never copied
into the repository. Without them the page is still a plain form that posts to ``/sparql``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from icskg import __version__, resources
from icskg.namespaces import BASE, GRAPH, ICS, PREFIXES, sparql_prologue
from icskg.sparql.facts import with_prefixes
from icskg.store import Store
from icskg.web import shared_queries
from icskg.web.common import SECURITY_HEADERS, BodyTooLarge, current_store, error_response, read_body

bp = Blueprint("pages", __name__)

YASGUI_BUILD = Path("@zazuko") / "yasgui" / "build"
# The only files of node_modules this page serves: the editor, and the chart and pivot libraries.
EDITOR_FILES = {
    "yasgui.min.js": YASGUI_BUILD / "yasgui.min.js",
    "yasgui.min.css": YASGUI_BUILD / "yasgui.min.css",
    "chart.umd.min.js": Path("chart.js") / "dist" / "chart.umd.min.js",
    "jquery.min.js": Path("jquery") / "dist" / "jquery.min.js",
    "jquery-ui.min.js": Path("jquery-ui") / "dist" / "jquery-ui.min.js",
    "pivot.min.js": Path("pivottable") / "dist" / "pivot.min.js",
    "pivot.min.css": Path("pivottable") / "dist" / "pivot.min.css",
}
OTHER_TOPIC = "Other questions"
TOPIC = re.compile(r"#\s*Topic:\s*(.+)", re.IGNORECASE)
# YASGUI adds a <style> element and style attributes at run time (without them the result table
# is pushed down the page), so this page alone allows inline styles; a hash would break with each
# release. Scripts stay 'self' only (no inline script, no eval), and so do connections: the editor
# cannot send queries anywhere but this server.
QUERY_PAGE_CSP = SECURITY_HEADERS["Content-Security-Policy"] + "; style-src 'self' 'unsafe-inline'"


@dataclass(frozen=True)
class Example:
    """A query to offer with one click: its name, the question it answers, its text, its topic."""

    name: str
    question: str
    query: str
    topic: str = OTHER_TOPIC


# Offered when queries/ holds no competency questions yet.
BUILT_IN_EXAMPLES = (
    Example("icbs", "Which Integrated Care Boards are there, and in which NHS England region?", """\
SELECT ?icb ?name ?code ?region WHERE {
  ?icb a ics:IntegratedCareBoard ; rdfs:label ?name ; ics:odsCode ?code ; ics:inRegion ?r .
  ?r skos:altLabel ?region .
} ORDER BY ?region ?name"""),
    Example("icb-for-district", "Which ICB covers Wirral (E08000015)?", """\
SELECT ?icb ?name WHERE {
  ?la ics:gssCode "E08000015" ; ics:coversArea ?area .
  ?area ics:withinArea|ics:partlyWithinArea ?icbArea .
  ?icb a ics:IntegratedCareBoard ; ics:coversArea ?icbArea ; rdfs:label ?name .
}"""),
    Example("trusts-per-icb", "How many NHS trusts have their headquarters in each ICB?", """\
SELECT ?icb ?name (COUNT(?trust) AS ?trusts) WHERE {
  ?icb a ics:IntegratedCareBoard ; rdfs:label ?name .
  ?trust ics:headquartersWithin ?icb .
} GROUP BY ?icb ?name ORDER BY DESC(?trusts) ?name"""),
    Example("practices-per-icb", "How many GP practices are in each ICB's primary care networks?", """\
SELECT ?icb ?name (COUNT(DISTINCT ?practice) AS ?practices) WHERE {
  ?icb a ics:IntegratedCareBoard ; rdfs:label ?name .
  ?pcn ics:withinIntegratedCareBoard ?icb ; org:hasMember ?practice .
} GROUP BY ?icb ?name ORDER BY DESC(?practices)"""),
)


def _read_example(path: Path) -> Example | None:
    """An example from a ``.rq`` file whose leading ``#`` comment states the question."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    question, body, topic = [], [], OTHER_TOPIC
    for line in text.splitlines():
        if not body and (found := TOPIC.match(line)):
            topic = found.group(1).strip()
        elif not body and line.startswith("#"):
            question.append(line.lstrip("#").strip())
        elif body or line.strip():
            body.append(line)
    query = "\n".join(body).strip()
    if not query:
        return None
    return Example(path.stem, " ".join(q for q in question if q) or path.stem.replace("-", " "), query, topic)


def load_examples(directory: Path | None = None) -> list[Example]:
    """The competency questions in ``queries/*.rq`` (read on each request), or the built-in ones."""
    directory = directory or resources.QUERIES_DIR
    found = [e for p in sorted(directory.glob("*.rq")) if (e := _read_example(p))] \
        if directory.is_dir() else []
    return found or list(BUILT_IN_EXAMPLES)


def topics(examples: list[Example]) -> list[tuple[str, list[Example]]]:
    """The examples grouped by topic, topics in order of their first question, "other" last."""
    grouped: dict[str, list[Example]] = {}
    for example in examples:
        grouped.setdefault(example.topic, []).append(example)
    return sorted(grouped.items(), key=lambda item: item[0] == OTHER_TOPIC)


def editor_dir() -> Path:
    return resources.NODE_MODULES_DIR / YASGUI_BUILD


def editor_installed() -> bool:
    return all((resources.NODE_MODULES_DIR / path).is_file() for path in EDITOR_FILES.values())


@bp.route("/query")
def query() -> Response:
    """The query page. ``?example=NAME`` or ``?query=TEXT`` fills the editor."""
    examples = load_examples()
    chosen = next((e for e in examples if e.name == request.args.get("example")), examples[0])
    settings = current_app.extensions["icskg.settings"]
    shared = shared_queries.shared_text(settings.data_dir, request.args["q"]) if "q" in request.args else None
    if "q" in request.args and shared is None:
        abort(404, "No shared query has that id: it may have been removed to make room for newer ones.")
    initial = shared or request.args.get("query") or chosen.query
    page = render_template(
        "query.html",
        version=__version__,
        topics=topics(examples),
        examples=[{"name": e.name, "question": e.question, "query": with_prefixes(e.query)}
                  for e in examples],
        initial=with_prefixes(initial),
        selected=request.args.get("example") or ((request.args.get("query") or shared) and "query"),
        editor=editor_installed(),
        prologue=sparql_prologue(),
        prefixes=PREFIXES,
        base=BASE,
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = QUERY_PAGE_CSP
    return response


@bp.route("/query/editor/<name>")
def editor_file(name: str) -> Response:
    """YASGUI's, Chart.js's and PivotTable.js's built files, from ``node_modules``."""
    if name not in EDITOR_FILES or not editor_installed():
        abort(404, "The query editor is not installed: run `npm ci` in the project directory.")
    path = resources.NODE_MODULES_DIR / EDITOR_FILES[name]
    return send_from_directory(path.parent, path.name, max_age=86400)


@bp.post("/query/share")
def share() -> Response:
    """Keep the query in the body (plain text) and answer its short link, ``/query?q=ID``."""
    settings = current_app.extensions["icskg.settings"]
    try:
        key = shared_queries.share(settings.data_dir, read_body().decode("utf-8"))
    except BodyTooLarge as exc:
        return error_response(413, str(exc))
    except UnicodeDecodeError:
        return error_response(400, "Send the query as UTF-8 text.")
    except ValueError as exc:
        return error_response(400, str(exc))
    return jsonify(id=key, url=url_for("pages.query", q=key))


# Cheap questions (each well under a second on the whole graph): declared and used terms, labels,
# and the other IRIs of icskg's namespace the ontology and policy graphs hold (concepts, individuals).
DECLARED = """SELECT DISTINCT ?term ?kind WHERE {
  VALUES (?type ?kind) { (owl:Class "class") (rdfs:Class "class") (owl:ObjectProperty "property")
    (owl:DatatypeProperty "property") (rdf:Property "property") (owl:AnnotationProperty "property") }
  ?term a ?type . FILTER(isIRI(?term))
}"""
USED_CLASSES = "SELECT DISTINCT ?term WHERE { ?x a ?term FILTER(isIRI(?term)) }"
USED_PROPERTIES = "SELECT DISTINCT ?term WHERE { ?x ?term ?y }"
LABELS = "SELECT ?term ?label WHERE { GRAPH <$ONTOLOGY> { ?term rdfs:label ?label } }"
OWN_TERMS = """SELECT DISTINCT ?term WHERE {
  VALUES ?g { <$ONTOLOGY> <$POLICY> } GRAPH ?g { { ?term ?p ?o } UNION { ?s ?p ?term } }
  FILTER(isIRI(?term) && STRSTARTS(STR(?term), "$ICS"))
}"""


@lru_cache(maxsize=2)
def _vocabulary(store: Store, version: str) -> bytes:
    def ask(query: str) -> list[tuple]:
        query = query.replace("$ONTOLOGY", str(GRAPH.ontology)).replace("$POLICY", str(GRAPH.policy))
        return list(store.query(sparql_prologue() + query.replace("$ICS", str(ICS))).rows())

    kinds: dict[str, set[str]] = {"class": set(), "property": set()}
    for term, kind in ask(DECLARED):
        kinds[str(kind)].add(str(term))
    kinds["class"].update(str(row[0]) for row in ask(USED_CLASSES))
    kinds["property"].update(str(row[0]) for row in ask(USED_PROPERTIES))
    labels: dict[str, str] = {}
    for term, label in ask(LABELS):
        labels.setdefault(str(term), str(label))
    found = {"version": version, "terms": sorted(str(row[0]) for row in ask(OWN_TERMS))} | {
        name: [{"iri": iri, "label": labels.get(iri, "")} for iri in sorted(kinds[kind])]
        for name, kind in (("classes", "class"), ("properties", "property"))}
    return json.dumps(found).encode()


@bp.get("/query/vocabulary.json")
def vocabulary() -> Response:
    """The classes and properties the ontology declares or the data uses, for completion and checks."""
    store = current_store()
    response = Response(_vocabulary(store, store.info()["version"]), mimetype="application/json")
    response.cache_control.max_age = 300
    return response
