"""A starting server's first answers: ``icskg serve`` from two source trees, side by side.

    python -m bench.cold_start DATA_DIR [--before SRC_TREE] [--rounds 3]

DATA_DIR holds a built store (``icskg build``). Each round starts each tree's server twice, in
turn (the order alternates), as ``bench run`` starts it (the ``icskg`` command, pinned to CPU 0,
in a session of its own); this process runs on CPU 1. From process start it times the first 200
from ``/healthz`` (``bench run``'s cold start), then, on the first start, a COUNT query sent at
once (it needs a query process) and the lookups answered in the next few seconds (one client,
distinct texts: what the validation processes' warm-up leaves them); on the second, an upload to
``/validate`` sent at once (it waits for a validation process's warm-up) and the CPU the server's
process tree has used once it is idle after it (start-up, warm-ups and that one validation).
``--before`` names a checkout whose ``src`` is imported instead of this tree's. Prints the
medians with their ranges and the load average.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.memory import tree_cpu_seconds
from bench.servers import Icskg, get
from bench.timing import pin
from icskg.resources import EXAMPLES_DIR

BENCH_DIR = Path(__file__).resolve().parent
QYG = "<https://w3id.org/icskg/id/org/QYG>"
COUNT = "/sparql?" + urlencode({"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {QYG} ?p ?o }}"})
JSON = {"Accept": "application/sparql-results+json"}


def _lookups(port: int, seconds: float) -> list[float]:
    """Seconds of each lookup answered in ``seconds``, one after another on one connection."""
    times, n = [], 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        conn.request("GET", "/sparql?" + urlencode({"query": f"ASK {{ {QYG} ?p ?o }} # {n}"}), headers=JSON)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"a lookup was answered {response.status}")
        times.append(time.perf_counter() - started)
        n += 1
    conn.close()
    return sorted(times)


def _idle_cpu(pid: int, quiet: float = 1.5, limit: float = 20.0) -> float:
    """The tree's CPU seconds once it has used none for ``quiet`` seconds (or after ``limit``)."""
    last, since, deadline = tree_cpu_seconds(pid), time.monotonic(), time.monotonic() + limit
    while time.monotonic() < deadline and time.monotonic() - since < quiet:
        time.sleep(0.25)
        now = tree_cpu_seconds(pid)
        if now > last:
            last, since = now, time.monotonic()
    return last


def _queries(data_dir: Path, env: dict, log: Path, seconds: float) -> dict[str, float]:
    with Icskg(data_dir, log, 0, env=env) as server:
        out = {"healthz s": server.ready_seconds}
        started = time.perf_counter()
        status, _ = get(server.port, COUNT, JSON)
        if status != 200:
            raise RuntimeError(f"the COUNT query was answered {status}")
        out["first COUNT, s after start"] = server.ready_seconds + time.perf_counter() - started
        times = _lookups(server.port, seconds)
        out[f"lookups in the next {seconds:g} s"] = len(times)
        out["their p50 ms"] = times[len(times) // 2] * 1000
        out["their p90 ms"] = times[int(len(times) * 0.9)] * 1000
    return out


def _upload(data_dir: Path, env: dict, log: Path) -> dict[str, float]:
    body = (EXAMPLES_DIR / "icb-breaches.ttl").read_bytes()
    with Icskg(data_dir, log, 0, env=env) as server:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
        conn.request("POST", "/validate?regime=hca2022", body=body,
                     headers={"Content-Type": "text/turtle", "Accept": "application/json"})
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"the upload was answered {response.status}")
        return {"first upload, s after start": server.ready_seconds + time.perf_counter() - started,
                "tree CPU s when idle after it": _idle_cpu(server.process.pid)}


def _n(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--before", type=Path, help="a checkout to compare with (its src is imported)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="how long lookups are counted")
    args = parser.parse_args(argv)
    pin(1)
    trees = {"after": {}, **({"before": {"PYTHONPATH": str(args.before.resolve() / "src")}}
                             if args.before else {})}
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    print(f"load average before: {os.getloadavg()}")
    for round_ in range(args.rounds):
        for name, env in (list(trees.items()) if round_ % 2 == 0 else list(trees.items())[::-1]):
            log = BENCH_DIR / ".work" / "cold_start" / f"{name}.log"
            row = _queries(args.data_dir, env, log, args.seconds) | _upload(args.data_dir, env, log)
            figures[name].append(row)
            shown = ", ".join(f"{k} {_n(v)}" for k, v in row.items())
            print(f"round {round_ + 1}, {name}: {shown}", flush=True)
    print(f"load average after: {os.getloadavg()}\n")
    print("| | " + " | ".join(figures) + " |\n|---|" + "---:|" * len(figures))
    for key in figures["after"][0]:
        cells = []
        for rows in figures.values():
            values = [row[key] for row in rows]
            cells.append(f"{_n(statistics.median(values))} ({_n(min(values))}-{_n(max(values))})")
        print(f"| {key} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
