"""Where one request's time goes, stage by stage, measured in one process pinned like the server.

Each stage is timed alone (median of many calls) on the same store and query: the engine in
this process; the same query through a pool of one killable query process (a pipe each way, the
query and TSV in the child); re-serialising that answer as SPARQL JSON; the whole Flask app in
this process (routing, checks, ETag, the query process, serialising) without sockets; and
``/healthz`` through Flask, the floor of any request. What HTTP adds on top (gunicorn, the
socket, the access log, the client) is the measured HTTP p50 less the Flask figure.
"""

from __future__ import annotations

import multiprocessing
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.queries import Query
from bench.servers import ACCEPT, query_path
from bench.timing import pin

CALLS = 300


def median_ms(call: Callable[[], object], calls: int, warm_up: int = 20) -> float:
    """The median time of ``calls`` calls, in milliseconds, after ``warm_up`` untimed ones."""
    for _ in range(min(warm_up, calls)):
        call()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _stages(data_dir: str, queries: list[tuple[str, str, str]], cpu: int | None, calls: int) -> dict:
    import os

    import pyoxigraph as ox

    from icskg.config import load_settings
    from icskg.formats import RESULT_FORMATS, by_name
    from icskg.store import Limits
    from icskg.store.executor import QueryProcesses
    from icskg.web import create_app

    if cpu is not None:
        pin(cpu)
    settings = load_settings({"data_dir": data_dir, "answer_cache_bytes": 0})  # every call works
    link = Path(data_dir) / "store"
    store = ox.Store.read_only(os.path.realpath(link))
    pool = QueryProcesses(link, size=1, memory_mb=settings.query_memory_mb)
    client = create_app(settings).test_client()
    limits = Limits(settings.query_timeout, settings.max_rows)
    json_format = by_name("json", RESULT_FORMATS)
    accept = {"Accept": ACCEPT["bindings"]}
    out = {"healthz": median_ms(lambda: client.get("/healthz"), calls)}
    for name, text, kind in queries:
        if kind != "bindings":
            continue
        answer = pool.run(text, [], [], limits)
        path = query_path(text)
        out[name] = {
            "engine": median_ms(lambda t=text: store.query(t, use_default_graph_as_union=True).serialize(
                format=ox.QueryResultsFormat.JSON), calls),
            "query_process": median_ms(lambda t=text: pool.run(t, [], [], limits), calls),
            "to_json": median_ms(lambda a=answer: a.serialize(json_format), calls),
            "flask": median_ms(lambda p=path: client.get(p, headers=accept), calls),
        }
    pool.close()
    return out


def measure(data_dir: Path, queries: list[Query], cpu: int | None, calls: int = CALLS) -> dict:
    """The stages of each cheap SELECT in ``queries``, in milliseconds (medians)."""
    chosen = [(q.name, q.text, q.kind) for q in queries]
    # A process pool's workers may start children (the query process), unlike Pool's daemons.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_stages, str(data_dir), chosen, cpu, calls).result()
