"""Oxigraph's own server as the anchor: icskg against the same engine's Rust HTTP server.

    python -m bench oxigraph --scales 1      # about 10 minutes at x1; writes its section of BENCHMARKS.md

Three HTTP systems answer issue 18's query mix over the same data, measured side by side in one
run: for each query, each system in turn, so a change in the machine's load falls on all three.
The servers are pinned to CPU 0 and ``wrk`` (one thread, 1 and 4 connections) to CPU 1.

- **icskg**: ``icskg serve`` as README starts it, over the store ``icskg build`` made.
- **Oxigraph server**: ``oxigraph serve-read-only --union-default-graph`` over a store that
  ``oxigraph load`` filled from ``icskg export`` (N-Quads): the same engine and store format.
- **rdflib-endpoint**: ``rdflib-endpoint serve`` of the same N-Quads (up to ``--rdflib-max-scale``).

Then the timeout figure: each of icskg and ``oxigraph serve-read-only --timeout-s`` under cheap
lookups from wrk plus clients sending queries that never end, with a probe asking a cheap query
throughout. Oxigraph's timeout holds a thread per query for the whole timeout, so its thread
count is capped (RLIMIT_NPROC, as an unprivileged user when the bench runs as root): when it
runs out of threads it fails alone instead of taking the machine's process table with it.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import answers, environment, steps, synth, wrk
from bench.inproc import InProcess
from bench.memory import descendants, tree_cpu_seconds
from bench.queries import MIX, PROLOGUE, QYG, Query
from bench.report import NONE, TIMES
from bench.servers import ACCEPT, CACHE_OFF, ONE_ADDRESS, VENV_BIN, Icskg, RdflibEndpoint, Server, query_path
from bench.systems import CallTimeout, HttpSystem, InProcessSystem
from bench.timing import Window, percentile, pin
from icskg.killable import Budget, cpu_seconds, run_once
from icskg.resources import PROJECT_DIR
from icskg.sparql.facts import is_lookup
from icskg.store import EmbeddedStore

BENCH_DIR = Path(__file__).resolve().parent
OXIGRAPH = str(VENV_BIN / "oxigraph")
SECTION = "issue-18-oxigraph"
_BY_NAME = {q.name: q for q in MIX}


def _lookups() -> str:
    """The mix's queries that icskg answers without a query process."""
    names = [f"`{q.name}`" for q in ANCHOR_MIX if is_lookup(q.text)]
    return ", ".join(names) if names else "none of the mix"

