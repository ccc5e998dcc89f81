"""The bare stack: gunicorn and Flask exactly as ``icskg serve`` runs them, answering every query
with bytes stored in advance (icskg's own answer to it), with no engine, checks or headers of ours.

No server built on this stack can answer faster, so its throughput divided by rdflib-endpoint's
is the largest lead any such server could show on the same queries, whatever its engine.
Started by :class:`bench.servers.BareStack` with ``BENCH_BARE_ANSWERS`` naming a directory of
``<sha256 of the query text>`` files.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import Flask, Response, request

app = Flask(__name__)
ANSWERS = Path(os.environ.get("BENCH_BARE_ANSWERS", "."))
_bodies: dict[str, bytes] = {}


def answer_file(directory: Path, sparql: str) -> Path:
    return directory / hashlib.sha256(sparql.encode()).hexdigest()


@app.get("/healthz")
def healthz() -> str:
    return "ok"


@app.get("/sparql")
def sparql() -> Response:
    text = request.args.get("query", "")
    body = _bodies.get(text)
    if body is None:
        body = _bodies[text] = answer_file(ANSWERS, text).read_bytes()
    return Response(body, mimetype=request.headers.get("Accept", "application/octet-stream"))
