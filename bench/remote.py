"""The embedded store and a real Virtuoso behind the same icskg web layer, side by side, and how
the embedded store grows: the figures in docs/scaling.md.

    .venv/bin/python -m bench.remote                  # x1, x10 and x30, about five minutes
    .venv/bin/python -m bench.remote --scales 1       # the side-by-side only

For the real dataset it builds the embedded store, starts a Virtuoso of its own on loopback
(tests/virtuoso.py: Debian's virtuoso-opensource), loads it with ``icskg push`` and runs
``icskg serve`` twice, once over each. Each query of bench/queries.py's mix is then asked over
HTTP by one client, then by four at once, and the latency percentiles and the memory of every
server process tree (PSS: shared pages counted once) are reported. For each larger scale it
serves a synthetic copy of the dataset (bench/synth.py) from the embedded store and asks the
same questions. Everything runs on this machine; no figure is asserted by a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from tests.virtuoso import Virtuoso

from bench.memory import tree_memory
from bench.queries import MIX
from bench.servers import ACCEPT, VENV_BIN, Client, Icskg, Server, query_path
from bench.synth import synthesise
from bench.timing import Window, measure

WINDOW = Window(seconds=3, min_calls=20, cap=20)


class RemoteIcskg(Server):
    name = "icskg serve --endpoint"

    def __init__(self, endpoint: str, log: Path) -> None:
        super().__init__([str(VENV_BIN / "icskg"), "serve", "--endpoint", endpoint,
                          "--port", "{port}"], log, "/healthz", None)


def _latencies(server: Server) -> dict:
    figures = {}
    for query in MIX:
        path = query_path(query.text, server.endpoint)
        headers = {"Accept": ACCEPT[query.kind]}
        row = {}
        for clients in (1, 4):
            stats = measure(lambda p=path, h=headers: Client(server.port, p, h), clients, WINDOW)
            row[f"c{clients}"] = {"p50_ms": round(stats.p50_ms, 1), "p99_ms": round(stats.p99_ms, 1),
                                  "per_second": round(stats.per_second, 1), "error": stats.error}
        figures[query.name] = row
    return figures


def _icskg(*args: str, env: dict | None = None) -> float:
    started = time.perf_counter()
    subprocess.run([str(VENV_BIN / "icskg"), *args], check=True, capture_output=True,
                   env={**os.environ, **(env or {})})
    return round(time.perf_counter() - started, 1)


def side_by_side(work: Path) -> dict:
    data_dir = work / "var"
    results: dict = {"build_seconds": _icskg("--data-dir", str(data_dir), "build")}
    (work / "virtuoso").mkdir()
    virtuoso = Virtuoso(work / "virtuoso")
    virtuoso.start(first=True)
    try:
        results["push_seconds"] = _icskg(
            "push", "--endpoint", virtuoso.sparql_auth, "--graph-store", virtuoso.graph_store,
            env={"ICSKG_AUTH_USER": "dba", "ICSKG_AUTH_PASSWORD": virtuoso.password})
        with Icskg(data_dir, work / "embedded.log", None) as embedded, \
                RemoteIcskg(virtuoso.sparql, work / "remote.log") as remote:
            for name, server in (("embedded", embedded), ("virtuoso", remote)):
                results[name] = {"latency": _latencies(server), "memory": server.memory()}
            results["virtuoso"]["server_memory"] = tree_memory(virtuoso.process.pid)
    finally:
        virtuoso.shutdown()
    return results


def embedded_at(scale: int, work: Path, real: Path) -> dict:
    source = work / f"x{scale}.nq"
    synthesis = synthesise(real, scale, source)
    with Icskg(work / f"x{scale}", work / f"x{scale}.log", None, data=[source]) as server:
        return {"quads": synthesis.get("quads"), "ready_seconds": round(server.ready_seconds, 1),
                "latency": _latencies(server), "memory": server.memory()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,30", help="comma-separated, 1 = side by side")
    parser.add_argument("--out", type=Path, default=Path("bench/.work/remote.json"))
    options = parser.parse_args()
    scales = [int(s) for s in options.scales.split(",")]
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="icskg-remote-") as scratch:
        work = Path(scratch)
        results["x1"] = side_by_side(work)
        real = work / "real.nq"
        _icskg("--data-dir", str(work / "var"), "export", "--format", "nquads", "-o", str(real))
        for scale in (s for s in scales if s > 1):
            results[f"x{scale}"] = embedded_at(scale, work, real)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