# Issue 18's mix: two cheap lookups, a label scan, a full-scan CONSTRUCT, a grouping, a
# three-pattern join and a count of everything.
ANCHOR_MIX: tuple[Query, ...] = (
    _BY_NAME["iri-lookup"],
    _BY_NAME["code-lookup"],
    _BY_NAME["label-search"],
    Query("construct-scan", "CONSTRUCT of the node coded QYG (a scan of every triple)",
          PROLOGUE + "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o "
                     f'FILTER(STR(?s) = "{QYG}") }}', "graph"),
    _BY_NAME["count-by-class"],
    Query("join-3", "practices in the PCNs of QYG (three patterns)",
          PROLOGUE + f"""SELECT ?practice ?pcn WHERE {{
  ?pcn ics:withinIntegratedCareBoard <{QYG}> .
  ?membership org:organization ?pcn ; org:member ?practice .
}}""", "bindings"),
    Query("count-all", "count of all triples",
          "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "bindings"),
)
SYSTEMS = ("Oxigraph server", "icskg", "rdflib-endpoint")
CONNECTIONS = (1, 4)
SLOW = 0.05
"""Seconds: a query whose first call takes longer is timed by whole calls, not a wrk window
(which loses the calls in flight at its end: at four connections on one core, half a call in
1 / SLOW)."""
IDLE = 0.02
"""Share of a core under which a server counts as idle, ready to be measured."""
RETIME = 2.0
"""Seconds: a first call between ``SLOW`` and this is timed again (the first can be cold)."""
MAX_ROUND = 40.0
"""Seconds the calls of one measurement may take together at four connections."""
# A query that never ends and sends nothing until it does (the count of a three-way cross
# product), for the timeout figure: a streamed answer would be cut by icskg's byte cap instead.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# icskg's per-client lanes refuse a third request from one address to a worker (503 at once);
# the load generator is one address, so they are off here, as behind a reverse proxy.
ICSKG_ENV = ONE_ADDRESS
NOBODY = 65534
OXIGRAPH_THREADS = 4096


class OxigraphServer(Server):
    """``oxigraph serve-read-only`` with the union default graph, optionally ``--timeout-s``."""

    name = "oxigraph serve-read-only"
    endpoint = "/query"

    def __init__(self, location: Path, log: Path, cpu: int | None, timeout_s: int | None = None) -> None:
        command = [OXIGRAPH, "serve-read-only", "--location", str(location),
                   "--bind", "127.0.0.1:{port}", "--union-default-graph"]
        if timeout_s:
            command += ["--timeout-s", str(timeout_s)]
        super().__init__(_thread_capped(command), log, query_path("ASK { }", self.endpoint), cpu)


def _thread_capped(command: list[str]) -> list[str]:
    """``command`` with its threads capped. RLIMIT_NPROC counts every process and thread of the
    user and does not bind root, so as root the server runs as nobody (its own count)."""
    if os.geteuid() == 0:
        return ["prlimit", f"--nproc={OXIGRAPH_THREADS}", "setpriv", f"--reuid={NOBODY}",
                f"--regid={NOBODY}", "--clear-groups", *command]
    mine = sum(1 for _ in Path("/proc").glob("[0-9]*/task/*")) if Path("/proc").exists() else 0
    return ["prlimit", f"--nproc={mine + OXIGRAPH_THREADS}", *command]


def _threads(pid: int) -> int:
    """Threads of the server process (the one below prlimit/setpriv, which exec)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def oxigraph_load(location: Path, nquads: Path, log: Path) -> dict:
    """``oxigraph load`` of icskg's export into a fresh store, then ``oxigraph optimize`` (what
    ``oxigraph load`` advises before a read-heavy workload, and what icskg's builds do to theirs),
    made readable by the server's user."""
    if location.exists():
        subprocess.run(["rm", "-rf", str(location)], check=True)
    seconds = steps.run_timed([OXIGRAPH, "load", "--location", str(location), "--file", str(nquads)], log)
    optimize = steps.run_timed([OXIGRAPH, "optimize", "--location", str(location)], log)
    for path in (location, *location.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return {"seconds": seconds, "optimize_seconds": optimize, "store_bytes": steps.size_bytes(location),
            "command": f"oxigraph load --location {location} --file {nquads}; "
                       f"oxigraph optimize --location {location}"}


def _fill(source: str, factor: int, data_dir: str) -> int:
    """In a child process: the xN graphs handed to an embedded store one graph at a time, as
    ``icskg build`` hands its own (``replace_dataset``: a bulk load per graph, then compacted)."""
    digest = hashlib.sha256(Path(source).read_bytes() + f"x{factor}".encode()).hexdigest()
    store = EmbeddedStore(Path(data_dir))
    store.replace_dataset(synth.graph_sources(Path(source), factor),
                          {"version": digest, "synthetic": f"x{factor} of {source}"})
    return sum(store.info()["graph_triples"].values())


def icskg_store(source: Path, factor: int, data_dir: Path) -> dict:
    """icskg's store of the xN copy of ``source`` (the x1 export), made by the store's own
    ``replace_dataset`` (what ``icskg build`` calls), one graph at a time, from ``bench.synth``
    without an xN file on disk."""
    subprocess.run(["rm", "-rf", str(data_dir)], check=True)
    started = time.perf_counter()
    triples = run_once(_fill, str(source), factor, str(data_dir), budget=Budget(), name="bench-load")
    return {"seconds": time.perf_counter() - started, "triples": triples,
            "store_bytes": steps.size_bytes(data_dir / "store"), "data_dir": data_dir,
            "command": f"EmbeddedStore({data_dir}).replace_dataset(bench.synth.graph_sources(x1, {factor}))"}


# measuring ---------------------------------------------------------------------------------------
def _lua(system: HttpSystem, q: Query, distinct: bool = False) -> str:
    return wrk.script(query_path(q.text, system.server.endpoint), ACCEPT[q.kind], distinct=distinct)


def _timed(system: HttpSystem | InProcessSystem, q: Query, first: float, seconds: float,
           call_limit: float, cpu: int | None, distinct: bool) -> dict:
    """At 1 and 4 connections. A query whose first call took under ``SLOW`` s: wrk for
    ``seconds`` after a 1 s warm-up. A slower one: a Python client (which only waits on answers)
    whose connections start calls for ``seconds`` and then finish the one they are in, so no call
    is cut off at the end of a window as wrk's would be; at one connection, a first call longer
    than twice ``seconds`` is the figure itself; at four, calls that would take over
    ``MAX_ROUND`` s together are not made."""
    out: dict = {}
    if isinstance(system, InProcessSystem):  # the engine's own threads, calling it back to back
        for c in CONNECTIONS:
            if first * c > MAX_ROUND:
                out[str(c)] = {"skipped": f"one call takes {first:.1f} s"}
                continue
            stats = system.timed(q, c, Window(seconds, 1, call_limit))
            out[str(c)] = {"connections": c, **{key: stats[key] for key in
                           ("calls", "seconds", "per_second", "p50_ms", "p99_ms", "errors")}}
        return out
    lua = _lua(system, q, distinct)
    for c in CONNECTIONS:
        if first < SLOW:
            wrk.run(system.server.port, lua, c, 1, cpu)  # warm-up: connections, caches, query processes
            out[str(c)] = wrk.run(system.server.port, lua, c, seconds, cpu, timeout=max(30.0, call_limit))
        elif distinct:
            out[str(c)] = {"skipped": f"one call takes {first:.1f} s"}
        elif c == 1 and first > 2 * seconds:
            out[str(c)] = {"connections": 1, "calls": 1, "per_second": 1 / first, "p50_ms": first * 1000,
                           "p99_ms": first * 1000, "errors": 0, "first_call": True}
        elif first * c > MAX_ROUND:
            out[str(c)] = {"skipped": f"one call takes {first:.1f} s"}
        else:
            stats = system.timed(q, c, Window(seconds, 1, call_limit))
            out[str(c)] = {"connections": c, "calls": stats["calls"], "seconds": stats["seconds"],
                           "per_second": stats["per_second"], "p50_ms": stats["p50_ms"],
                           "p99_ms": stats["p99_ms"], "errors": stats["errors"], "client": "python"}
    return out


def _first(system: HttpSystem, q: Query, call_limit: float) -> dict:
    """One call: the answer to compare and how long it took, or why there is none."""
    started = time.perf_counter()
    try:
        body = system.first(q, call_limit)
    except CallTimeout as exc:
        return {"skipped": str(exc)}
    except Exception as exc:  # a failing system is reported, not fatal
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"first_seconds": time.perf_counter() - started, "answer": answers.read(q.kind, body)}


def _warm_icskg(system: HttpSystem, cpu: int | None) -> None:
    """Each icskg worker starts its query processes on its first queries: until none is new. Then
    until the server is idle: its validation processes warm up for seconds of CPU after it
    starts, on the core the measured queries get."""
    lua = _lua(system, ANCHOR_MIX[0], distinct=True)
    counts: list[int] = []
    while len(counts) < 10 and (len(counts) < 3 or counts[-1] != counts[-2]):
        wrk.run(system.server.port, lua, 4, 1, cpu)
        counts.append(len(descendants(system.server.process.pid)))
    wait_idle(system.server.process.pid)


def wait_idle(pid: int, most: float = IDLE, within: float = 120.0) -> float:
    """Wait until the process tree of ``pid`` uses less than ``most`` of a core over half a
    second (at most ``within`` seconds); returns the seconds waited."""
    started = time.perf_counter()
    before = tree_cpu_seconds(pid)
    while time.perf_counter() - started < within:
        time.sleep(0.5)
        now = tree_cpu_seconds(pid)
        if now - before < most * 0.5:
            break
        before = now
    return time.perf_counter() - started


def compare(per_system: dict) -> None:
    """Check each system's answers against Oxigraph server's, then keep only the verdicts."""
    found = {name: {q: e.pop("answer") for q, e in per_query.items() if "answer" in e}
             for name, per_query in per_system.items()}
    reference = found.get("Oxigraph server", {})
    for name, per_query in found.items():
        for qname, answer in per_query.items():
            entry = per_system[name][qname]
            entry["rows"] = answer.count
            if name != "Oxigraph server" and qname in reference:
                entry["differs"] = answer.differs_from(reference[qname])


# What is measured, in this order for each query: (figure, server, texts differ per request).
# "icskg" has its answer cache off (every request works its answer out); "icskg cached" has it on.
VARIANTS = (("engine in-process", "engine in-process", False),
            ("Oxigraph server", "Oxigraph server", False), ("icskg", "icskg", False),
            ("icskg cached", "icskg cached", False), ("rdflib-endpoint", "rdflib-endpoint", False),
            ("Oxigraph server, distinct texts", "Oxigraph server", True),
            ("icskg, distinct texts", "icskg cached", True),
            ("rdflib-endpoint, distinct texts", "rdflib-endpoint", True))


def throughput(plan: argparse.Namespace, work: Path, logs: Path, scale: int, data_dir: Path,
               nquads: Path, oxi_store: Path, cpus: tuple[int | None, int | None]) -> dict:
    """Every variant up to ``--full-max-scale``; above it Oxigraph server and uncached icskg on
    the repeated text only. icskg's time limit is the bench's call limit, as Oxigraph server has
    none here (the timeout figure measures limits)."""
    server_cpu, client_cpu = cpus
    full = scale <= plan.full_max_scale
    limited = {**ICSKG_ENV, "ICSKG_QUERY_TIMEOUT": f"{plan.call_limit:g}"}
    systems = {
        "Oxigraph server": HttpSystem("Oxigraph server", lambda: OxigraphServer(
            oxi_store, logs / f"oxigraph-x{scale}.log", server_cpu)),
        "icskg": HttpSystem("icskg", lambda: Icskg(data_dir, logs / f"icskg-x{scale}.log", server_cpu,
                                                   env={**limited, **CACHE_OFF})),
    }
    if full:  # the engine alone, on the store icskg serves: the floor under any server's latency
        systems["engine in-process"] = InProcessSystem("engine in-process", lambda: InProcess(
            "raw", Path(os.path.realpath(data_dir / "store")), server_cpu))
        systems["icskg cached"] = HttpSystem("icskg cached", lambda: Icskg(
            data_dir, logs / f"icskg-cached-x{scale}.log", server_cpu, env=limited))
    if scale <= plan.rdflib_max_scale:
        systems["rdflib-endpoint"] = HttpSystem("rdflib-endpoint", lambda: RdflibEndpoint(
            nquads, logs / f"rdflib-endpoint-x{scale}.log", server_cpu))
    variants = [v for v in VARIANTS if v[1] in systems and (full or not v[2])]
    try:
        for name in ("icskg", "icskg cached"):
            if name in systems:
                _warm_icskg(systems[name], client_cpu)
        out: dict = {label: {} for label, _, _ in variants}
        for q in ANCHOR_MIX:
            if plan.queries and q.name not in plan.queries:
                continue
            firsts: dict[str, float] = {}
            for label, server, distinct in variants:
                _say(f"x{scale} {q.name}: {label}")
                entry = {} if distinct else _first(systems[server], q, plan.call_limit)
                if SLOW <= entry.get("first_seconds", math.inf) < RETIME:  # a cold first call?
                    again = _first(systems[server], q, plan.call_limit)
                    entry["first_seconds"] = min(entry["first_seconds"], again.get("first_seconds", math.inf))
                firsts.setdefault(server, entry.get("first_seconds", math.inf))
                if distinct and "first_seconds" not in out[server].get(q.name, {}):
                    entry = {"skipped": "no answer to repeated texts"}
                if "skipped" not in entry and "error" not in entry:
                    entry["stats"] = _timed(systems[server], q, firsts[server], plan.seconds,
                                            plan.call_limit, client_cpu, distinct)
                out[label][q.name] = entry
        compare(out)
        return out
    finally:
        for system in systems.values():
            system.close()


# the timeout figure --------------------------------------------------------------------------------
def _probe(port: int, path: str, accept: str, stop: threading.Event, out: list) -> None:
    """A cheap query every 0.1 s from its own address (icskg keeps lanes per client address)."""
    while not stop.is_set():
        started = time.perf_counter()
        ok = False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3,
                                              source_address=("127.0.0.3", 0))
            conn.request("GET", path, headers={"Accept": accept})
            response = conn.getresponse()
            response.read()
            ok = response.status == 200
            conn.close()
        except OSError:
            pass
        out.append((started, ok, time.perf_counter() - started))
        stop.wait(0.1)


