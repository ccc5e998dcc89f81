"""A bounded load test on loopback: cheap and expensive queries at once, against a running server.

    .venv/bin/python bench/load.py http://127.0.0.1:8000 --clients 8 --seconds 20

Half the clients send cheap lookups, half send a query that can only end at its time limit. It
reports every status seen and the latency of the cheap queries; anything but 200 for a cheap
query, or anything but 200/503 for an expensive one, is an error. Requests go only to the URL
given (use a loopback address) and stop after ``--seconds``.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlparse

CHEAP = "ASK { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"
EXPENSIVE = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@dataclass
class Outcome:
    cheap_seconds: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        latencies = sorted(self.cheap_seconds)
        return {
            "cheap_requests": len(latencies),
            "cheap_p50_ms": 1000 * statistics.median(latencies) if latencies else None,
            "cheap_p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
            "statuses": dict(self.statuses),
            "errors": len(self.errors),
        }


def _client(base: str, expensive: bool, until: float, timeout_s: float, outcome: Outcome,
            lock: threading.Lock) -> None:
    url = urlparse(base)
    query = EXPENSIVE if expensive else CHEAP
    path = "/sparql?" + urlencode({"query": query, "timeout": timeout_s} if expensive else {"query": query})
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout_s + 30)
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError as exc:
            connection.close()
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout_s + 30)
            with lock:
                outcome.errors.append(f"{'expensive' if expensive else 'cheap'}: {exc!r}")
            continue
        elapsed = time.perf_counter() - started
        kind = "expensive" if expensive else "cheap"
        with lock:
            outcome.statuses[f"{kind} {status}"] += 1
            if not expensive:
                outcome.cheap_seconds.append(elapsed)
            if (expensive and status not in (200, 503)) or (not expensive and status != 200):
                outcome.errors.append(f"{kind}: HTTP {status}")
    connection.close()


def run(base: str, clients: int = 8, seconds: float = 20.0, timeout_s: float = 2.0) -> Outcome:
    """Run the load for ``seconds`` with ``clients`` threads, half cheap and half expensive."""
    outcome, lock = Outcome(), threading.Lock()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(base, i % 2 == 1, until, timeout_s, outcome, lock))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the server's base URL, on loopback")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=2.0, help="timeout= sent with expensive queries")
    args = parser.parse_args()
    summary = run(args.base, args.clients, args.seconds, args.timeout).summary()
    for key, value in summary.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
