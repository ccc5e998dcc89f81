"""A bounded load test on loopback: cheap and expensive queries at once, against a running server.

    .venv/bin/python bench/load.py http://127.0.0.1:8000 --clients 8 --seconds 20

Half the clients send cheap lookups, half send a query that can only end at its time limit. It
reports every status seen and the latency of the cheap queries; anything but 200 for a cheap
query, or anything but 200/503 for an expensive one, is an error. Requests go only to the URL
given (use a loopback address) and stop after ``--seconds``.

    .venv/bin/python bench/load.py http://127.0.0.1:8000 --attack slow --seconds 20

``--attack`` runs one of issue 17's denial-of-service attacks instead (``slow``: connections
that send a request a byte every 2 s; ``long``: queries that run 30 s; ``downloads``: whole-
dataset downloads), with ``--clients`` attackers, while two probes time ``/healthz`` and a cheap
lookup one after another; it reports their p50 and p99 and any failure.
"""

from __future__ import annotations

import argparse
import http.client
import socket
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


def _source(number: int, base: str) -> tuple[str, int] | None:
    """A loopback source address of its own for client ``number`` (each a different user to
    the server's per-address limits), when the server is on 127.0.0.1."""
    return (f"127.0.1.{number + 1}", 0) if urlparse(base).hostname == "127.0.0.1" else None


def _client(base: str, expensive: bool, until: float, timeout_s: float, outcome: Outcome,
            lock: threading.Lock, number: int = 0) -> None:
    url = urlparse(base)
    source = _source(number, base)
    query = EXPENSIVE if expensive else CHEAP
    path = "/sparql?" + urlencode({"query": query, "timeout": timeout_s} if expensive else {"query": query})
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout_s + 30,
                                            source_address=source)
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            response.read()
            status = response.status
        except OSError as exc:
            connection.close()
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout_s + 30,
                                                    source_address=source)
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
        threading.Thread(target=_client, args=(base, i % 2 == 1, until, timeout_s, outcome, lock, i))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def _attacker(base: str, kind: str, until: float, outcome: Outcome, lock: threading.Lock) -> None:
    """One attacker; all of them share one address (127.0.0.2), as one hostile client would."""
    url = urlparse(base)
    source = ("127.0.0.2", 0) if url.hostname == "127.0.0.1" else None
    if kind == "slow":
        while time.monotonic() < until:  # one byte every 2 s, reconnecting when dropped
            try:
                with socket.create_connection((url.hostname, url.port), timeout=5,
                                              source_address=source) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                    while time.monotonic() < until:
                        time.sleep(2)
                        sock.sendall(b"X")
            except OSError:
                with lock:
                    outcome.statuses["slow dropped"] += 1
        return
    path = ("/download/icskg.trig" if kind == "downloads" else
            "/sparql?" + urlencode({"query": EXPENSIVE, "timeout": 30}))
    while time.monotonic() < until:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60,
                                                source_address=source)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            with lock:
                outcome.statuses[f"{kind} {response.status}"] += 1
        except OSError as exc:
            with lock:
                outcome.statuses[f"{kind} {type(exc).__name__}"] += 1
        finally:
            connection.close()


def _probe(base: str, path: str, until: float, seconds: list[float], failures: list[str]) -> None:
    url = urlparse(base)
    while time.monotonic() < until:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{path}: HTTP {response.status}")
        except OSError as exc:
            failures.append(f"{path}: {exc!r}")
        finally:
            connection.close()
        seconds.append(time.perf_counter() - started)
        time.sleep(0.05)


def attack(base: str, kind: str, clients: int = 16, seconds: float = 20.0) -> dict:
    """Run ``clients`` attackers of ``kind`` for ``seconds``, timing ``/healthz`` and a cheap
    lookup meanwhile (after a second for the attack to take hold)."""
    outcome, lock = Outcome(), threading.Lock()
    until = time.monotonic() + seconds
    attackers = [threading.Thread(target=_attacker, args=(base, kind, until, outcome, lock), daemon=True)
                 for _ in range(clients)]
    for thread in attackers:
        thread.start()
    time.sleep(1)
    probes = {"healthz": "/healthz", "cheap": "/sparql?" + urlencode({"query": CHEAP})}
    timings: dict[str, list[float]] = {name: [] for name in probes}
    failures: list[str] = []
    threads = [threading.Thread(target=_probe, args=(base, path, until, timings[name], failures))
               for name, path in probes.items()]
    for thread in threads:
        thread.start()
    for thread in threads + attackers:
        thread.join()
    summary: dict = {"attack": kind, "attackers": clients, "seconds": seconds}
    for name, values in timings.items():
        values.sort()
        summary[f"{name}_requests"] = len(values)
        summary[f"{name}_p50_ms"] = round(1000 * statistics.median(values), 1) if values else None
        summary[f"{name}_p99_ms"] = round(1000 * values[int(0.99 * (len(values) - 1))], 1) if values else None
    summary["probe_failures"] = len(failures)
    summary["attack_outcomes"] = dict(outcome.statuses)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the server's base URL, on loopback")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--timeout", type=float, default=2.0, help="timeout= sent with expensive queries")
    parser.add_argument("--attack", choices=("slow", "long", "downloads"))
    args = parser.parse_args()
    if args.attack:
        summary = attack(args.base, args.attack, args.clients, args.seconds)
    else:
        summary = run(args.base, args.clients, args.seconds, args.timeout).summary()
    for key, value in summary.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