def _endless(port: int, path: str, give_up: float, stop: threading.Event, statuses: list) -> None:
    """Send the endless query again and again from another address; keep each status (or the
    error, ``TimeoutError`` when no answer came within ``give_up`` seconds)."""
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=give_up,
                                              source_address=("127.0.0.2", 0))
            conn.request("GET", path, headers={"Accept": ACCEPT["bindings"]})
            response = conn.getresponse()
            response.read(1 << 20)
            statuses.append(str(response.status))
            conn.close()
        except OSError as exc:
            statuses.append(type(exc).__name__)
            stop.wait(0.2)


def under_load(server: Server, timeout_s: int, seconds: float, client_cpu: int | None,
               query_pids: Callable[[], list[int]] | None = None) -> dict:
    """Cheap lookups from wrk (4 connections), 4 clients sending endless queries and the probe,
    for ``seconds``; then whether the server still answers, and its threads or query processes."""
    cheap = ANCHOR_MIX[0]
    cheap_path = query_path(cheap.text, server.endpoint)
    before = set(query_pids()) if query_pids else set()
    stop, probes, statuses = threading.Event(), [], []
    endless_path = query_path(ENDLESS, server.endpoint)
    workers = [threading.Thread(target=_probe,
                                args=(server.port, cheap_path, ACCEPT["bindings"], stop, probes))]
    workers += [threading.Thread(target=_endless,
                                 args=(server.port, endless_path, 3 * timeout_s, stop, statuses))
                for _ in range(4)]
    peak = [0]

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _threads(server.process.pid))
            stop.wait(0.1)

    workers.append(threading.Thread(target=watch))
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    load = wrk.run(server.port, wrk.script(cheap_path, ACCEPT["bindings"]), 4, seconds, client_cpu,
                   timeout=5)
    stop.set()
    for worker in workers:
        worker.join(timeout=150)
    last = [ok for t, ok, _ in probes if t - started > seconds * 0.75]
    latencies = sorted(s for _, ok, s in probes if ok)
    after_status = None
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("GET", cheap_path, headers={"Accept": ACCEPT["bindings"]})
        after_status = conn.getresponse().status
        conn.close()
    except OSError as exc:
        after_status = type(exc).__name__
    out = {
        "timeout_s": timeout_s, "seconds": seconds, "cheap_load": load,
        "probes": len(probes), "probes_ok": sum(ok for _, ok, _ in probes),
        "last_quarter": [sum(last), len(last)],
        "probe_p50_ms": percentile(latencies, 0.5) * 1000 if latencies else math.nan,
        "probe_p99_ms": percentile(latencies, 0.99) * 1000 if latencies else math.nan,
        "endless": {s: statuses.count(s) for s in sorted(set(statuses))},
        "answers_after": after_status, "peak_threads": peak[0],
        "alive_after": server.process.poll() is None,
    }
    if query_pids:
        time.sleep(1)  # let the replacement processes start
        after = query_pids()
        gone = before - set(after)
        out["query_processes_replaced"] = len(gone)
        out["replaced_still_running"] = sum(1 for pid in gone if _running(pid))
        cpu = {pid: cpu_seconds(pid) for pid in after}
        time.sleep(1)
        out["busy_after"] = sum(1 for pid in after if cpu_seconds(pid) - cpu[pid] > 0.05)
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def timeouts(data_dir: Path, oxi_store: Path, logs: Path, timeout_s: int, seconds: float,
             cpus: tuple[int | None, int | None]) -> dict:
    server_cpu, client_cpu = cpus
    out = {}
    _say(f"timeouts: Oxigraph server --timeout-s {timeout_s} under load")
    with OxigraphServer(oxi_store, logs / "oxigraph-timeout.log", server_cpu, timeout_s) as server:
        out["Oxigraph server"] = under_load(server, timeout_s, seconds, client_cpu)
    # icskg as above (per-client lanes off) and as it ships (two requests per address and worker)
    for label, env in (("icskg", ICSKG_ENV), ("icskg, default lanes", {})):
        _say(f"timeouts: {label} (ICSKG_QUERY_TIMEOUT={timeout_s}) under load")
        limit = {**env, "ICSKG_QUERY_TIMEOUT": str(timeout_s)}
        with Icskg(data_dir, logs / "icskg-timeout.log", server_cpu, env=limit) as server:
            master = server.process.pid

            def query_pids(master: int = master) -> list[int]:
                """Everything below the web workers: a killed query process is gone from it."""
                tree = descendants(master)
                return [pid for pid in tree if pid != master and _parent(pid) != master]

            cheap = wrk.script(query_path(ANCHOR_MIX[0].text), ACCEPT["bindings"])
            wrk.run(server.port, cheap, 4, 2, client_cpu)
            out[label] = under_load(server, timeout_s, seconds, client_cpu, query_pids)
    return out


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError):
        return -1


