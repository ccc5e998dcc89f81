"""Why heavy queries trail Oxigraph server: one store, three ways to query it, side by side.

    python -m bench.heavy DATA_DIR [--queries label-search,join-3] [--seconds 3] [--rounds 2]
                                   [--icskg "1 worker=ICSKG_WORKERS=1"] [--oxigraph-store DIR]

The store ``icskg build`` made under ``DATA_DIR`` is queried by the engine in-process (pyoxigraph,
answer serialised as the HTTP systems send it), by Oxigraph server (``oxigraph serve-read-only
--union-default-graph`` over that very store, so no difference of store layout counts) and by
``icskg serve`` (answer cache off), plus any icskg variants named by their environment, and
Oxigraph server over a store of Oxigraph's own making (``--oxigraph-store``), for what the
layout does. Each server is pinned to CPU 0, the client to CPU 1; every system in turn for each
query and number of connections, in alternating rounds, timed as ``python -m bench oxigraph``
times them. Then the CPU each system spends on a call (every process and thread of it): on a
shared machine the throughput says how much of the core a system got as much as what it costs,
the CPU what it costs. The medians of the rounds are printed as fractions of Oxigraph server's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from bench.inproc import InProcess
from bench.memory import tree_cpu_seconds
from bench.oxigraph_server import (
    ANCHOR_MIX,
    CONNECTIONS,
    ICSKG_ENV,
    OxigraphServer,
    _first,
    _timed,
    _warm_icskg,
)
from bench.queries import Query
from bench.servers import CACHE_OFF, Icskg
from bench.systems import HttpSystem, InProcessSystem
from bench.timing import Window, pin

HEAVY = ("label-search", "construct-scan", "count-by-class", "join-3", "count-all")
ENGINE, OXIGRAPH = "engine in-process", "Oxigraph server"
OWN = "Oxigraph server, own store"
LIMIT = 150.0
"""Seconds a call may take."""


def _variant(spec: str) -> tuple[str, dict]:
    """``LABEL=NAME=VALUE,NAME=VALUE``: an icskg variant and its environment."""
    label, _, settings = spec.partition("=")
    return label, dict(part.split("=", 1) for part in settings.split(",") if part)


def _first_seconds(system: HttpSystem | InProcessSystem, q: Query) -> float:
    """Seconds one call takes (``LIMIT`` if it takes longer)."""
    if isinstance(system, HttpSystem):
        return min(_first(system, q, LIMIT).get("first_seconds", LIMIT), LIMIT)
    started = time.perf_counter()
    system.first(q, LIMIT)
    return time.perf_counter() - started


def _tree_cpu(system: HttpSystem | InProcessSystem) -> float:
    """CPU seconds used so far by the system's processes (a server and every process under it)."""
    pid = system.server.process.pid if isinstance(system, HttpSystem) else system.holder.process.pid
    return tree_cpu_seconds(pid)


def cpu_per_call(system: HttpSystem | InProcessSystem, q: Query, c: int,
                 seconds: float = 3.0) -> float | None:
    """CPU milliseconds the system spends on one call, ``c`` clients calling back to back on
    connections they keep (as wrk's do) for about ``seconds``: what a call costs, whatever share
    of the core the machine's other work left the system."""
    before = _tree_cpu(system)
    stats = system.timed(q, c, Window(seconds, 1, LIMIT))
    calls = stats.get("calls") or 0
    return (_tree_cpu(system) - before) / calls * 1000 if calls else None


