"""The killable query processes: which queries count as slow, and what happens to them."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from icskg.killable import SLOW_AFTER, cpu_seconds
from icskg.store import Limits
from icskg.store.executor import QueryProcesses
from tests.processes import wait_until_idle

CHEAP = "ASK { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"
# More than a second of CPU on the real graph: every sub-ICB location paired with every triple.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?sub a ics:SubICBLocation . ?s ?p ?o }"
LIMITS = Limits(timeout=60, max_rows=1000)
OWN_PRIORITY = os.getpriority(os.PRIO_PROCESS, 0)  # what query processes start at (pytest under nice)


@pytest.fixture()
def one_process(data_dir, store):
    pool = QueryProcesses(data_dir / "store", size=1)
    yield pool
    pool.close()


def the_process(pool: QueryProcesses) -> int:
    return pool.pool.idle_pids()[0]


def test_a_query_that_waited_for_the_cpu_is_not_slow(one_process):
    """On a busy machine a cheap query can wait far past SLOW_AFTER without using the CPU; it must
    keep its priority and its process (a new one would start with cold caches)."""
    one_process.run(CHEAP, [], [], LIMITS)
    process = the_process(one_process)
    os.kill(process, signal.SIGSTOP)  # as if other work had the CPU
    answers = []
    runner = threading.Thread(target=lambda: answers.append(one_process.run(CHEAP, [], [], LIMITS)))
    runner.start()
    time.sleep(SLOW_AFTER * 3)
    os.kill(process, signal.SIGCONT)
    runner.join(timeout=30)
    assert answers and b"true" in answers[0].payload
    assert the_process(one_process) == process, "the process was kept"
    assert os.getpriority(os.PRIO_PROCESS, process) == OWN_PRIORITY, "its priority was not lowered"


def test_a_query_that_uses_the_cpu_is_slowed_until_it_answers(data_dir, store):
    """The process keeps its warm caches (a new one would start cold, and a query slow only
    because of cold caches would make every next one cold too). Where the server may raise a
    priority again (root here), the process gets its own back when it answers: left lowered, it
    would run every later query behind any other process on the machine. Elsewhere it stays
    lowered and cheap queries go to the others."""
    pool = QueryProcesses(data_dir / "store", size=2)
    try:
        pool.run(CHEAP, [], [], LIMITS)
        heavy_pid = pool.pool.idle_pids()[-1]  # the next one chosen
        niceness, answers = [OWN_PRIORITY], []
        runner = threading.Thread(target=lambda: answers.append(pool.run(HEAVY, [], [], LIMITS)))
        runner.start()
        while runner.is_alive():
            niceness.append(os.getpriority(os.PRIO_PROCESS, heavy_pid))
            time.sleep(0.02)
        runner.join()
        assert answers and b"?n" in answers[0].payload
        assert max(niceness) > OWN_PRIORITY, "its priority was lowered while it ran"
        wait_until_idle(pool.pool.idle_pids())
        before = {pid: cpu_seconds(pid) for pid in pool.pool.idle_pids()}
        assert heavy_pid in before, "the process was kept"
        if os.geteuid() == 0:
            assert os.getpriority(os.PRIO_PROCESS, heavy_pid) == OWN_PRIORITY, "its priority came back"
            return
        for _ in range(300):
            pool.run(CHEAP, [], [], LIMITS)
        used = {pid: cpu_seconds(pid) - cpu for pid, cpu in before.items()}
        assert used[heavy_pid] < 0.02, f"cheap queries went to the other process: {used}"
    finally:
        pool.close()


def test_prefixes_are_predeclared_and_a_query_may_redefine_them(one_process):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?icb a ics:IntegratedCareBoard }"
    answer = one_process.run(count, [], [], LIMITS)
    assert answer.payload.split(b"\n")[1].startswith(b"42")
    own = "PREFIX ics: <http://example.org/> " + count
    assert one_process.run(own, [], [], LIMITS).payload.split(b"\n")[1].startswith(b"0")


def test_light_traffic_keeps_to_one_warm_process(data_dir, store):
    """Each query process has its own caches: one client's queries should all go to the same one."""
    pool = QueryProcesses(data_dir / "store", size=2)
    try:
        pids = pool.pool.idle_pids()
        pool.run(CHEAP, [], [], LIMITS)
        wait_until_idle(pids)  # both have finished starting up
        before = {pid: cpu_seconds(pid) for pid in pids}
        for _ in range(1000):  # enough for the one that answers to use clearly more than 0.02 s
            pool.run(CHEAP, [], [], LIMITS)
        used = sorted(cpu_seconds(pid) - before[pid] for pid in pids)
        assert used[0] < 0.02 < used[1], used
    finally:
        pool.close()