def _prepare(real: Path, scale: int, source: Path, data_dir: Path, oxi_store: Path, logs: Path,
             client_cpu: int | None) -> dict:
    """The xN copy as N-Quads loaded into Oxigraph's store and, at the same time, icskg's store
    of it, on every CPU (nothing is measured meanwhile): at x100 each takes minutes."""
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    try:
        with ThreadPoolExecutor(1) as pool:
            made = pool.submit(icskg_store, real, scale, data_dir)
            entry = {"synthesis": synth.synthesise(real, scale, source)}
            entry["oxigraph_load"] = oxigraph_load(oxi_store, source, logs / "oxigraph-load.log")
            entry["icskg_store"] = made.result()
        return entry
    finally:
        if client_cpu is not None:
            pin(client_cpu)


# the run -------------------------------------------------------------------------------------------
def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(plan: argparse.Namespace) -> dict:
    work: Path = plan.work
    logs = work / "logs"
    cpus = (0, 1) if not plan.no_pin and (os.cpu_count() or 1) >= 2 else (None, None)
    if cpus[1] is not None:
        pin(cpus[1])
    results: dict = {"meta": environment.describe(*cpus), "seconds": plan.seconds, "scales": {},
                     "plan": {"call_limit": plan.call_limit, "full_max_scale": plan.full_max_scale,
                              "rdflib_max_scale": plan.rdflib_max_scale},
                     "queries": {q.name: {"what": q.what, "text": q.text} for q in ANCHOR_MIX}}
    results["meta"]["versions"]["oxigraph"] = subprocess.run(
        [OXIGRAPH, "--version"], capture_output=True, text=True).stdout.strip()
    work.mkdir(parents=True, exist_ok=True)
    x1 = work / "x1"
    _say("icskg build")
    subprocess.run(["rm", "-rf", str(x1)], check=True)
    results["build"] = steps.build(x1, logs / "build.log")
    real = work / "x1.nq"
    results["export"] = steps.export(x1, real, logs / "export.log")
    for scale in plan.scales:
        started = time.perf_counter()
        source, data_dir, oxi_store = real, x1, work / f"oxigraph-x{scale}"
        if scale == 1:
            entry = {"oxigraph_load": oxigraph_load(oxi_store, source, logs / "oxigraph-load.log")}
        else:
            source, data_dir = work / f"x{scale}.nq", work / f"x{scale}"
            _say(f"x{scale}: synthesising it, loading it into Oxigraph and, meanwhile, into icskg's store")
            entry = _prepare(real, scale, source, data_dir, oxi_store, logs, cpus[1])
        entry["loadavg_before"] = os.getloadavg()
        entry["systems"] = throughput(plan, work, logs, scale, data_dir, source, oxi_store, cpus)
        entry["loadavg_after"] = os.getloadavg()
        if scale == 1:
            entry["timeouts"] = timeouts(data_dir, oxi_store, logs, plan.timeout_s, plan.load_seconds, cpus)
            entry["loadavg_after_timeouts"] = os.getloadavg()
        entry["seconds"] = time.perf_counter() - started
        results["scales"][str(scale)] = entry
        if scale != 1:  # gigabytes at x100
            subprocess.run(["rm", "-rf", str(source), str(data_dir), str(oxi_store)], check=True)
        _say(f"x{scale} done in {entry['seconds']:.0f} s")
    results["meta"]["loadavg_after"] = os.getloadavg()
    results["meta"]["seconds"] = time.perf_counter() - results["meta"].pop("_started")
    return results


