"""``/``: what the graph holds and how to query it."""

from __future__ import annotations

import logging
from functools import lru_cache

from flask import Blueprint, current_app, render_template

from icskg import __version__
from icskg.guard import MAX_NESTING, MAX_QUERY_CHARS
from icskg.namespaces import ICS, ID, sparql_prologue
from icskg.store import Store, StoreError
from icskg.web import browse
from icskg.web.common import current_store

bp = Blueprint("home", __name__)
log = logging.getLogger(__name__)

GRAPHS = """
SELECT ?graph ?label (GROUP_CONCAT(DISTINCT ?v; separator="\\n") AS ?vintage)
       (GROUP_CONCAT(DISTINCT STR(?table); separator=" ") AS ?tables)
WHERE {
  GRAPH graph:meta { ?graph a prov:Entity ; rdfs:label ?label .
    OPTIONAL { ?graph ics:vintage ?v } OPTIONAL { ?graph prov:wasDerivedFrom ?table } }
} GROUP BY ?graph ?label ORDER BY ?graph
"""
# The vintage of the ICB list, as graph/meta states it for the whole dataset (from the catalogue).
ICB_VINTAGE = f"""
SELECT ?vintage WHERE {{ GRAPH graph:meta {{ <{ID['dataset/icskg']}> ics:vintage ?vintage }} }} LIMIT 1
"""
EXAMPLE = """SELECT ?icb ?name WHERE {
  ?icb a ics:IntegratedCareBoard ; rdfs:label ?name .
} ORDER BY ?name"""


def _select(store: Store, query: str) -> list[dict[str, str | None]]:
    result = store.query(sparql_prologue() + query)
    names = result.variables()
    return [dict(zip(names, row, strict=True)) for row in result.rows()]


@lru_cache(maxsize=4)
def _summary(version: str, store: Store) -> dict:
    """The page's facts for one dataset version (computed once per version and worker)."""
    info = store.info()
    graphs = _select(store, GRAPHS)
    for graph in graphs:
        graph["triples"] = info.get("graph_triples", {}).get(graph["graph"])
        # Joined and sorted here: GROUP_CONCAT's order differs between stores, and Virtuoso
        # mangles a separator outside ASCII.
        graph["vintage"] = " · ".join(sorted(filter(None, (graph["vintage"] or "").split("\n"))))
        graph["tables"] = sorted((graph["tables"] or "").split())
    vintage = _select(store, ICB_VINTAGE)
    classes = [c for c in browse.classes_counted(version, store) if c["class"].startswith(str(ICS._NS))]
    return {"classes": classes, "graphs": graphs, "info": info,
            "icb_vintage": vintage[0] if vintage else None}


@bp.route("/")
def index() -> str:
    store = current_store()
    summary = _summary(store.info()["version"], store)
    return render_template(
        "home.html", version=__version__, example=EXAMPLE, prefixes=sparql_prologue(),
        ics=str(ICS._NS), limits=current_app.extensions["icskg.settings"],
        max_query_chars=MAX_QUERY_CHARS, max_nesting=MAX_NESTING, **summary,
    )


@bp.route("/healthz")
def healthz() -> tuple[dict, int]:
    """200 with the dataset version when the store answers; 503 otherwise."""
    try:
        info = current_store().info()
        return {"status": "ok", "version": info["version"]}, 200
    except StoreError as exc:
        log.warning("health check: %s", exc)  # the detail (paths, addresses) stays in the log
        return {"status": "unavailable"}, 503
