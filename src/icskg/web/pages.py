"""``/query``: the query page, an editor (YASGUI from npm) over ``/sparql`` with one-click examples.

The editor's built files are served from ``node_modules`` (installed by ``npm ci``), never copied
into the repository. Without them the page is still a plain form that posts to ``/sparql``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, send_from_directory

from icskg import __version__, resources
from icskg.namespaces import BASE, sparql_prologue
from icskg.sparql.facts import with_prefixes
from icskg.web import SECURITY_HEADERS

bp = Blueprint("pages", __name__)

YASGUI_BUILD = Path("@zazuko") / "yasgui" / "build"
EDITOR_FILES = ("yasgui.min.js", "yasgui.min.css")
# YASGUI adds a <style> element and style attributes at run time (without them the result table
# is pushed down the page), so this page alone allows inline styles; a hash would break with each
# release. Scripts stay 'self' only (no inline script, no eval), and so do connections: the editor
# cannot send queries anywhere but this server.
QUERY_PAGE_CSP = SECURITY_HEADERS["Content-Security-Policy"] + "; style-src 'self' 'unsafe-inline'"


@dataclass(frozen=True)
class Example:
    """A query to offer with one click: its name, the question it answers, its text."""

    name: str
    question: str
    query: str


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
    question, body = [], []
    for line in text.splitlines():
        if not body and line.startswith("#"):
            question.append(line.lstrip("#").strip())
        elif body or line.strip():
            body.append(line)
    query = "\n".join(body).strip()
    if not query:
        return None
    return Example(path.stem, " ".join(q for q in question if q) or path.stem.replace("-", " "), query)


def load_examples(directory: Path | None = None) -> list[Example]:
    """The competency questions in ``queries/*.rq`` (read on each request), or the built-in ones."""
    directory = directory or resources.QUERIES_DIR
    found = [e for p in sorted(directory.glob("*.rq")) if (e := _read_example(p))] \
        if directory.is_dir() else []
    return found or list(BUILT_IN_EXAMPLES)


def editor_dir() -> Path:
    return resources.NODE_MODULES_DIR / YASGUI_BUILD


def editor_installed() -> bool:
    return all((editor_dir() / name).is_file() for name in EDITOR_FILES)


@bp.route("/query")
def query() -> Response:
    """The query page. ``?example=NAME`` or ``?query=TEXT`` fills the editor."""
    examples = load_examples()
    chosen = next((e for e in examples if e.name == request.args.get("example")), examples[0])
    initial = request.args.get("query") or chosen.query
    page = render_template(
        "query.html",
        version=__version__,
        examples=[{"name": e.name, "question": e.question, "query": with_prefixes(e.query)}
                  for e in examples],
        initial=with_prefixes(initial),
        editor=editor_installed(),
        prologue=sparql_prologue(),
        base=BASE,
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = QUERY_PAGE_CSP
    return response


@bp.route("/query/editor/<name>")
def editor_file(name: str) -> Response:
    """YASGUI's built script and style sheet, from ``node_modules``."""
    if name not in EDITOR_FILES or not editor_installed():
        abort(404, "The query editor is not installed: run `npm ci` in the project directory.")
    return send_from_directory(editor_dir(), name, max_age=86400)