# the report ----------------------------------------------------------------------------------------
def _rate(stats: dict | None) -> float | None:
    if not stats or "per_second" not in stats or stats.get("errors"):
        return None
    return stats["per_second"]


def _fmt_rate(value: float | None) -> str:
    if value is None:
        return NONE
    return f"{value:,.0f}/s" if value >= 100 else f"{value:.3g}/s"


def _pct(a: float | None, b: float | None) -> str:
    return f"{a / b:.0%}" if a and b else NONE


def _x(a: float | None, b: float | None) -> str:
    return f"{a / b:.3g}{TIMES}" if a and b else NONE


def _geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def _cell(entry: dict | None, stats: dict | None) -> str:
    """One system's rate and p50 for one query, or why there is none."""
    if entry is None:
        return "not run"
    if "skipped" in entry or "error" in entry:
        return "no answer" if "skipped" in entry else "error"
    if not stats or "skipped" in stats:
        return NONE
    if stats.get("error") or stats.get("errors"):
        return "error"
    if not stats.get("calls"):
        return f"none in {stats['seconds']:.0f} s"
    calls = ""
    if stats.get("first_call") or stats.get("client") == "python":
        calls = f", {stats['calls']} call{'s' if stats['calls'] != 1 else ''}"
    return f"{_fmt_rate(stats['per_second'])} ({stats['p50_ms']:.3g} ms{calls})"


def _table(systems: dict, columns: tuple[str, ...], ours: str, anchor: str, peer: str,
           answers_column: bool) -> tuple[list[str], dict]:
    """Rows of rate (p50) per system, with ``ours`` as a fraction of ``anchor`` (throughput, and
    the anchor's p50 over ours) and a multiple of ``peer`` (if it ran); and the ratios for
    geometric means. Columns of systems not run at this scale are left out."""
    columns = tuple(name for name in columns if name in systems)
    with_peer = peer in systems
    lines = ["| query | c | " + " | ".join(columns) + f" | {ours} / {anchor}: throughput | latency |"
             + (f" {ours} / {peer} |" if with_peer else "") + (" answers |" if answers_column else ""),
             "|---|---:|" + "---:|" * (len(columns) + 2 + with_peer) + ("---|" if answers_column else "")]
    ratios: dict[str, dict[str, list[float]]] = {c: {"anchor": [], "peer": []} for c in ("1", "4")}
    for q in ANCHOR_MIX:
        per = {name: systems.get(name, {}).get(q.name) for name in columns}
        if per[ours] is None:
            continue
        for c in ("1", "4"):
            stats = {name: (e or {}).get("stats", {}).get(c) for name, e in per.items()}
            rates = {name: _rate(s) for name, s in stats.items()}
            mine, theirs, other = rates[ours], rates[anchor], rates.get(peer)
            agreed = systems.get(ours.split(",")[0], {}).get(q.name, {}).get("differs") is None
            latency = NONE
            if mine and theirs:
                latency = _pct(stats[anchor]["p50_ms"], stats[ours]["p50_ms"])
                if agreed:
                    ratios[c]["anchor"].append(mine / theirs)
            if mine and other and agreed:
                ratios[c]["peer"].append(mine / other)
            row = (f"| `{q.name}` | {c} | " + " | ".join(_cell(per[n], stats[n]) for n in columns)
                   + f" | {_pct(mine, theirs)} | {latency} |"
                   + (f" {_x(mine, other)} |" if with_peer else ""))
            if answers_column:
                found = [(systems.get(n) or {}).get(q.name, {}).get("differs") for n in systems
                         if "distinct" not in n]
                row += (" same |" if all(d is None for d in found) else
                        " " + "; ".join(d for d in found if d) + " |") if c == "1" else " |"
            lines.append(row)
    return lines, ratios


def _means(ratios: dict, ours: str, anchor: str, peer: str | None) -> list[str]:
    out = []
    for c in ("1", "4"):
        g_anchor, g_peer = _geomean(ratios[c]["anchor"]), _geomean(ratios[c]["peer"])
        line = (f"- Geometric mean at {c} connection{'s' if c != '1' else ''}: {ours} "
                f"{NONE if g_anchor is None else f'{g_anchor:.0%}'} of {anchor}'s throughput "
                f"({len(ratios[c]['anchor'])} queries)")
        if peer:
            line += (f", {NONE if g_peer is None else f'{g_peer:.3g}{TIMES}'} {peer}'s "
                     f"({len(ratios[c]['peer'])} queries)")
        out.append(line + ".")
    return out


