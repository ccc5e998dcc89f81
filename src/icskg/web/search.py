"""``/search``: organisations, areas, people, documents, rules and ontology terms by name or code.

The answer comes from the dataset version's full-text index (:mod:`icskg.search`); browsers get a
page of typed results with a count for each kind, programs (``Accept: application/json`` or
``format=json``) the same as JSON.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from icskg import __version__
from icskg import search as s
from icskg.web.common import current_store, error_response

bp = Blueprint("search", __name__)
MAX_TEXT = 200
_local = threading.local()


class NotReady(Exception):
    """The index of this dataset version is still being built."""


def _index() -> s.Index:
    """This thread's connection to the current version's index.

    :raises NotReady: while the index is being built (answer 503).
    """
    data_dir = Path(current_app.extensions["icskg.settings"].data_dir)
    path = s.ready_index(current_store(), data_dir)
    if path is None:
        raise NotReady
    index = getattr(_local, "index", None)
    if index is None or index.path != path:
        if index is not None:
            index.close()
        index = _local.index = s.Index(path)
    return index


def _wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


@bp.get("/search")
def page() -> Response | str:
    text = request.args.get("q", "").strip()
    kind = request.args.get("kind") or None
    page_text = request.args.get("page", "1")
    if len(text) > MAX_TEXT:
        return error_response(400, f"Search for at most {MAX_TEXT} characters.")
    if kind is not None and kind not in s.KINDS:
        return error_response(400, f"kind= must be one of: {', '.join(s.KINDS)}.")
    if not page_text.isdigit() or not 0 < int(page_text) < 10**6:
        return error_response(400, "page= must be a whole number from 1.")
    try:
        answer = _index().search(text, kind, int(page_text)) if text else s.Answer(text="")
    except NotReady:
        response = error_response(503, "The search index of this dataset is being built; "
                                       "try again in a minute.")
        response.headers["Retry-After"] = "30"
        return response
    if _wants_json():
        response = jsonify({
            "q": text, "kind": kind, "page": answer.page, "page_size": s.PAGE_SIZE,
            "counts": answer.counts, "total": answer.total,
            "results": [{"iri": h.iri, "label": h.label, "kind": h.kind, "type": h.type_label,
                         "codes": h.codes, "exact_code": h.exact} for h in answer.hits],
        })
        response.vary.add("Accept")
        return response
    pages = max(1, -(-answer.shown_total // s.PAGE_SIZE))
    page = render_template("search.html", version=__version__, answer=answer, search_text=text,
                           kinds=list(s.kinds_of(answer.counts)), kind_names=s.KIND_NAMES,
                           pages=pages, page_size=s.PAGE_SIZE)
    response = Response(page, mimetype="text/html")
    response.vary.add("Accept")
    return response
