"""Every query is bounded: a timeout that really stops the work, a row cap that says so, and
other requests answered while a query runs long."""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from icskg.config import load_settings
from icskg.store import EmbeddedStore
from icskg.web import create_app
from tests.processes import wait_until_idle

CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "ASK { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"
# Sends nothing until it ends, which it never does: only its time limit stops it.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process, or None once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    if fields[0] == "Z":
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_timeout_stops_the_query_and_frees_the_cpu(client, store):
    client.get("/sparql", query_string={"query": CHEAP})  # start the query processes
    before = set(store._processes().pool.idle_pids())
    response = client.get("/sparql", query_string={"query": CARTESIAN, "timeout": "1"})
    assert response.status_code == 503
    assert "time limit of 1 s" in response.get_data(as_text=True)
    after = set(store._processes().pool.idle_pids())
    stopped = before - after
    assert len(stopped) == 1, "the process that ran the query was replaced"
    assert cpu_seconds(stopped.pop()) is None, "the stopped query's process is gone"
    wait_until_idle(after)  # the replacement starts up, then nothing is left running
    assert client.get("/sparql", query_string={"query": CHEAP}).get_json()["boolean"] is True


@pytest.mark.parametrize("bad", ["0", "-3", "soon", "inf", "nan"])
def test_a_bad_timeout_parameter_is_400(client, bad):
    response = client.get("/sparql", query_string={"query": CHEAP, "timeout": bad})
    assert response.status_code == 400
    assert "timeout=" in response.get_data(as_text=True)


def test_row_cap_cuts_the_answer_and_says_so(data_dir, store):
    app = create_app(load_settings({"data_dir": data_dir, "max_rows": 5}, environ={}),
                     EmbeddedStore(data_dir, query_processes=1))
    client = app.test_client()
    query = "SELECT ?pcn WHERE { ?pcn a <https://w3id.org/icskg/def/PrimaryCareNetwork> }"
    response = client.get("/sparql", query_string={"query": query})
    assert len(response.get_json()["results"]["bindings"]) == 5
    assert response.headers["X-ICSKG-Limit"] == "rows=5"
    describe = client.get("/sparql", query_string={
        "query": "DESCRIBE <https://w3id.org/icskg/id/org/QYG>", "format": "ntriples"})
    assert describe.get_data(as_text=True).count("\n") == 5
    assert describe.headers["X-ICSKG-Limit"] == "rows=5"
    small = client.get("/sparql", query_string={"query": CHEAP})
    assert "X-ICSKG-Limit" not in small.headers


