"""Run the whole suite: build, scale, serve, query every system, compare answers, write the report.

The systems under test get CPU 0 and the load client CPU 1 (the machine has two), so neither
starves the other and every system gets the same single core. In-process systems run in a
child process pinned like the servers.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench import answers, breakdown, environment, shacl, steps, validation
from bench.bare import answer_file
from bench.inproc import InProcess
from bench.queries import Query, query_mix
from bench.report import HEAVY_MS, UNCACHED
from bench.servers import (
    ACCEPT,
    CACHE_OFF,
    ONE_ADDRESS,
    BareStack,
    Client,
    Icskg,
    RdflibEndpoint,
    Server,
    query_path,
)
from bench.synth import synthesise
from bench.systems import CallTimeout, HttpSystem, InProcessSystem, System
from bench.timing import Stats, Window, measure, pin

CONCURRENCY = (1, 4)
# Below this (seconds for one call), each client makes an untimed call before its timed ones.
WARM_BELOW = 0.05
ETAG_QUERIES = ("iri-lookup", "aggregate-icbs")
PROFILED = ("iri-lookup", "aggregate-icbs")
# rdflib-endpoint runs rdflib: a query rdflib in-process could not answer in time is not sent to it.
SAME_ENGINE = {"rdflib-endpoint": "rdflib"}
REFERENCES = {"icskg", UNCACHED, "raw"}
# Triples in the union default graph, counted with and without duplicates across named graphs.
UNION_COUNTS = {"all": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                "distinct": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"}


@dataclass(frozen=True)
class Plan:
    name: str
    scales: tuple[int, ...]
    rdflib_max_scale: int
    """rdflib and rdflib-endpoint hold the graph in Python objects: past this scale they would
    need more memory and time than this machine gives a benchmark (see BENCHMARKS.md)."""
    window: Window
    slow: float
    """A system whose first answer took longer than this is timed on that call alone."""
    call_limit: float
    """A call still running after this is abandoned and its system restarted."""
    reference_limit: float
    """The same for icskg and the raw engine, whose answers every other system is compared with:
    generous, so a loaded machine (a CI run) slows the quick run instead of losing an answer."""
    skip_over: float
    """A query expected (from the scale before) to take longer than this is not run."""
    cold_starts: int
    profile: bool
    warmup: float = 1.5
    breakdown_calls: int = 300
    pin: bool = True
    queries: tuple[str, ...] = field(default=())
    """Only these queries (all when empty)."""


FULL = Plan("full", (1, 10, 100), 10, Window(0.5, 3, 30.0), slow=2.0, call_limit=120.0,
            reference_limit=120.0, skip_over=30.0, cold_starts=3, profile=True)
QUICK = Plan("quick", (1, 2), 1, Window(0.05, 1, 2.0), slow=0.5, call_limit=1.0,
             reference_limit=60.0, skip_over=4.0, cold_starts=1, profile=False, warmup=0.3,
             breakdown_calls=30)


class Bench:
    def __init__(self, plan: Plan, work: Path) -> None:
        self.plan = plan
        self.work = work
        self.logs = work / "logs"
        cpus = os.cpu_count() or 1
        self.server_cpu, self.client_cpu = (0, 1) if plan.pin and cpus >= 2 else (None, None)
        self.previous: dict[tuple[str, str], tuple[int, float]] = {}
        self.queries = [q for q in query_mix() if not plan.queries or q.name in plan.queries]
        self.bodies: dict[str, bytes] = {}
        """icskg's answers at the current scale, by query: what the bare stack answers."""

    def say(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    # one system, every query -------------------------------------------------------------------
    def _system(self, system: System, scale: int, queries: list[Query] | None = None,
                fresh: bool = True) -> dict:
        """Every query (or ``queries``) at 1 and 4 clients, and with distinct texts if ``fresh``."""
        out: dict = {}
        name = system.name
        limit, budget = self.plan.call_limit, self.plan.skip_over
        if name in REFERENCES:
            limit = self.plan.reference_limit
            budget = max(budget, limit / 2)
        for q in self.queries if queries is None else queries:
            same_engine = self.previous.get((SAME_ENGINE.get(name, ""), q.name))
            if same_engine and same_engine[0] == scale and same_engine[1] >= self.plan.call_limit:
                out[q.name] = {"skipped": "rdflib in-process gave no answer within "
                                          f"{self.plan.call_limit:g} s"}
                continue
            seen = self.previous.get((name, q.name))
            if seen and seen[1] * scale / seen[0] > budget:
                out[q.name] = {"skipped": f"one call took {seen[1]:.1f} s at x{seen[0]}, so about "
                                          f"{seen[1] * scale / seen[0]:.0f} s is expected here"}
                continue
            started = time.perf_counter()
            try:
                body = system.first(q, limit)
                seconds = time.perf_counter() - started
                if name == "icskg":
                    self.bodies[q.name] = body
                answer = answers.read(q.kind, body)
            except CallTimeout as exc:
                self.previous[(name, q.name)] = (scale, limit)
                out[q.name] = {"skipped": str(exc)}
                continue
            except Exception as exc:  # a failing system is reported, not fatal
                out[q.name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
                continue
            self.previous[(name, q.name)] = (scale, seconds)
            entry: dict = {"first_seconds": seconds, "answer": answer, "stats": {}}
            window = replace(self.plan.window, warm=seconds < WARM_BELOW)
            for c in CONCURRENCY:
                if seconds <= self.plan.slow:
                    entry["stats"][str(c)] = system.timed(q, c, window)
                elif c == 1:  # slow: the first call is the measurement
                    entry["stats"]["1"] = Stats(1, 1, 0, seconds, 1 / seconds, seconds * 1000,
                                                seconds * 1000, math.nan).as_dict() | {"first_call": True}
                else:
                    entry["stats"][str(c)] = {"skipped": f"one call takes {seconds:.1f} s"}
            if fresh and isinstance(system, HttpSystem) and seconds <= self.plan.slow:
                entry["stats"]["fresh"] = system.timed_fresh(q, window)
            out[q.name] = entry
        return out

    # the icskg server ----------------------------------------------------------------------------
    def _icskg(self, data_dir: Path, scale: int, entry: dict) -> dict:
        log = self.logs / f"icskg-x{scale}.log"
        cold, first = [], []
        cheap = next((q for q in self.queries if q.cheap), self.queries[0])
        path, headers = query_path(cheap.text), {"Accept": ACCEPT[cheap.kind]}
        for _ in range(self.plan.cold_starts - 1):
            with Icskg(data_dir, log, self.server_cpu) as server:
                cold.append(server.ready_seconds)
                first.append(server.ready_seconds + _seconds(Client(server.port, path, headers)))
        system = HttpSystem("icskg", lambda: Icskg(data_dir, log, self.server_cpu, env=ONE_ADDRESS))
        try:
            server = system.server
            cold.append(server.ready_seconds)
            first.append(server.ready_seconds + _seconds(Client(server.port, path, headers)))
            entry["cold_start"], entry["first_answer"] = cold, first
            self.say(f"x{scale} icskg: cold start {min(cold):.2f}-{max(cold):.2f} s; warming up")
            self._warm(server)
            self.say(f"x{scale} icskg: {len(self.queries)} queries")
            results = self._system(system, scale)
            server = system.server  # restarted if a call passed the limit
            entry["etag"] = self._etag(server)
            entry["memory"]["icskg"] = server.memory()
            if scale == self.plan.scales[0]:
                self.say("the stages of a cheap request")
                entry["breakdown"] = breakdown.measure(data_dir, [q for q in self.queries if q.cheap],
                                                       self.server_cpu, self.plan.breakdown_calls)
            if self.plan.profile and scale == self.plan.scales[0]:
                from bench import profile

                self.say("profiling the server (py-spy)")
                entry["profile"] = profile.record(
                    server, [q for q in self.queries if q.name in PROFILED], self.logs)
        finally:
            system.close()
        return results

    def _warm(self, server: Server) -> None:
        """Each worker starts its query processes on its first queries: warm up for at least
        three rounds and until none is new, then let the server settle."""
        cheap = next((q for q in self.queries if q.cheap), self.queries[0])
        path, headers = query_path(cheap.text), {"Accept": ACCEPT[cheap.kind]}
        counts: list[int] = []
        while len(counts) < 10 and (len(counts) < 3 or counts[-1] != counts[-2]):
            measure(lambda: Client(server.port, path, headers), 4, Window(self.plan.warmup, 8, 10))
            counts.append(server.memory()["processes"])
        measure(lambda: Client(server.port, path, headers), 1, Window(self.plan.warmup, 8, 10))
        time.sleep(1)

    def _uncached(self, data_dir: Path, scale: int, raw: dict) -> dict:
        """icskg with its answer cache off, on the queries the targets compare icskg's own work
        on: at the scales rdflib-endpoint runs, every query (the geometric mean is over the whole
        mix); above them the mix's own queries (the cheap lookups among them) and every query
        taking ``HEAVY_MS`` or more on the raw engine (16 of 96 at x100). Estimated from the
        figures of the 2026-12-04 full run: about 6 minutes more than the 48 it took, against 7.5
        for every query at every scale. Repeated texts only: a distinct text each request misses
        the cache anyway, and the cached server times that."""
        if scale <= self.plan.rdflib_max_scale:
            queries = self.queries
        else:
            queries = [q for q in self.queries if not q.name.startswith("cq:")
                       or (_p50(raw.get(q.name)) or 0) >= HEAVY_MS]
        self.say(f"x{scale} icskg uncached (answer cache off): {len(queries)} queries")
        log = self.logs / f"icskg-uncached-x{scale}.log"
        system = HttpSystem(UNCACHED, lambda: Icskg(data_dir, log, self.server_cpu,
                                                    env={**ONE_ADDRESS, **CACHE_OFF}))
        try:
            self._warm(system.server)
            return self._system(system, scale, queries, fresh=False)
        finally:
            system.close()

    def _etag(self, server: Server) -> dict:
        """Repeated GETs with the ETag of the first answer: 304 without running the query."""
        out = {}
        for q in self.queries:
            if q.name not in ETAG_QUERIES:
                continue
            path = query_path(q.text)
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
            conn.request("GET", path, headers={"Accept": ACCEPT[q.kind]})
            response = conn.getresponse()
            response.read()
            etag = response.getheader("ETag")
            conn.close()
            if not etag:
                out[q.name] = {"error": "no ETag on the answer"}
                continue
            headers = {"Accept": ACCEPT[q.kind], "If-None-Match": etag}
            out[q.name] = {str(c): measure(lambda h=headers, p=path: Client(server.port, p, h), c,
                                           self.plan.window).as_dict() for c in CONCURRENCY}
        return out

    def _bare(self, scale: int) -> dict:
        """The bare stack (:mod:`bench.bare`) on every query icskg answered."""
        answers = self.work / f"bare-x{scale}"
        shutil.rmtree(answers, ignore_errors=True)
        answers.mkdir(parents=True)
        timed = [q for q in self.queries if q.name in self.bodies]
        for q in timed:
            answer_file(answers, q.text).write_bytes(self.bodies[q.name])
        out: dict = {}
        log = self.logs / f"bare-x{scale}.log"
        system = HttpSystem("bare stack", lambda: BareStack(answers, log, self.server_cpu))
        try:
            for q in timed:
                window = replace(self.plan.window, warm=True)
                out[q.name] = {"stats": {str(c): system.timed(q, c, window) for c in CONCURRENCY}}
        finally:
            system.close()
            shutil.rmtree(answers, ignore_errors=True)
        return out

    # one scale -----------------------------------------------------------------------------------
    def scale(self, scale: int, data_dir: Path, nquads: Path) -> dict:
        entry: dict = {"memory": {}, "systems": {}}
        self.bodies = {}
        entry["systems"]["icskg"] = self._icskg(data_dir, scale, entry)
        if scale <= self.plan.rdflib_max_scale:
            self.say(f"x{scale} the bare stack (gunicorn and Flask, no engine)")
            entry["bare"] = self._bare(scale)
        self.say(f"x{scale} raw engine")
        store = Path(os.path.realpath(data_dir / "store"))
        raw = InProcessSystem("raw", lambda: InProcess("raw", store, self.server_cpu))
        try:
            entry["systems"]["raw"] = self._system(raw, scale)
            entry["union"] = {key: _count(raw.holder, text) for key, text in UNION_COUNTS.items()}
        finally:
            raw.close()
        entry["systems"][UNCACHED] = self._uncached(data_dir, scale, entry["systems"]["raw"])
        if scale <= self.plan.rdflib_max_scale:
            self.say(f"x{scale} rdflib in-process: loading")
            floor = InProcessSystem("rdflib", lambda: InProcess("rdflib", nquads, self.server_cpu))
            try:
                entry["rdflib_load_seconds"] = floor.holder.load_seconds
                entry["memory"]["rdflib"] = floor.holder.memory
                entry["systems"]["rdflib"] = self._system(floor, scale)
            finally:
                floor.close()
            self.say(f"x{scale} rdflib-endpoint: loading {nquads.name}")
            log = self.logs / f"rdflib-endpoint-x{scale}.log"
            peer = HttpSystem("rdflib-endpoint", lambda: RdflibEndpoint(nquads, log, self.server_cpu))
            try:
                entry["rdflib_endpoint_ready_seconds"] = peer.server.ready_seconds
                entry["systems"]["rdflib-endpoint"] = self._system(peer, scale)
                entry["memory"]["rdflib-endpoint"] = peer.server.memory()
            finally:
                peer.close()
        _compare(entry["systems"])
        return entry

    def run(self) -> dict:
        if self.client_cpu is not None:
            pin(self.client_cpu)
        results: dict = {
            "plan": self.plan.name,
            "meta": environment.describe(self.server_cpu, self.client_cpu),
            "queries": {q.name: {"what": q.what, "kind": q.kind, "cheap": q.cheap,
                                 # the competency questions are in queries/; keep the figures small
                                 "text": None if q.name.startswith("cq:") else q.text}
                        for q in self.queries},
            "window": vars(self.plan.window),
            "scales": {},
        }
        for leftover in self.work.glob("x*"):
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        self.work.mkdir(parents=True, exist_ok=True)
        x1 = self.work / "x1"
        self.say("building the real knowledge graph (icskg build)")
        results["build"] = steps.build(x1, self.logs / "build.log")
        real = self.work / "x1.nq"
        results["export"] = {"1": steps.export(x1, real, self.logs / "export.log")}
        results["synthesis"], results["load"] = {}, {}
        for scale in self.plan.scales:
            source = real if scale == 1 else self.work / f"x{scale}.nq"
            if scale != 1:
                self.say(f"synthesising x{scale}")
                results["synthesis"][str(scale)] = synthesise(real, scale, source)
            self.say(f"x{scale}: icskg serve --data {source.name}")
            loaded = steps.load(self.work / f"x{scale}", source, self.logs / f"load-x{scale}.log",
                                self.server_cpu)
            data_dir = x1 if scale == 1 else loaded.pop("data_dir")
            loaded.pop("data_dir", None)
            loaded["quads"] = results["export"]["1"]["quads"] if scale == 1 else \
                results["synthesis"][str(scale)]["quads"]
            results["load"][str(scale)] = loaded
            if scale != 1:
                dump = self.work / f"x{scale}.export.nq"
                results["export"][str(scale)] = steps.export(data_dir, dump, self.logs / "export.log")
                dump.unlink()
            results["scales"][str(scale)] = self.scale(scale, data_dir, source)
            results["scales"][str(scale)]["loadavg"] = os.getloadavg()
            if scale > self.plan.rdflib_max_scale and scale != 1:
                source.unlink()  # the largest copies are big; the store holds them now
        self.say("validation")
        results["validation"] = validation.measure(x1, self.work, self.logs, self.server_cpu,
                                                   full=self.plan.profile)
        if self.plan.profile:  # the full run: against Apache Jena's SHACL engine (bench/shacl.py)
            self.say("validation against Jena")
            try:
                scales = tuple(s for s in (1, 10) if s in self.plan.scales)
                results["shacl"] = shacl.measure(self.work / "shacl", scales, self.server_cpu, runs=1)
            except SystemExit as missing:
                results["shacl"] = {"todo": str(missing)}
        results["meta"]["loadavg_after"] = os.getloadavg()
        results["meta"]["seconds"] = time.perf_counter() - results["meta"].pop("_started")
        return results


def _compare(systems: dict) -> None:
    """Check every system's answers against the raw engine's, then keep only the verdicts."""
    found = {name: {q: entry.pop("answer") for q, entry in per_query.items() if "answer" in entry}
             for name, per_query in systems.items()}
    reference = found.get("raw", {})
    for name, per_query in systems.items():
        for qname, answer in found[name].items():
            entry = per_query[qname]
            entry["rows"] = answer.count
            expected = reference.get(qname)
            if name == "raw" or expected is None:
                continue
            entry["differs"] = answer.differs_from(expected)
            if entry["differs"] is None and answer.count != expected.count:
                entry["note"] = f"same rows; {answer.count} vs {expected.count} counting duplicates"


def _seconds(call: Client) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _p50(entry: dict | None) -> float | None:
    """The p50 in ms of an entry's one-client timing (its first call for a slow query)."""
    stats = (entry or {}).get("stats", {}).get("1", {})
    return stats.get("p50_ms") if stats.get("calls") else None


def _count(holder: InProcess, sparql: str) -> int:
    body = holder.answer(sparql, "bindings", 600)
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def run(plan: Plan, work: Path) -> dict:
    return Bench(plan, work).run()


def with_options(plan: Plan, **changes: object) -> Plan:
    return replace(plan, **{k: v for k, v in changes.items() if v is not None})


def save(results: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
