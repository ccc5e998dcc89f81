"""Query processes cannot reach any network, whatever the query says.

The SERVICE check (test_guard.py) is a friendly first answer; this is the defence. Every spelling
of SERVICE that once got past the keyword check is sent three ways: straight to the query
processes (no check at all), and by GET and POST to the real server. A loopback canary that
answers with a secret must see nothing, and no answer may carry its secret. A control runs the
same queries on the same engine in this process, outside the isolation, and the canary sees them.
"""

from __future__ import annotations

import http.server
import multiprocessing
import threading
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

from icskg.offline import cut_off_network
from icskg.store import Limits

SECRET = "canary-secret-7f3a"


@pytest.fixture()
def canary():
    """A loopback HTTP server that records each request and answers 500 with a secret body."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = f"internal page: {SECRET}".encode()
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", hits
    server.shutdown()
    server.server_close()


# The spellings of issue 17 that passed the keyword check, in every place a pattern can stand.
# ``{base}`` is the canary's root; each query calls it once its first pattern has matched.
SPELLINGS = {
    "prefix-colon": "PREFIX : <{base}>\nSELECT * WHERE {{ SERVICE:name {{ ?s ?p ?o }} }}",
    "comment-after-filter": "SELECT * WHERE {{ FILTER(1<2)SERVICE#>\n<{base}x> {{ ?s ?p ?o }} }}",
    "glued-number": "SELECT * WHERE {{ ?s ?p 1SERVICE <{base}x> {{ ?a ?b ?c }} }}",
    "glued-true": "SELECT * WHERE {{ ?s ?p trueSERVICE <{base}x> {{ ?a ?b ?c }} }}",
    "sub-query": "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{base}x> {{ ?s ?p ?o }} }} }} }}",
    "exists": "PREFIX : <{base}>\nSELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE:x {{ ?a ?b ?c }} }} }}",
    "optional": "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{base}x> {{ ?s ?b ?c }} }} }}",
    "minus": "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{base}x> {{ ?s ?b ?c }} }} }}",
    "construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{base}x> {{ ?s ?p ?o }} }}",
    "describe": "DESCRIBE ?s WHERE {{ SERVICE <{base}x> {{ ?s ?p ?o }} }}",
}


def _control_store():
    """An in-memory pyoxigraph store whose triples let every spelling's first pattern match."""
    import pyoxigraph as ox

    control = ox.Store()
    for value in (ox.Literal(1), ox.Literal(True)):
        control.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), value))
    return control


@pytest.mark.parametrize("name", SPELLINGS)
def test_without_isolation_the_engine_calls_out(canary, name):
    """The control: the same query, on the same engine outside a query process, reaches the
    canary (and the engine copies its secret into the error)."""
    base, hits = canary
    try:
        answer = _control_store().query(SPELLINGS[name].format(base=base))
        list(answer)
    except OSError:
        pass
    assert hits, f"{name}: the engine made no request, so the test below would prove nothing"


@pytest.mark.parametrize("name", SPELLINGS)
def test_query_processes_cannot_reach_the_network(store, canary, name):
    """Past every keyword check, straight to the query processes: nothing gets out."""
    from icskg.store import QueryEvaluationError

    base, hits = canary
    try:
        result = store.query(SPELLINGS[name].format(base=base), limits=Limits(timeout=20, max_rows=10))
        list(result.rows())
    except QueryEvaluationError as exc:
        assert SECRET not in str(exc)
    assert hits == []


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("name", SPELLINGS)
def test_no_spelling_gets_out_over_http(live_server, canary, method, name):
    base, hits = canary
    query = SPELLINGS[name].format(base=base)
    if method == "GET":
        request = urllib.request.Request(live_server + "/sparql?" + urlencode({"query": query}))
    else:
        request = urllib.request.Request(live_server + "/sparql", data=query.encode(), method="POST",
                                         headers={"Content-Type": "application/sparql-query"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    assert status == 400, body[:300]  # the friendly refusal (test_sparql_tokens.py)
    assert SECRET not in body
    assert hits == []


def _fetch(url: str, cut_off: bool, answer) -> None:
    if cut_off:
        cut_off_network()
    try:
        urllib.request.urlopen(url, timeout=5)
    except urllib.error.HTTPError:
        answer.put("reached")
    except OSError as exc:
        answer.put(f"unreachable: {exc}")


@pytest.mark.parametrize("cut_off", [False, True])
def test_a_process_cut_off_reaches_nothing_not_even_loopback(canary, cut_off):
    """What query and validation children do first (``icskg.offline``), and its control."""
    base, hits = canary
    context = multiprocessing.get_context("forkserver")
    answer = context.Queue()
    child = context.Process(target=_fetch, args=(base, cut_off, answer))
    child.start()
    outcome = answer.get(timeout=30)
    child.join()
    if cut_off:
        assert outcome.startswith("unreachable") and hits == []
    else:
        assert outcome == "reached" and hits == ["/"]


def fetch(url: str) -> str:
    """A task standing in for any parser or pySHACL feature that would fetch: what it reached."""
    try:
        urllib.request.urlopen(url, timeout=5)
    except urllib.error.HTTPError:
        return "reached"
    except OSError:
        return "unreachable"
    return "reached"


def test_validation_workers_are_cut_off(canary):
    """An upload is parsed and validated in a worker that has left the network first: a task
    in the validation pool that tries to fetch the canary reaches nothing."""
    from icskg.validation import bounded

    base, hits = canary
    pool = bounded.pool(size=1)
    assert pool.run(fetch, base) == "unreachable"
    assert hits == []


def test_a_query_process_that_cannot_leave_the_network_runs_nothing(tmp_path, monkeypatch):
    """Fail closed: the refusal is an error for the operator (503), never a query run online.
    (Every offline pool's worker does this: icskg.killable.)"""
    import threading
    from functools import partial
    from multiprocessing import Pipe

    from icskg import killable
    from icskg.store import executor

    ours, its = Pipe()

    def refuse():
        raise killable.NetworkNotIsolated("no namespaces here")

    monkeypatch.setattr(killable, "cut_off_network", refuse)
    worker = threading.Thread(target=killable._work, args=(
        its, partial(executor.open_for_queries, str(tmp_path / "store")), 0, 0, True))
    worker.start()
    channel = killable._Channel(ours)
    reply = [channel.receive()]
    channel.send((executor.answer, (("ASK {}", [], [], 10, None, None, None, {}),)))
    reply.append(channel.receive())
    ours.close()  # the worker sees its parent go, and ends
    worker.join(timeout=60)
    its.close()
    assert not worker.is_alive()
    assert reply[0][0] == "ready"
    assert reply[1][:2] == ("offline", "no namespaces here")
