"""The web side's own CPU for one ``/sparql`` request, from its bytes arriving to its answer sent.

    python -m bench.worker_cpu DATA_DIR [--before SRC_TREE] [--query iri-lookup] [--calls 3000]
                               [--rounds 3] [--captured]

The request goes through the web worker's own code (``BufferingWorker._on_bytes``: the read, the
request's end, the lane, the parser, the app with its lean path, the head and the answer's write)
over a socketpair, in one process pinned to CPU 0, with the answer cache off; the figure is the
calling thread's CPU per request (median of 7 runs of ``--calls``), so whatever else runs on the
machine costs it little. With ``--captured`` the store's answer is captured once and returned
again, so the figure is the web side alone, without the hop to a query process and its context
switches (which otherwise dominate it). ``--before`` names a checkout whose ``src`` is measured in
the same way, round after round, alternating with this tree's.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def measure(data_dir: Path, query: str, calls: int, captured: bool) -> list[float]:
    """Milliseconds of this thread's CPU per request, one figure per run."""
    os.environ.update({"ICSKG_ANSWER_CACHE_BYTES": "0", "ICSKG_DATA_DIR": str(data_dir)})
    from gunicorn.config import Config

    from bench.oxigraph_server import ANCHOR_MIX
    from bench.servers import ACCEPT, query_path
    from icskg.config import load_settings
    from icskg.web import create_app
    from icskg.web import worker as web_worker

    chosen = next(q for q in ANCHOR_MIX if q.name == query)
    request = (f"GET {query_path(chosen.text)} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
               f"Accept: {ACCEPT[chosen.kind]}\r\n\r\n").encode()
    cfg = Config()
    cfg.set("limit_request_line", 8190)
    worker = web_worker.BufferingWorker.__new__(web_worker.BufferingWorker)  # no arbiter, no fork
    worker.cfg, worker.plain, worker.wsgi = cfg, web_worker.Parser(cfg), create_app(load_settings())
    worker.log = _Log()
    worker.nr, worker.max_requests, worker.alive, worker.keepalive = 0, 1 << 62, True, cfg.keepalive
    worker.lock, worker.in_threads, worker.log_lines = threading.Lock(), Counter(), deque()
    ours, client = socket.socketpair()
    ours.setblocking(False)
    worker.events = select.epoll()
    worker.events.register(ours.fileno(), web_worker.READABLE)
    conn = web_worker._Conn(ours, ("127.0.0.1", 50000), ("127.0.0.1", 8000), 1_000_000)

    def call() -> bytes:
        client.sendall(request)
        worker._on_bytes(conn)
        worker.log_lines.clear()
        return client.recv(1 << 22)

    first = call()
    if not first.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"{query}: {first[:300]!r}")
    if captured:
        store = worker.wsgi.extensions["icskg.store"]
        kept: list = []
        real = store.query

        def again(*args, **kwargs):
            if not kept:
                kept.append(real(*args, **kwargs))
            return kept[0]

        store.query = again
    for _ in range(200):
        call()
    figures = []
    for _ in range(RUNS):
        started = time.thread_time()
        for _ in range(calls):
            call()
        figures.append(1000 * (time.thread_time() - started) / calls)
    return figures


class _Log:
    def exception(self, *args: object, **kwargs: object) -> None:
        import traceback

        traceback.print_exc()

    info = exception

    def access(self, *args: object, **kwargs: object) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker_cpu", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--before", type=Path, help="a checkout to compare with (its src is imported)")
    parser.add_argument("--query", default="iri-lookup")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--captured", action="store_true", help="the store's answer captured once")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        os.sched_setaffinity(0, {0})
        figures = measure(args.data_dir.resolve(), args.query, args.calls, args.captured)
        print(" ".join(f"{f:.4f}" for f in figures))
        return 0
    trees = {"after": ROOT / "src", **({"before": args.before.resolve() / "src"} if args.before else {})}
    found: dict[str, list[float]] = {name: [] for name in trees}
    print(f"load average before: {os.getloadavg()}")
    for round_ in range(args.rounds):
        for name, src in (reversed(trees.items()) if round_ % 2 else trees.items()):
            command = [sys.executable, "-m", "bench.worker_cpu", str(args.data_dir), "--child",
                       "--query", args.query, "--calls", str(args.calls),
                       *(["--captured"] if args.captured else [])]
            env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(src), str(ROOT)))}
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
            runs = [float(f) for f in done.stdout.split()]
            found[name].append(statistics.median(runs))
            print(f"round {round_ + 1} {name}: median {statistics.median(runs):.4f} ms, min {min(runs):.4f}",
                  flush=True)
    for name, medians in found.items():
        kind = " (captured answer)" if args.captured else ""
        print(f"{name}: {args.query}{kind} web-side CPU per request, median of rounds "
              f"{statistics.median(medians):.4f} ms")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