def test_only_the_prefixes_a_query_uses_and_leaves_undeclared_are_passed_to_the_engine():
    from icskg.namespaces import PREFIXES
    from icskg.sparql.facts import prefixes_used

    query = "PREFIX ics: <http://example.org/> SELECT * { ?s a ics:X ; org:memberOf ?o ; rdfs:label ?l }"
    assert prefixes_used(query) == {"org": PREFIXES["org"], "rdfs": PREFIXES["rdfs"]}
    assert prefixes_used("SELECT * { ?s ?p ?o }") is None
    commented_out = "# PREFIX ics: <http://example.org/>\nSELECT * { ?s a ics:X }"
    assert prefixes_used(commented_out) == {"ics": PREFIXES["ics"]}


ANSWERS = [  # (query, kind): each cut by a small row cap, and not
    ("SELECT ?pcn ?name WHERE { ?pcn a ics:PrimaryCareNetwork ; rdfs:label ?name } ORDER BY ?pcn",
     "bindings"),
    ('SELECT ?x WHERE { VALUES ?x { "a},{b" "}},{\\"" "<result>" } }', "bindings"),
    ("CONSTRUCT { ?pcn ?p ?o } WHERE { ?pcn a ics:PrimaryCareNetwork ; ?p ?o } ORDER BY ?pcn", "graph"),
    ("ASK { ?pcn a ics:PrimaryCareNetwork }", "boolean"),
]


@pytest.mark.parametrize(("query", "kind"), ANSWERS)
@pytest.mark.parametrize("max_rows", [2, 3, 100_000])
def test_an_answer_comes_in_the_format_asked_for_cut_at_the_same_row(one_process, query, kind, max_rows):
    """Asked for a format, the query process answers in it (nothing converts it again), with
    the same rows, the same cut at the row cap and the same bytes as the answer converted from
    the line form; a value that looks like the boundary between two rows changes nothing."""
    from icskg.formats import RDF_FORMATS, RESULT_FORMATS

    limits = Limits(timeout=60, max_rows=max_rows)
    in_lines = one_process.run(query, [], [], limits)
    for fmt in RDF_FORMATS if kind == "graph" else RESULT_FORMATS:
        answer = one_process.run(query, [], [], limits, formats={kind: fmt})
        assert answer.serialize(fmt) == in_lines.serialize(fmt), fmt.name
        assert answer.limit_hit == in_lines.limit_hit, fmt.name
        assert list(answer.rows()) == list(in_lines.rows()), fmt.name
        if fmt.name in ("json", "xml", "turtle") and not answer.limit_hit and max_rows > 3:
            assert answer.serialize(fmt) is answer.payload, f"{fmt.name} was converted again"
    if max_rows == 2 and kind != "boolean":
        assert in_lines.limit_hit == "rows=2" and len(list(in_lines.rows())) == 2


def test_queries_that_come_while_the_processes_start_share_them(data_dir, store):
    """A web worker starts its query processes in a thread while it already answers requests:
    queries that come meanwhile wait for those processes instead of starting more of their own."""
    from icskg.store import EmbeddedStore

    embedded = EmbeddedStore(data_dir, query_processes=1)
    pools: list[QueryProcesses] = []
    threads = [threading.Thread(target=lambda: pools.append(embedded._processes())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len({id(pool) for pool in pools}) == 1, "one set of query processes, started once"
        count = "SELECT (COUNT(*) AS ?n) WHERE { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"
        assert b"?n" in embedded.query(count, limits=LIMITS).payload
    finally:
        for pool in pools:
            pool.close()
