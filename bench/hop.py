"""What the hop to a query process adds to one query: each query of the mix answered in the
client's format (SPARQL JSON; N-Triples for CONSTRUCT, as the bench asks) by the engine in this
process, and by the same query through one killable query process (``QueryProcesses.run``, then
``serialize``), all pinned to one CPU as the server is in the bench.

    python -m bench.hop DATA_DIR [--queries iri-lookup,join-3] [--seconds 1.5] [--cpu 0] [--app]

Prints, per query, the CPU per request (this process and the query process, read from ``/proc``:
what limits requests per second on one core, and steady under other load) and the median wall
time. Compare two trees side by side by running it with ``PYTHONPATH=<other tree>/src``.

``--app`` adds the WSGI app (answer cache off, one query process), as :mod:`bench.request_profile`
calls it, in CPU per request of each process (``/proc/PID/schedstat``): the app around an answer
captured once (its own work, no hop), its hop alone (``QueryProcesses.run`` as the app calls it),
and the app with its hop. What the last costs beyond the first two is what running both in turn
on one core adds: each finds its caches filled by the other's work (Python's collector is not it:
the same with ``gc`` off).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from inspect import signature
from pathlib import Path

import pyoxigraph as ox

from bench.oxigraph_server import ANCHOR_MIX
from bench.queries import Query
from bench.servers import ACCEPT
from bench.timing import pin
from icskg.config import load_settings
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, Format
from icskg.killable import cpu_seconds
from icskg.store import Limits
from icskg.store.executor import QueryProcesses
from icskg.web.common import negotiate


def _measure(call: Callable[[], object], seconds: float, pids: list[int]) -> tuple[float, float]:
    """CPU ms per call (this process and ``pids``) and the median wall ms, over about
    ``seconds`` of calls after a few untimed ones."""
    started = time.perf_counter()
    for _ in range(5):
        call()
    calls = max(20, int(seconds / max((time.perf_counter() - started) / 5, 1e-6)))
    cpu = time.process_time() + sum(cpu_seconds(p) for p in pids)
    times = []
    for _ in range(calls):
        begun = time.perf_counter()
        call()
        times.append(time.perf_counter() - begun)
    cpu = time.process_time() + sum(cpu_seconds(p) for p in pids) - cpu
    return cpu / calls * 1000, statistics.median(times) * 1000


def _row(q: Query, fmt: Format, store: ox.Store, processes: QueryProcesses, limits: Limits,
         seconds: float) -> str:
    """One query's line of the table."""

    def engine() -> bytes:
        raw = store.query(q.text, use_default_graph_as_union=True)
        if q.kind == "graph":
            return ox.serialize(raw, format=fmt.engine)
        return raw.serialize(format=fmt.engine)

    # as the web asks: in the client's format (a tree from before ``formats`` converts it here)
    asked = {"formats": {q.kind: fmt}} if "formats" in signature(processes.run).parameters else {}

    def hop() -> bytes:
        return processes.run(q.text, [], [], limits, **asked).serialize(fmt)

    size = len(hop())
    in_process = _measure(engine, seconds, [])
    through = _measure(hop, seconds, processes.pool.idle_pids())
    return (f"| `{q.name}` | {size / 1000:,.1f} KB {fmt.name} | {in_process[0]:.3f} | "
            f"{through[0]:.3f} | {through[0] - in_process[0]:+.3f} | {in_process[1]:.3f} | "
            f"{through[1]:.3f} |")


def _run_time_ns(pid: int) -> int:
    """CPU nanoseconds ``pid``'s main thread has run (``/proc/PID/schedstat``)."""
    with open(f"/proc/{pid}/schedstat") as stat:
        return int(stat.read().split()[0])


def _app_rows(q: Query, data_dir: Path, seconds: float) -> list[str]:
    """The app around a captured answer, the app's hop alone, and the app with its hop: CPU us
    per request of the app's process and of its query process."""
    from werkzeug.test import EnvironBuilder

    from icskg.web import create_app

    app = create_app(load_settings({"data_dir": data_dir, "query_processes": 1, "answer_cache_bytes": 0}))
    environ = EnvironBuilder(path="/sparql", query_string={"query": q.text},
                             headers={"Accept": ACCEPT[q.kind], "Host": "127.0.0.1:8000"}).get_environ()

    def request() -> None:
        status: list[str] = []
        b"".join(app(dict(environ), lambda s, h, exc=None: status.append(s)))
        assert status[0].startswith("200"), status

    request()
    served = app.extensions["icskg.store"]
    processes = served._processes()
    query_pid = processes.pool.idle_pids()[0]
    fmt = negotiate(ACCEPT[q.kind], RDF_FORMATS if q.kind == "graph" else RESULT_FORMATS)
    settings = app.extensions["icskg.settings"]
    limits = Limits(settings.query_timeout, settings.max_rows, settings.max_answer_bytes)
    base = "http://127.0.0.1:8000/sparql"
    captured = served.query(q.text, limits=limits, base_iri=base, formats={q.kind: fmt})

    def hop() -> None:
        processes.run(q.text, [], [], limits, base, {q.kind: fmt}).serialize(fmt)

    def around_captured() -> None:
        served.query = lambda *a, **k: captured
        try:
            request()
        finally:
            del served.query

    rows = []
    for label, call in (("app around a captured answer", around_captured), ("its hop alone", hop),
                        ("app with its hop", request)):
        started = time.perf_counter()
        for _ in range(20):
            call()
        calls = max(50, int(seconds / max((time.perf_counter() - started) / 20, 1e-6)))
        app_ns, query_ns = _run_time_ns(os.getpid()), _run_time_ns(query_pid)
        for _ in range(calls):
            call()
        app_us = (_run_time_ns(os.getpid()) - app_ns) / calls / 1000
        query_us = (_run_time_ns(query_pid) - query_ns) / calls / 1000
        rows.append(f"| `{q.name}` | {label} | {app_us:.1f} | {query_us:.1f} | {app_us + query_us:.1f} |")
    processes.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hop", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--queries", default=",".join(q.name for q in ANCHOR_MIX))
    parser.add_argument("--seconds", type=float, default=1.5, help="of calls per query and side")
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--app", action="store_true", help="also through the WSGI app (see above)")
    args = parser.parse_args(argv)

    pin(args.cpu)
    settings = load_settings({"data_dir": args.data_dir})
    link = args.data_dir / "store"
    store = ox.Store.read_only(os.path.realpath(link))
    processes = QueryProcesses(link, size=1, memory_mb=settings.query_memory_mb)
    limits = Limits(settings.query_timeout, settings.max_rows, settings.max_answer_bytes)
    print(f"load average {os.getloadavg()}; icskg from {sys.modules['icskg'].__file__}")
    print("| query | answer | engine CPU ms | through a process CPU ms | added | engine p50 ms | "
          "through a process p50 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    try:
        for q in ANCHOR_MIX:
            if q.name in args.queries.split(","):
                fmt = negotiate(ACCEPT[q.kind], RDF_FORMATS if q.kind == "graph" else RESULT_FORMATS)
                print(_row(q, fmt, store, processes, limits, args.seconds))
    finally:
        processes.close()
    if args.app:
        print("\n| query | through | app process CPU us | query process CPU us | both |\n"
              "|---|---|---:|---:|---:|")
        for q in ANCHOR_MIX:
            if q.name in args.queries.split(","):
                print("\n".join(_app_rows(q, args.data_dir, args.seconds)))
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
