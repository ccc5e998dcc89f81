"""``/compliance``: what the published record shows about each ICB against the families of rules.

The matrix of the default day is written by ``icskg build`` (:mod:`icskg.validation.compliance_cache`),
so a first visit only reads a file. ``?as_of=YYYY-MM-DD`` picks another day inside the data's range
(computed in the background the first time: 503 with Retry-After meanwhile).
``/compliance.csv`` and ``/compliance.json`` are the same findings as downloads.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, current_app, render_template, request

from icskg import __version__
from icskg.formats import spreadsheet_safe
from icskg.validation import parse_day
from icskg.validation.compliance_cache import Busy, ComplianceCache, Unavailable
from icskg.validation.regimes import regimes
from icskg.web.common import current_store, error_response
from icskg.web.describe import is_ours
from icskg.web.linked_data import href

bp = Blueprint("compliance", __name__)
OUTCOMES = ("Violation", "Warning", "Info", "ok", "nodata")
CSV_COLUMNS = ("icb", "icb_name", "family", "outcome", "severity", "rule", "where", "message", "provisions")


def _data() -> dict | Response:
    """The matrix the request asks for, or the error response to send."""
    store = current_store()
    info = store.info()
    settings = current_app.extensions["icskg.settings"]
    cache = ComplianceCache(settings.data_dir, info["version"])
    built = date.fromtimestamp(info["built_at"]) if "built_at" in info else date.today()
    days = cache.range(store, built)
    try:
        day = parse_day(request.args.get("as_of") or None) or days.default
        days.check(day)
    except ValueError as exc:
        return error_response(400, str(exc))
    try:
        data = cache.get(settings, day, days.default)
    except Busy as exc:
        response = error_response(503, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        response.headers["Refresh"] = str(exc.retry_after)  # a browser comes back by itself
        return response
    except Unavailable as exc:
        return error_response(503, str(exc))
    return data | {"first": days.first.isoformat(), "last": days.last.isoformat(),
                   "default": days.default.isoformat()}


def _groups(data: dict) -> list[dict]:
    """Findings of the same family and rule, whatever the ICB: one group each, its wordings within."""
    labels = dict(data["families"])
    groups: dict[tuple, dict] = {}
    for row in data["rows"]:
        for family, cell in row["cells"].items():
            if cell["outcome"] == "nodata":
                continue
            for f in cell["findings"]:
                group = groups.setdefault((family, f["rule"], f["severity"]), {
                    "family": family, "family_label": labels[family], "rule": f["rule"],
                    "severity": f["severity"], "count": 0, "messages": {},
                    "links": [{"label": c["label"], "href": href(c["iri"]) if is_ours(c["iri"]) else c["url"]}
                              for c in f["links"]]})
                group["count"] += 1
                group["messages"].setdefault(f["message"], []).append(
                    {"icb": row["icb"], "name": row["name"], "focus": f["focus"], "label": f["where"]})
    order = [family for family, _ in data["families"]]
    severity = ("Violation", "Warning", "Info")
    return sorted(groups.values(), key=lambda g: (order.index(g["family"]), severity.index(g["severity"]),
                                                  -g["count"], g["rule"]))


@bp.get("/compliance")
def page() -> Response:
    data = _data()
    if isinstance(data, Response):
        return data
    families = data["families"]
    shown = [(f, label) for f, label in families if data["totals"][f].get("nodata", 0) < len(data["rows"])]
    folded = [(f, label) for f, label in families if (f, label) not in shown]
    return Response(render_template(
        "compliance.html", data=data, outcomes=OUTCOMES, version=__version__, shown=shown, folded=folded,
        groups=_groups(data), regimes=[regimes()[r] for r in ("hca2022", "guidance", "data-quality")],
    ), mimetype="text/html")


@bp.get("/compliance.json")
def as_json() -> Response:
    data = _data()
    if isinstance(data, Response):
        return data
    response = current_app.json.response(data)
    response.headers["Content-Disposition"] = f'attachment; filename="icskg-compliance-{data["as_of"]}.json"'
    return response


@bp.get("/compliance.csv")
def as_csv() -> Response:
    """One line per finding, and one per cell without findings (``ok`` or ``nodata``)."""
    data = _data()
    if isinstance(data, Response):
        return data
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    labels = dict(data["families"])
    for row in data["rows"]:
        for family, cell in row["cells"].items():
            base = [row["icb"], row["name"], labels[family], cell["outcome"]]
            findings = cell["findings"] if cell["outcome"] != "nodata" else []
            if not findings:
                writer.writerow([spreadsheet_safe(v) for v in [*base, "", "", "", "", ""]])
            for f in findings:
                provisions = "; ".join(link["iri"] for link in f["links"])
                writer.writerow([spreadsheet_safe(v) for v in
                                 [*base, f["severity"], f["rule"], f["where"], f["message"], provisions]])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="icskg-compliance-{data["as_of"]}.csv"'
    return response