def markdown(results: dict) -> str:
    meta = results["meta"]
    plan = results.get("plan", {})
    lines = [
        f"<!-- kept: {SECTION} -->",
        "## Against Oxigraph server (issue 18)",
        "",
        f"Written by `{meta['command']}` on {meta['date']} (commit {meta['commit']}"
        f"{', with uncommitted changes' if meta['tree_changed'] else ''}) in "
        f"{meta['seconds'] / 60:.0f} minutes; raw figures in `bench/oxigraph.json`. Each server "
        "pinned to CPU 0, the client on CPU 1, every system in turn for each query. A query whose "
        f"first call (made twice if it took under {RETIME:g} s, as the first can be cold) takes "
        f"under {SLOW:g} s is timed by `wrk -t1` at 1 and 4 connections for "
        f"{results['seconds']:g} s after a 1 s warm-up; a slower one by a Python client whose "
        "connections start calls for that time and then finish the one they are in (wrk would "
        "drop the calls in flight at the end of its window; the count of calls is in the cell), "
        "its first call alone at one "
        f"connection if that took over {2 * results['seconds']:g} s, and not at four connections "
        f"if four calls would take over {MAX_ROUND:g} s. Oxigraph server is `oxigraph "
        "serve-read-only --union-default-graph` over a store `oxigraph load` filled from `icskg "
        "export`, then `oxigraph optimize`d (as `oxigraph load` advises before read-heavy work). "
        "**icskg** is `icskg serve` over the store `icskg build` made (at xN: the synthetic copy of "
        "`bench/synth.py` handed to the same `EmbeddedStore.replace_dataset` a build calls, one "
        "bulk load per graph then compacted), with its answer cache off "
        "(`ICSKG_ANSWER_CACHE_BYTES=0`: every request works its answer out), **icskg cached** with "
        "it on (a repeat is answered from memory); both with `ICSKG_CLIENT_SLOTS=0`, as the client "
        "is one address, and `ICSKG_QUERY_TIMEOUT` at the bench's call limit "
        f"({plan.get('call_limit', 150):g} s; Oxigraph server has no limit here). icskg answers "
        "a lookup of one triple pattern in its web worker, its work bounded by its answer's size "
        f"(here {_lookups()}), and every other query in a killable query process "
        "(docs/security.md). Above "
        f"x{plan.get('full_max_scale', 1)} only Oxigraph server and uncached icskg run; "
        f"rdflib-endpoint up to x{plan.get('rdflib_max_scale', 1)}. "
        f"Versions: {meta['versions'].get('oxigraph')}, pyoxigraph {meta['versions']['pyoxigraph']}, "
        f"rdflib-endpoint {meta['versions']['rdflib-endpoint']}. Load average (1, 5, 15 min) before: "
        + ", ".join(f"{x:.2f}" for x in meta["loadavg_before"]) + "; after: "
        + ", ".join(f"{x:.2f}" for x in meta["loadavg_after"]) + " (2 cores shared with other work).",
        "",
    ]
    lines += ["### Targets", "", *_targets(results)]
    for scale, entry in results["scales"].items():
        systems = entry["systems"]
        peer = "rdflib-endpoint" if "rdflib-endpoint" in systems else None
        lines += [f"### x{scale}", "",
                  "The same text repeated: requests per second (p50 latency) at 1 and 4 connections; "
                  "uncached icskg as a fraction of Oxigraph server (throughput; for latency, "
                  "Oxigraph's p50 over icskg's)"
                  + (" and as a multiple of rdflib-endpoint." if peer else "."),
                  ""]
        table, ratios = _table(systems, ("engine in-process", "Oxigraph server", "icskg", "icskg cached",
                                         "rdflib-endpoint"),
                               "icskg", "Oxigraph server", "rdflib-endpoint", answers_column=True)
        lines += [*table, "", *_means(ratios, "icskg (uncached)", "Oxigraph server", peer)]
        if "icskg cached" in systems:
            _, cached = _table(systems, ("Oxigraph server", "icskg cached", "rdflib-endpoint"),
                               "icskg cached", "Oxigraph server", "rdflib-endpoint", answers_column=False)
            lines += _means(cached, "icskg cached", "Oxigraph server", peer)
        distinct = ("Oxigraph server, distinct texts", "icskg, distinct texts",
                    "rdflib-endpoint, distinct texts")
        if distinct[1] in systems:
            lines += ["", "A different text each request (a numbered comment appended, so no cache "
                      "keyed by the text answers it; rdflib-endpoint then parses every request):", ""]
            table, ratios = _table(systems, distinct, distinct[1], distinct[0], distinct[2],
                                   answers_column=False)
            lines += [*table, "", *_means(ratios, "icskg", "Oxigraph server",
                                          distinct[2] if distinct[2] in systems else None)]
        load = entry["oxigraph_load"]
        made = entry.get("icskg_store") or results.get("build", {})
        lines += [f"- Stores: Oxigraph's {load['store_bytes'] / 1e6:,.0f} MB (`oxigraph load` "
                  f"{load['seconds']:.1f} s, `optimize` {load.get('optimize_seconds', 0):.1f} s); "
                  f"icskg's {made.get('store_bytes', 0) / 1e6:,.0f} MB "
                  f"({made.get('triples') or 0:,} triples, made in {made.get('seconds', 0):.1f} s"
                  + (", `icskg build` with its compliance picture" if "icskg_store" not in entry else
                     "; the two stores made at the same time, on both CPUs")
                  + f"). x{scale} took {entry.get('seconds', 0) / 60:.1f} minutes. Load average after "
                  "the measurements: " + ", ".join(f"{x:.2f}" for x in entry["loadavg_after"]) + ".", ""]
        if "timeouts" in entry:
            lines += _timeout_lines(entry["timeouts"])
        if "timeouts_rerun" in entry:  # the timeout figure alone, again (o.timeouts), after the rest
            again = entry["timeouts_rerun"]
            lines += [f"The timeout figure was taken again on its own on {again['date']} (load average "
                      + ", ".join(f"{x:.2f}" for x in again["loadavg_before"]) + " before, "
                      + ", ".join(f"{x:.2f}" for x in again["loadavg_after"]) + " after).", ""]
    took = ", ".join(f"x{scale} {entry.get('seconds', 0) / 60:.0f}"
                     for scale, entry in results["scales"].items())
    lines += [f"To rerun (this run's minutes: {took}; `--seconds` sets the window, `--queries` a "
              "subset, `--scales` the scales):", "", "```sh",
              ".venv/bin/python -m bench oxigraph --scales 1,10,100", "```", f"<!-- /kept: {SECTION} -->", ""]
    return "\n".join(lines)


CHEAP = ("iri-lookup", "code-lookup")
HEAVY_MS = 10.0
"""A query whose p50 on Oxigraph server at one connection is this or more is heavy (issue 18)."""