def measure(data_dir: Path, queries: list[str], seconds: float, rounds: int, variants: list[str],
            logs: Path, own_store: Path | None = None) -> dict:
    store = Path(os.path.realpath(data_dir / "store"))
    uncached = {**ICSKG_ENV, **CACHE_OFF, "ICSKG_QUERY_TIMEOUT": f"{LIMIT:g}"}
    starts: dict = {
        ENGINE: lambda: InProcessSystem(ENGINE, lambda: InProcess("raw", store, 0)),
        OXIGRAPH: lambda: HttpSystem(OXIGRAPH, lambda: OxigraphServer(store, logs / "oxigraph.log", 0)),
        "icskg": lambda: HttpSystem("icskg", lambda: Icskg(data_dir, logs / "icskg.log", 0, env=uncached)),
    }
    if own_store is not None:  # the layout Oxigraph's own load and optimize make
        starts[OWN] = lambda: HttpSystem(OWN, lambda: OxigraphServer(own_store, logs / "oxigraph-own.log", 0))
    for label, env in map(_variant, variants):
        starts[label] = lambda label=label, env=env: HttpSystem(label, lambda: Icskg(
            data_dir, logs / f"icskg-{label}.log", 0, env={**uncached, **env}))
    systems: dict = {}
    found: dict = {}
    cpus: dict = {}
    try:
        for name, start in starts.items():  # idle servers side by side: only one is asked at a time
            systems[name] = start()
        for name, system in systems.items():
            if isinstance(system, HttpSystem) and name != OXIGRAPH:
                _warm_icskg(system, 1)
        print(f"load average before: {os.getloadavg()}", flush=True)
        for r in range(rounds):
            for q in (q for q in ANCHOR_MIX if q.name in queries):
                for name, system in systems.items():
                    first = min(_first_seconds(system, q), _first_seconds(system, q))
                    stats = _timed(system, q, first, seconds, LIMIT, 1, False)
                    for c in CONNECTIONS:
                        stats[str(c)]["cpu_ms"] = cpu_per_call(system, q, c)
                    for c, s in stats.items():
                        found.setdefault((q.name, c), {}).setdefault(name, []).append(s.get("per_second"))
                        cpus.setdefault((q.name, c), {}).setdefault(name, []).append(s.get("cpu_ms"))
                        print(f"round {r + 1} {q.name} c={c} {name}: {s.get('per_second') or 0:.3g}/s, "
                              f"p50 {s.get('p50_ms') or 0:.3g} ms, CPU {s.get('cpu_ms') or 0:.3g} ms a call",
                              flush=True)
        print(f"load average after: {os.getloadavg()}", flush=True)
    finally:
        for system in systems.values():
            system.close()
    return {"per_second": found, "cpu_ms": cpus}


def _table(found: dict, what: str) -> None:
    names = list(next(iter(found.values())))
    print(f"\nmedians of the rounds, {what} (as a fraction of Oxigraph server's)")
    print("| query | c | " + " | ".join(names) + " |")
    print("|---|---:|" + "---:|" * len(names))
    for (qname, c), per in found.items():
        values = {n: statistics.median(v or 0 for v in per[n]) for n in names}
        anchor = values[OXIGRAPH]
        cells = [f"{values[n]:.3g}" + (f" ({values[n] / anchor:.0%})" if anchor and n != OXIGRAPH else "")
                 for n in names]
        print(f"| {qname} | {c} | " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.heavy", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--queries", default=",".join(HEAVY))
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--icskg", action="append", default=[], metavar="LABEL=NAME=VALUE,...",
                        help="an icskg variant and its environment (repeatable)")
    parser.add_argument("--oxigraph-store", type=Path, metavar="DIR",
                        help="also Oxigraph server over this store (oxigraph load + optimize of the "
                             "same data), for the difference the layout makes")
    parser.add_argument("--logs", type=Path, default=Path(__file__).parent / ".work" / "heavy")
    args = parser.parse_args(argv)
    pin(1)
    found = measure(args.data_dir, args.queries.split(","), args.seconds, args.rounds, args.icskg, args.logs,
                    args.oxigraph_store)
    _table(found["per_second"], "requests per second")
    _table(found["cpu_ms"], "CPU milliseconds a call, every process of the system")
    return 0


if __name__ == "__main__":
    sys.exit(main())
