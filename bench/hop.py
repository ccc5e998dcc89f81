"""What the hop to a query process adds to one query: each query of the mix answered in the
client's format (SPARQL JSON; N-Triples for CONSTRUCT, as the bench asks) by the engine in this
process, and by the same query through one killable query process (``QueryProcesses.run``, then
``serialize``), all pinned to one CPU as the server is in the bench.

    python -m bench.hop DATA_DIR [--queries iri-lookup,join-3] [--seconds 1.5] [--cpu 0]

Prints, per query, the CPU per request (this process and the query process, read from ``/proc``:
what limits requests per second on one core, and steady under other load) and the median wall
time. Compare two trees side by side by running it with ``PYTHONPATH=<other tree>/src``.
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
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, Format, negotiate
from icskg.killable import cpu_seconds
from icskg.store import Limits
from icskg.store.executor import QueryProcesses


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hop", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--queries", default=",".join(q.name for q in ANCHOR_MIX))
    parser.add_argument("--seconds", type=float, default=1.5, help="of calls per query and side")
    parser.add_argument("--cpu", type=int, default=0)
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
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