def _stats(entry: dict, system: str, query: str, c: str) -> dict:
    return ((entry["systems"].get(system) or {}).get(query) or {}).get("stats", {}).get(c) or {}


def _times(value: float | None) -> str:
    return NONE if value is None else f"{value:.3g}{TIMES}"


def _met(ok: bool | None) -> str:
    return "stated" if ok is None else ("**yes**" if ok else "**no**")


def _targets(results: dict) -> list[str]:
    """Issue 18's targets against this run's figures, each with what decides it."""
    scales = results["scales"]
    x1 = scales.get("1")
    rows: list[tuple[str, str, bool | None]] = []
    if x1:
        rate = {(q, c, n): _rate(_stats(x1, n, q, c)) for q in CHEAP for c in ("1", "4")
                for n in ("icskg", "icskg cached", "rdflib-endpoint", "icskg, distinct texts",
                          "rdflib-endpoint, distinct texts")}
        fast = [(q, rate[q, "4", "icskg"], rate[q, "4", "icskg cached"]) for q in CHEAP]
        rows.append(("Cheap lookups: ≥ 2,500 requests/s at 4 clients on one core (uncached)",
                     "; ".join(f"{q}: {_fmt_rate(u)} (cached {_fmt_rate(k)})" for q, u, k in fast),
                     all(u and u >= 2500 for _, u, _ in fast)))
        times = [(q, c, rate[q, c, "icskg"], rate[q, c, "rdflib-endpoint"],
                  rate[q, c, "icskg, distinct texts"], rate[q, c, "rdflib-endpoint, distinct texts"])
                 for q in CHEAP for c in ("1", "4")]
        rows.append((f"Cheap lookups: ≥ 3{TIMES} rdflib-endpoint (uncached, the same text repeated; in "
                     "brackets, a different text each request)",
                     "; ".join(f"{q} c={c}: {_x(a, b)} ({_x(d, e)})" for q, c, a, b, d, e in times),
                     all(a and b and a / b >= 3 for _, _, a, b, _, _ in times)))
        gaps = [(q, _stats(x1, "icskg", q, "1").get("p50_ms"),
                 _stats(x1, "engine in-process", q, "1").get("p50_ms")) for q in CHEAP]
        rows.append(("Cheap lookups: p50 within 0.3 ms of the raw engine at 1 client (uncached)",
                     "; ".join(f"{q}: {h:.3g} vs {e:.3g} ms (+{h - e:.3g})" if h and e else f"{q}: {NONE}"
                               for q, h, e in gaps),
                     all(h and e and h - e <= 0.3 for _, h, e in gaps)))
    heavy, unmeasured, heavy_ok = [], [], True
    for scale, entry in scales.items():
        for q in ANCHOR_MIX:
            if (_stats(entry, "Oxigraph server", q.name, "1").get("p50_ms") or 0) < HEAVY_MS:
                continue
            shares = [_ratio_of(entry, q.name, c) for c in ("1", "4")]
            heavy_ok &= all(s is not None and s >= 0.8 for s in shares if s is not None)
            unmeasured += [f"x{scale} {q.name} at {c} client{'s' if c != '1' else ''}"
                           for c, s in zip(("1", "4"), shares, strict=True) if s is None]
            heavy.append(f"x{scale} {q.name}: " + " / ".join(
                NONE if s is None else "answers differ" if s is False else f"{s:.0%}" for s in shares))
    found = "; ".join(heavy) or NONE
    if unmeasured:  # a round that would pass MAX_ROUND is not made: said, not counted either way
        found += (f" (not measured, as its calls would take over {MAX_ROUND:g} s together: "
                  + ", ".join(unmeasured) + ")")
    rows.append((f"Every query of {HEAVY_MS:g} ms or more (Oxigraph server's p50 at 1 connection): "
                 "≥ 80% of Oxigraph server's throughput at 1 / 4 clients (uncached)",
                 found, heavy_ok if heavy else None))
    means, means_ok = [], True
    for scale, entry in scales.items():
        for c in ("1", "4"):
            ours = [_ratio_of(entry, q.name, c) for q in ANCHOR_MIX]
            g_anchor = _geomean([r for r in ours if r])
            line = f"x{scale} c={c}: {NONE if g_anchor is None else f'{g_anchor:.0%}'} of Oxigraph server"
            means_ok &= bool(g_anchor and g_anchor >= 0.5)
            if "rdflib-endpoint" in entry["systems"]:
                g_peer = _geomean([_ratio_of(entry, q.name, c, "rdflib-endpoint") or 0 for q in ANCHOR_MIX])
                g_ceiling = _geomean([_ratio_of(entry, q.name, c, "rdflib-endpoint", "Oxigraph server") or 0
                                      for q in ANCHOR_MIX])
                means_ok &= bool(g_peer and g_peer >= 20)
                line += (f", {_times(g_peer)} rdflib-endpoint (Oxigraph server itself: "
                         f"{_times(g_ceiling)})")
            means.append(line)
    rows.append((f"Geometric mean over the mix, uncached: ≥ 20{TIMES} rdflib-endpoint and ≥ 50% of Oxigraph "
                 "server", "; ".join(means), means_ok))
    if x1 and "timeouts" in x1:
        t = x1["timeouts"]
        ours, theirs = t.get("icskg", {}), t.get("Oxigraph server", {})
        kept = (ours.get("last_quarter", [0, 1])[0] == ours.get("last_quarter", [0, 1])[1]
                and ours.get("replaced_still_running") == 0 and ours.get("busy_after") == 0)
        rows.append(("Timeouts: under the load that stops Oxigraph server with `--timeout-s`, icskg "
                     "keeps answering and every timed-out query's process is gone",
                     f"probes answered in the last quarter: icskg {ours['last_quarter'][0]} of "
                     f"{ours['last_quarter'][1]}, Oxigraph server {theirs['last_quarter'][0]} of "
                     f"{theirs['last_quarter'][1]}; icskg's query processes killed "
                     f"{ours.get('query_processes_replaced', NONE)}, still running "
                     f"{ours.get('replaced_still_running', NONE)}", kept))
    compared = [e.get("differs") for entry in scales.values() for name, per in entry["systems"].items()
                if name not in ("Oxigraph server", "engine in-process") and "distinct" not in name
                for e in per.values() if "rows" in e]
    rows.append(("Answers agree across all systems", f"{compared.count(None)} of {len(compared)} "
                 "answers compared equal Oxigraph server's", compared.count(None) == len(compared)))
    return ["| target | measured | met |", "|---|---|---|",
            *(f"| {what} | {found} | {_met(ok)} |" for what, found, ok in rows), ""]