def test_answers_are_cut_at_a_byte_limit_and_say_so(data_dir, store):
    """Issue 17: a short query asked for hundreds of megabytes. Now an answer carries at most
    ICSKG_MAX_ANSWER_BYTES of data, cut at a whole row, and stays a valid document."""
    app = create_app(load_settings({"data_dir": data_dir, "max_answer_bytes": 100_000}, environ={}),
                     EmbeddedStore(data_dir, query_processes=1))
    client = app.test_client()
    response = client.get("/sparql", query_string={"query": CARTESIAN, "timeout": "20"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["X-ICSKG-Limit"] == "bytes=100000"
    rows = response.get_json()["results"]["bindings"]
    assert 0 < len(rows) < 1000 and all(len(row) == 9 for row in rows)
    triples = client.get("/sparql", query_string={
        "query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "format": "ntriples"})
    assert triples.headers.get("X-ICSKG-Limit") == "bytes=100000", (triples.status_code, triples.headers)
    body = triples.get_data()
    assert 99_000 < len(body) <= 100_000 and body.endswith(b" .\n")
    described = client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert "100,000 bytes" in described and "X-ICSKG-Limit" in described
    assert "X-ICSKG-Limit" not in client.get("/sparql", query_string={"query": CHEAP}).headers


def test_a_query_process_that_keeps_too_much_memory_is_replaced(data_dir, store):
    """Idle query processes give memory back: one that still holds more than
    ICSKG_QUERY_IDLE_MEMORY_MB after answering is replaced by a fresh one."""
    from icskg.store import Limits
    from icskg.store.executor import QueryProcesses

    for keep_mb, replaced in ((1, True), (4096, False)):
        pool = QueryProcesses(data_dir / "store", size=1, idle_memory_mb=keep_mb)
        try:
            before = pool.pool.idle_pids()[0]
            assert list(pool.run(CHEAP, [], [], Limits(timeout=20, max_rows=10)).rows()) == [("true",)]
            after = pool.pool.idle_pids()[0]
            assert (after != before) is replaced
            assert list(pool.run(CHEAP, [], [], Limits(timeout=20, max_rows=10)).rows()) == [("true",)]
        finally:
            pool.close()


@pytest.mark.server
@pytest.mark.slow
def test_long_queries_do_not_stop_health_checks_and_cheap_queries(live_server):
    import http.client
    from urllib.parse import urlparse

    def long_query() -> None:  # from another client's address (each has its own lanes)
        server = urlparse(live_server)
        connection = http.client.HTTPConnection(server.hostname, server.port, timeout=30,
                                                source_address=("127.0.0.3", 0))
        try:
            connection.request("GET", "/sparql?" + urlencode({"query": CARTESIAN, "timeout": "10"}))
            connection.getresponse().read()
        except OSError:
            pass
        finally:
            connection.close()

    runners = [threading.Thread(target=long_query) for _ in range(2)]
    for runner in runners:
        runner.start()
    time.sleep(0.5)  # the long queries reach the server (if not, they only run later)
    with urllib.request.urlopen(live_server + "/healthz", timeout=10) as health:
        assert health.status == 200
    cheap = live_server + "/sparql?" + urlencode({"query": CHEAP})
    with urllib.request.urlopen(urllib.request.Request(
            cheap, headers={"Accept": "application/sparql-results+json"}), timeout=10) as answer:
        assert b"true" in answer.read()
    assert all(runner.is_alive() for runner in runners), "answered while the long queries ran"
    for runner in runners:
        runner.join()


def test_a_query_that_exhausts_memory_is_stopped_and_the_service_lives(data_dir, store):
    """A string doubled 32 times would need 40 GiB: the query process hits its memory limit."""
    app = create_app(load_settings({"data_dir": data_dir, "query_memory_mb": 512}, environ={}),
                     EmbeddedStore(data_dir, query_processes=1, query_memory_mb=512))
    client = app.test_client()
    binds = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(32))
    query = f'SELECT (STRLEN(?a32) AS ?n) WHERE {{ BIND("0123456789" AS ?a0) {binds} }}'
    response = client.get("/sparql", query_string={"query": query, "timeout": "20"})
    assert response.status_code in (400, 503), response.get_data(as_text=True)
    assert "memory" in response.get_data(as_text=True)
    assert client.get("/sparql", query_string={"query": CHEAP}).get_json()["boolean"] is True


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command (state, parent, ...); [] once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _below_workers(master: int) -> list[int]:
    """The processes below the web workers of ``icskg serve`` (query processes and their helpers)."""
    from bench.memory import descendants

    return [pid for pid in descendants(master) if pid != master and _stat(pid)[1:2] != [str(master)]]


@pytest.mark.server
@pytest.mark.slow
def test_under_load_of_timed_out_queries_cheap_queries_are_answered_and_no_query_survives(
        live_server_process):
    """Issue 18: Oxigraph server's own timeout keeps a thread per query and stops answering under
    load. icskg kills each timed-out query's process: while many endless queries time out, cheap
    queries are answered, and afterwards no query is left running and no process is left over."""
    import http.client
    from urllib.parse import urlparse

    base, master = live_server_process
    server = urlparse(base)
    statuses: list[int] = []

    def endless(address: str) -> None:  # each from an address of its own (per-client lanes)
        for _ in range(2):
            connection = http.client.HTTPConnection(server.hostname, server.port, timeout=60,
                                                    source_address=(address, 0))
            connection.request("GET", "/sparql?" + urlencode({"query": ENDLESS, "timeout": "2"}))
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            connection.close()

    runners = [threading.Thread(target=endless, args=(f"127.0.0.{i}",)) for i in range(10, 14)]
    for runner in runners:
        runner.start()
    cheap = urllib.request.Request(base + "/sparql?" + urlencode({"query": CHEAP}),
                                   headers={"Accept": "application/sparql-results+json"})
    def ask() -> tuple[int, bytes, str | None]:
        try:
            with urllib.request.urlopen(cheap, timeout=30) as answer:  # a hang fails here
                return answer.status, answer.read(), None
        except urllib.error.HTTPError as refused:
            with refused:
                return refused.code, refused.read(), refused.headers.get("Retry-After")

    # Every cheap query is answered: with its answer, or, while every query process of the
    # worker it reached is taken by an endless one (how often depends on the machine's load), a
    # 503 that says when to come back. Never a hang, never another status.
    while any(runner.is_alive() for runner in runners):
        status, body, retry_after = ask()
        assert (status == 200 and b"true" in body) or (status == 503 and retry_after), (status, body)
    for runner in runners:
        runner.join()
    assert statuses == [503] * 8, statuses
    status, body, _ = ask()
    assert status == 200 and b"true" in body, "the cheap query is answered once the load is gone"
    left = _below_workers(master)
    wait_until_idle(left)  # an endless query still running would keep its process busy
    states = {pid: fields[0] for pid in _below_workers(master) if (fields := _stat(pid))}
    assert "Z" not in states.values(), states
    settings = load_settings(environ={})
    # each worker: its query and validation processes and at most two helpers (fork server,
    # resource tracker); a killed query's process is not among them
    assert len(states) <= 2 * (settings.query_processes + settings.validation_processes + 2), states


LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"


def test_lookups_are_answered_while_every_query_process_is_busy(data_dir, store):
    """A lookup of one triple pattern is bounded by its answer, so the web worker answers it
    itself: long queries that hold every query process do not hold up the lookups that
    linked-data pages and dashboards send."""
    from icskg.store import Limits

    busy = EmbeddedStore(data_dir, query_processes=1)
    limits = Limits(timeout=60, max_rows=1000)
    assert busy.query(CHEAP, limits=limits).payload  # the query process is ready
    (process,) = busy._processes().pool.idle_pids()
    ended: list[str] = []

    def endless() -> None:
        try:
            busy.query(ENDLESS, limits=limits)
        except Exception as exc:  # how it ended is checked below
            ended.append(type(exc).__name__)

    runner = threading.Thread(target=endless)
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while busy._processes().pool.idle_pids():  # until the long query has the process
            assert time.monotonic() < deadline and runner.is_alive(), ended
            time.sleep(0.01)
        answer = busy.query(LOOKUP, limits=limits)
        assert b"https://w3id.org/icskg/id/org/99A" in answer.serialize(answer_format("tsv"))
        assert list(busy.query(CHEAP, limits=limits).rows()) == [("true",)]
        assert runner.is_alive() and not ended, "answered while the long query held the process"
    finally:
        os.kill(process, 9)  # the long query's end: its process is gone, and the caller hears so
        runner.join(timeout=30)
        busy._processes().close()
    assert ended == ["QueryEngineFailure"]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize(("query", "max_rows"), [
    (LOOKUP, 1000), (LOOKUP, 3), (CHEAP, 10),
    ('SELECT ?s ?p WHERE { ?s ?p "E08000015" }', 1000),
    ("SELECT * WHERE { ?s ?p ?o }", 7),  # cut at the row cap here
    ("SELECT * WHERE { ?s ?p ?o }", 2500),  # longer than is answered here: a query process does
])
def test_a_lookup_answered_in_the_web_worker_is_the_query_processes_answer(data_dir, store, query,
                                                                           max_rows, fmt):
    from icskg.store import Limits
    from icskg.store.executor import QueryProcesses

    limits = Limits(timeout=60, max_rows=max_rows)
    formats = {"bindings": answer_format(fmt), "boolean": answer_format(fmt)}
    embedded = EmbeddedStore(data_dir, query_processes=1)
    pool = QueryProcesses(data_dir / "store", size=1)
    try:
        here = embedded.query(query, limits=limits, formats=formats)
        there = pool.run(query, [], [], limits, formats=formats)
    finally:
        pool.close()
        if embedded._pool is not None:  # started for an answer too long for the web worker
            embedded._pool.close()
    assert (here.serialize(answer_format(fmt)), here.limit_hit) == \
        (there.serialize(answer_format(fmt)), there.limit_hit)


def answer_format(name: str):
    from icskg.formats import RESULT_FORMATS

    return next(f for f in RESULT_FORMATS if f.name == name)
