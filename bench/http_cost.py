"""The HTTP server's own cost: ``icskg serve`` from two source trees, side by side.

    python -m bench.http_cost DATA_DIR [--before SRC_TREE] [--rounds 3] [--seconds 3]

Each server runs pinned to CPU 0 with its answer cache off (``--cached``: on) and no per-client
lanes (wrk is one address); ``wrk -t1`` on CPU 1 asks ``/healthz`` (the server and Flask, no
query) and the two cheap lookups, at 1 and 4 connections, each server in turn, round after round;
the median round is reported, with the server tree's CPU per request (every process of it, from
/proc: what one request costs the machine, whatever else runs on it). ``--before`` names a checkout whose
``src`` is imported instead of this tree's (``git archive``), so a change is measured
against its parent in one run; ``--variant`` adds this tree with other settings (workers, threads).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from bench import wrk
from bench.memory import tree_cpu_seconds
from bench.oxigraph_server import ANCHOR_MIX
from bench.servers import ACCEPT, Icskg, query_path
from bench.timing import pin

BENCH_DIR = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_cost", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--before", type=Path, help="a checkout to compare with (its src is imported)")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:VAR=VALUE,...",
                        help="also this tree with these settings, e.g. 1x8:ICSKG_WORKERS=1,ICSKG_THREADS=8")
    parser.add_argument("--targets", default="healthz,iri-lookup,code-lookup")
    parser.add_argument("--connections", default="1,4")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--cached", action="store_true", help="answer cache on: repeats from memory")
    args = parser.parse_args(argv)
    pin(1)
    env = {"ICSKG_CLIENT_SLOTS": "0", **({} if args.cached else {"ICSKG_ANSWER_CACHE_BYTES": "0"})}
    variants = {"after": {}, **({"before": {"PYTHONPATH": str(args.before.resolve() / "src")}}
                                if args.before else {})}
    for variant in args.variant:
        name, _, settings = variant.partition(":")
        variants[name] = dict(setting.split("=", 1) for setting in settings.split(","))
    servers: dict[str, Icskg] = {}
    try:
        for name, extra in variants.items():
            servers[name] = Icskg(args.data_dir, BENCH_DIR / ".work" / "http_cost" / f"{name}.log", 0,
                                  env={**env, **extra})
        targets = {"healthz": wrk.script("/healthz", "text/plain")}
        for q in ANCHOR_MIX:
            if q.name in args.targets.split(","):
                targets[q.name] = wrk.script(query_path(q.text), ACCEPT[q.kind])
        print(f"load average before: {os.getloadavg()}")
        print("| target | c | server | requests/s | p50 ms | server CPU ms per request |\n"
              "|---|---:|---|---:|---:|---:|")
        for target, lua in targets.items():
            if target not in args.targets.split(","):
                continue
            for server in servers.values():
                wrk.run(server.port, lua, 4, 1, 1)  # warm-up: every worker's query processes
            for c in (int(n) for n in args.connections.split(",")):
                runs: dict[str, list[dict]] = {name: [] for name in servers}
                for _ in range(args.rounds):
                    for name, server in reversed(servers.items()) if _ % 2 else servers.items():
                        used = tree_cpu_seconds(server.process.pid)
                        found = wrk.run(server.port, lua, c, args.seconds, 1)
                        used = tree_cpu_seconds(server.process.pid) - used
                        found["cpu_ms"] = 1000 * used / max(found.get("calls", 0), 1)
                        runs[name].append(found)
                for name, found in runs.items():
                    rate, p50, flag = wrk.median(found)
                    cpu = statistics.median(r["cpu_ms"] for r in found)
                    print(f"| `{target}` | {c} | {name} | {rate:,.0f}{flag} | {p50:.3g} | {cpu:.3f} |",
                          flush=True)
        print(f"load average after: {os.getloadavg()}")
    finally:
        for server in servers.values():
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
