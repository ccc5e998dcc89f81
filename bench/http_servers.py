"""gunicorn (as ``icskg serve`` runs it) against granian serving the same Flask app, side by side.

    python -m bench.http_servers DATA_DIR [--queries iri-lookup,join-3] [--rounds 4] [--seconds 3]

Each server gets icskg's workers and threads, pinned to CPU 0, with the answer cache off (every
request works its answer out) and on (a repeat: what is left is the server's own cost); ``wrk``
(one thread) on CPU 1 asks each in turn, round after round, and the median round is reported.
granian serves only this measurement: ``icskg serve``'s worker also reads requests in its event
loop, keeps per-client lanes and replaces a stuck worker, which granian does not do.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench import wrk
from bench.oxigraph_server import ANCHOR_MIX
from bench.servers import ACCEPT, VENV_BIN, Icskg, Server, query_path
from bench.timing import pin
from icskg.config import load_settings

BENCH_DIR = Path(__file__).resolve().parent


class Granian(Server):
    name = "granian"

    def __init__(self, data_dir: Path, log: Path, cpu: int | None, env: dict) -> None:
        settings = load_settings()
        super().__init__([str(VENV_BIN / "granian"), "--interface", "wsgi",
                          "--workers", str(settings.workers), "--blocking-threads", str(settings.threads),
                          "--host", "127.0.0.1",
                          "--port", "{port}", "--no-log", "bench.granian_app:app"],
                         log, "/healthz", cpu, env={**env, "ICSKG_DATA_DIR": str(data_dir),
                                                    "PYTHONPATH": str(BENCH_DIR.parent)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_servers", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--queries", default="iri-lookup,code-lookup")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    pin(1)
    logs = BENCH_DIR / ".work" / "http_servers"
    servers: dict[str, Server] = {}
    try:
        for cache in ("off", "on"):
            env = {"ICSKG_CLIENT_SLOTS": "0", **({"ICSKG_ANSWER_CACHE_BYTES": "0"} if cache == "off" else {})}
            servers[f"gunicorn, cache {cache}"] = Icskg(args.data_dir, logs / f"gunicorn-{cache}.log", 0,
                                                        env=env)
            servers[f"granian, cache {cache}"] = Granian(args.data_dir, logs / f"granian-{cache}.log", 0, env)
        print(f"load average before: {os.getloadavg()}")
        print("| query | c | server | requests/s | p50 ms |\n|---|---:|---|---:|---:|")
        for q in (q for q in ANCHOR_MIX if q.name in args.queries.split(",")):
            lua = wrk.script(query_path(q.text), ACCEPT[q.kind])
            for server in servers.values():
                wrk.run(server.port, lua, 4, 2, 1)  # warm-up: every worker's query processes
            for c in (1, 4):
                runs: dict[str, list[dict]] = {name: [] for name in servers}
                for _ in range(args.rounds):
                    for name, server in servers.items():
                        runs[name].append(wrk.run(server.port, lua, c, args.seconds, 1))
                for name, found in runs.items():
                    rate, p50, flag = wrk.median(found)
                    print(f"| `{q.name}` | {c} | {name} | {rate:,.0f}{flag} | {p50:.3g} |", flush=True)
        print(f"load average after: {os.getloadavg()}")
    finally:
        for server in servers.values():
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
