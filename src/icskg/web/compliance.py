"""``/compliance``: the 42 ICBs against the families of rules, from the built graph.

Validating the whole graph takes seconds, so the matrix is computed once per dataset version and
day, in a killable child process, and kept as JSON beside the stores (``<data dir>/compliance/``),
shared by every worker. ``?as_of=YYYY-MM-DD`` picks another day.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import uuid
from dataclasses import asdict
from datetime import date
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request

from icskg import __version__
from icskg.config import Settings
from icskg.fingerprint import code_fingerprint
from icskg.validate import parse_day
from icskg.validation.regimes import regimes
from icskg.web import current_store, error_response

bp = Blueprint("compliance", __name__)
OUTCOMES = ("Violation", "Warning", "Info", "ok", "nodata")


def _compute(settings: Settings, day: date, target: str) -> None:
    """In the child: validate the store's graph and write the matrix as JSON."""
    from icskg.remote_store import open_store
    from icskg.validation.compliance import matrix

    found = matrix(open_store(settings), day)
    rows = [{"icb": icb, "name": name,
             "cells": {family: {"outcome": cell.outcome,
                                "findings": [{"rule": f.rule, "severity": f.severity, "where": f.focus_label,
                                              "message": f.message, "regime": f.regime,
                                              "links": [asdict(c) | {"url": c.url} for c in f.citations]}
                                             for f in cell.findings]}
                       for family, cell in cells.items()}}
            for icb, name, cells in found.rows]
    payload = {"families": found.families, "rows": rows, "as_of": day.isoformat(),
               "counts": found.counts, "totals": found.totals()}
    temporary = f"{target}.{uuid.uuid4().hex}"
    Path(temporary).write_text(json.dumps(payload), encoding="utf-8")
    os.replace(temporary, target)


def _fingerprint(version: str) -> str:
    """The dataset version and the code and shapes: what the matrix depends on."""
    return hashlib.sha256(f"{version} {code_fingerprint()}".encode()).hexdigest()[:16]


def _matrix(settings: Settings, version: str, day: date) -> dict:
    folder = settings.data_dir / "compliance"
    folder.mkdir(parents=True, exist_ok=True)
    fingerprint = _fingerprint(version)
    target = folder / f"{fingerprint}-{day.isoformat()}.json"
    if not target.is_file():
        for stale in folder.glob("*.json"):  # matrices of older datasets or shapes
            if not stale.name.startswith(fingerprint):
                stale.unlink(missing_ok=True)
        context = multiprocessing.get_context("forkserver")
        child = context.Process(target=_compute, args=(settings, day, str(target)), daemon=True)
        child.start()
        child.join(max(120.0, settings.query_timeout))
        if child.is_alive():
            child.kill()
            child.join()
        if not target.is_file():
            raise RuntimeError("The compliance picture could not be computed in time; try again later.")
    return json.loads(target.read_text(encoding="utf-8"))


@bp.get("/compliance")
def page() -> Response:
    try:
        day = parse_day(request.args.get("as_of") or None) or date.today()
    except ValueError as exc:
        return error_response(400, str(exc))
    settings = current_app.extensions["icskg.settings"]
    try:
        data = _matrix(settings, current_store().info()["version"], day)
    except RuntimeError as exc:
        return error_response(503, str(exc))
    return Response(render_template(
        "compliance.html", data=data, outcomes=OUTCOMES, version=__version__,
        regimes=[regimes()[r] for r in ("hca2022", "guidance", "data-quality")],
    ), mimetype="text/html")