def _ratio_of(entry: dict, query: str, c: str, over: str = "Oxigraph server",
              ours: str = "icskg") -> float | bool | None:
    """``ours``'s throughput over ``over``'s, None if either has no figure, False if the answers
    differ (a ratio of different answers means nothing)."""
    mine = _rate(_stats(entry, ours, query, c))
    theirs = _rate(_stats(entry, over, query, c))
    answer = (entry["systems"].get(ours) or {}).get(query, {})
    if answer.get("differs") is not None:
        return False
    return mine / theirs if mine and theirs else None


def _timeout_lines(found: dict) -> list[str]:
    names = [name for name in ("Oxigraph server", "icskg", "icskg, default lanes") if name in found]
    first = found[names[0]]
    t = first.get("timeout_s")
    lines = [f"#### Timeouts under load ({t} s limit)", "",
             f"For {first.get('seconds', 0):g} s: `wrk -c4` sends a cheap lookup (`iri-lookup`) as fast as "
             "it is answered, four clients from another address send a query that never ends "
             f"(`{ENDLESS}`), and a probe from a third address asks the cheap lookup every 0.1 s "
             f"(3 s to answer). Oxigraph server runs with `--timeout-s {t}` and at most "
             f"{OXIGRAPH_THREADS:,} threads; icskg with `ICSKG_QUERY_TIMEOUT={t}`, once with "
             "`ICSKG_CLIENT_SLOTS=0` as above and once with its default per-client lanes (at most two "
             "requests of one address in a web worker; more are refused with 503 at once).", "",
             "| | " + " | ".join(f"{n} `--timeout-s`" if n.startswith("Oxigraph") else n
                                 for n in names) + " |",
             "|---|" + "---:|" * len(names)]

    def row(label: str, get, icskg_only: bool = False) -> None:
        cells = [NONE if icskg_only and n.startswith("Oxigraph") else get(found[n]) for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    def cheap(e: dict) -> str:
        load = e["cheap_load"]
        if "error" in load:
            return load["error"][:60]
        kinds = ", ".join(f"{kind}: {n:,}" for kind, n in load.get("error_kinds", {}).items() if n)
        return f"{load['per_second']:,.0f}/s, {load['errors']:,} errors" + (f" ({kinds})" if kinds else "")

    row("cheap lookups answered (wrk, 4 connections)", cheap)
    row("probes answered", lambda e: f"{e['probes_ok']} of {e['probes']}")
    row("probes answered in the last quarter", lambda e: f"{e['last_quarter'][0]} of {e['last_quarter'][1]}")
    row("probe p50 / p99", lambda e: f"{e['probe_p50_ms']:.3g} / {e['probe_p99_ms']:.3g} ms")
    row(f"endless queries: how each ended (status, or no answer within 3{TIMES} the limit)",
        lambda e: ", ".join(f"{k}: {v}" for k, v in e["endless"].items()))
    row("answers a cheap query after the load", lambda e: str(e["answers_after"]))
    row("peak threads (server process)", lambda e: f"{e['peak_threads']:,}")
    row("query processes there before the load and replaced (killed at the limit) / any of those "
        "still running", lambda e: f"{e.get('query_processes_replaced', NONE)} / "
                                   f"{e.get('replaced_still_running', NONE)}", icskg_only=True)
    row("query processes using CPU a second after the load", lambda e: str(e.get("busy_after", NONE)),
        icskg_only=True)
    lines.append("")
    return lines


def write_section(text: str, path: Path) -> None:
    """Put the section into ``path``: in place of its earlier version, else before "How it was
    measured" (``python -m bench run`` keeps it, see :func:`bench.report.kept_sections`)."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(rf"<!-- kept: {SECTION} -->.*?<!-- /kept: {SECTION} -->\n?", re.S)
    if pattern.search(old):
        new = pattern.sub(lambda _: text, old)
    elif "\n## How it was measured" in old:
        new = old.replace("\n## How it was measured", "\n" + text + "\n## How it was measured", 1)
    else:
        new = old + "\n" + text
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench oxigraph", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return command(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scales", default="1,10,100", help="comma-separated scale factors")
    parser.add_argument("--seconds", type=float, default=4.0, help="window per query and connections")
    parser.add_argument("--queries", help="comma-separated query names (default: all seven)")
    parser.add_argument("--rdflib-max-scale", type=int, default=1)
    parser.add_argument("--full-max-scale", type=int, default=1,
                        help="largest scale with every variant (icskg cached, distinct texts); above "
                             "it Oxigraph server and uncached icskg only")
    parser.add_argument("--call-limit", type=float, default=150.0,
                        help="a first answer slower than this is given up (and its server restarted)")
    parser.add_argument("--timeout-s", type=int, default=10, help="the limit in the timeout figure")
    parser.add_argument("--load-seconds", type=float, default=20.0, help="length of the timeout figure")
    parser.add_argument("--work", type=Path, default=BENCH_DIR / ".work" / "oxigraph")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "BENCHMARKS.md",
                        help="the file whose issue-18 section is (re)written")
    parser.add_argument("--no-pin", action="store_true")


def command(args: argparse.Namespace) -> int:
    args.scales = tuple(sorted({int(s) for s in args.scales.split(",")}))
    args.queries = tuple(args.queries.split(",")) if args.queries else ()
    results = run(args)
    figures = args.out.parent / "bench" / "oxigraph.json" if args.out.name == "BENCHMARKS.md" \
        else args.out.with_suffix(".json")
    figures.parent.mkdir(parents=True, exist_ok=True)
    figures.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    write_section(markdown(results), args.out)
    print(f"Wrote the issue-18 section of {args.out} and {figures}")
    return 0

