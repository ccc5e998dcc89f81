"""The compliance matrices kept on disk, so that ``/compliance`` never validates on a first visit.

Validating the whole graph takes seconds of CPU, so ``icskg build`` computes the matrix for the
default day and the range of days the data allows, and writes both beside the stores
(``<data dir>/compliance/``). Another day inside that range is computed on request, in the
background: the request is answered at once (503 with Retry-After, "being computed"), and a warm
worker of :mod:`icskg.killable` (ontology and shapes read and compiled) works it out under the one
budget while a thread of the web worker, not a request, waits for it. One computation runs at a
time for the whole server (the folder's lock, shared by every worker), so the same day asked for
twice is computed once; at most :data:`MAX_DAYS` other days and :data:`MAX_BYTES` are kept, the
least recently used going first (:mod:`icskg.file_cache`). Everything is keyed by a fingerprint of
the dataset version, the shapes and icskg's code.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import IO

from icskg import killable
from icskg.config import Settings
from icskg.file_cache import FileCache, Locked
from icskg.fingerprint import code_fingerprint
from icskg.killable import Budget, Pool
from icskg.namespaces import sparql_prologue
from icskg.store import Store
from icskg.store.factory import open_store
from icskg.validation.bounded import warm
from icskg.validation.compliance import matrix
from icskg.validation.published_record import coverage

MAX_DAYS = 16
"""Days other than the default kept per fingerprint; the least recently used goes first."""
MAX_BYTES = 256 * 1024 * 1024
"""Bytes of those days kept (a day is about 0.5 MB for the 42 ICBs, 50 MB for a hundred times more)."""
RETRY_AFTER = 15
"""Seconds a visitor is asked to wait for a day being computed."""
FIRST_DAY_FALLBACK = date(2022, 7, 1)  # the day the Health and Care Act 2022 established ICBs

FIRST_DAY = """SELECT (MIN(?day) AS ?first) WHERE {
  ?icb a ics:IntegratedCareBoard ; ics:startDate ?day . FILTER(datatype(?day) = xsd:date)
}"""
LAST_DAY = """SELECT (MAX(?day) AS ?last) WHERE {
  ?s ?p ?day . FILTER(datatype(?day) = xsd:date)
}"""


class Busy(RuntimeError):
    """A matrix is being computed; the caller should come back in ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(RuntimeError):
    """The matrix could not be computed (time or memory limit); the message says which."""


@dataclass(frozen=True)
class DayRange:
    """The days ``/compliance`` accepts, and the one it shows by default."""

    first: date
    last: date
    default: date

    def check(self, day: date) -> None:
        """:raises ValueError: naming the range, for a day outside it."""
        if not self.first <= day <= self.last:
            raise ValueError(
                f"as_of={day.isoformat()} is outside the data's range: choose a day from "
                f"{self.first.isoformat()} (the first ICB's establishment) to {self.last.isoformat()} "
                "(the later of the build day and the latest date the data states).")


def fingerprint(version: str) -> str:
    """The dataset version and the code and shapes: what a matrix depends on."""
    return hashlib.sha256(f"{version} {code_fingerprint()}".encode()).hexdigest()[:16]


def payload(store: Store, day: date, computed: str) -> dict:
    """The matrix for ``day`` as JSON-ready data; ``computed`` says when ("build" or "request")."""
    found = matrix(store, day)
    rows = [{"icb": icb, "name": name,
             "cells": {family: {"outcome": cell.outcome,
                                "findings": [{"rule": f.rule, "severity": f.severity, "focus": f.focus,
                                              "where": f.focus_label, "message": f.message,
                                              "regime": f.regime,
                                              "links": [asdict(c) | {"url": c.url} for c in f.citations]}
                                             for f in cell.findings]}
                       for family, cell in cells.items()}}
            for icb, name, cells in found.rows]
    return {"families": found.families, "rows": rows, "as_of": day.isoformat(), "counts": found.counts,
            "totals": found.totals(), "coverage": found.coverage, "published": coverage(store),
            "computed": computed}


def _day(store: Store, query: str) -> date | None:
    rows = list(store.query(sparql_prologue() + query).rows())
    try:
        return date.fromisoformat(str(rows[0][0])) if rows and rows[0][0] else None
    except ValueError:
        return None


def day_range(store: Store, build_day: date) -> DayRange:
    """From the first ICB's establishment to the later of ``build_day`` and the data's last date."""
    first = _day(store, FIRST_DAY) or FIRST_DAY_FALLBACK
    last = max(build_day, _day(store, LAST_DAY) or build_day)
    return DayRange(first, last, min(build_day, last))


_running: dict[str, threading.Thread] = {}
_failures: dict[str, str] = {}
computations: collections.Counter[str] = collections.Counter()
"""Computations started in this process, by file name: each day once."""
_pools: dict[tuple[int, Budget], Pool] = {}
_pools_lock = threading.Lock()


def seconds_allowed(settings: Settings) -> float:
    """About 15 s of CPU on the whole graph, which a busy two-core machine can stretch past a minute."""
    return max(120.0, 4 * settings.query_timeout)


def _pool(settings: Settings) -> Pool:
    """This process's compliance worker (started on first use), online: the store may be remote."""
    budget = Budget.from_settings(settings, seconds_allowed(settings))
    with _pools_lock:
        key = (os.getpid(), budget)
        if key not in _pools:
            _pools[key] = Pool("compliance", budget, warm=warm, offline=False)
        return _pools[key]


def _matrix_json(settings: Settings, day: date) -> bytes:
    """The task: the matrix for ``day`` as JSON."""
    return json.dumps(payload(open_store(settings), day, "request")).encode()


def wait_for_computations() -> None:
    """Return once the computations started in this process have ended."""
    for thread in list(_running.values()):
        thread.join()


class ComplianceCache:
    """The matrices of one dataset version in ``<data dir>/compliance/``."""

    def __init__(self, data_dir: Path, version: str) -> None:
        self.folder = data_dir / "compliance"
        self.fingerprint = fingerprint(version)
        self.files = FileCache(self.folder, self.fingerprint, max_files=MAX_DAYS, max_bytes=MAX_BYTES)

    def _write(self, key: str, data: dict, keep: tuple[str, ...] = ()) -> None:
        self.files.write(key, json.dumps(data).encode(), keep=keep)

    def precompute(self, store: Store, build_day: date) -> DayRange:
        """At build: the range, and the default day's matrix; other fingerprints' files go."""
        days = day_range(store, build_day)
        self._write(days.default.isoformat(), payload(store, days.default, "build"), keep=("range",))
        self._write("range", {k: v.isoformat() for k, v in asdict(days).items()},
                    keep=(days.default.isoformat(),))
        self.files.drop_others()
        return days

    def range(self, store: Store, build_day: date) -> DayRange:
        """The range written at build, or (for a store built otherwise) worked out once now."""
        written = self.files.read("range")
        if written is not None:
            return DayRange(**{k: date.fromisoformat(v) for k, v in json.loads(written).items()})
        days = day_range(store, build_day)
        self._write("range", {k: v.isoformat() for k, v in asdict(days).items()})
        return days

    def cached(self, day: date) -> dict | None:
        found = self.files.read(day.isoformat())
        return None if found is None else json.loads(found)

    def get(self, settings: Settings, day: date, default: date) -> dict:
        """The matrix for ``day`` from disk; if there is none, its computation is started.

        :raises Busy: while a computation runs (in any worker), or once this one is started.
        :raises Unavailable: once, after this day's computation passed its time or memory limit
            (the next request tries again).
        """
        found = self.cached(day)
        if found is not None:
            return found
        name = self.files.path(day.isoformat()).name
        if (failure := _failures.pop(name, None)) is not None:
            raise Unavailable(failure)
        try:
            held = self.files.lock()
        except Locked:
            raise Busy("A compliance picture is being computed (one at a time); try again in a "
                       "minute.") from None
        found = self.cached(day)  # computed by the holder of the lock, between our two looks
        if found is not None:
            held.close()
            return found
        computations[name] += 1
        _running[name] = threading.Thread(target=self._compute, args=(settings, day, default, held),
                                          name=f"compliance {day}", daemon=True)
        _running[name].start()
        raise Busy(f"The compliance picture as of {day.isoformat()} is being computed now; it takes "
                   f"a few seconds to a minute. This page reloads itself in {RETRY_AFTER} seconds.",
                   RETRY_AFTER)

    def _compute(self, settings: Settings, day: date, default: date, held: IO) -> None:
        """In a thread of the web worker: wait for the worker's matrix and keep it, or the failure."""
        name = self.files.path(day.isoformat()).name
        try:
            data = _pool(settings).run(_matrix_json, settings, day)
            self.files.write(day.isoformat(), data, keep=(default.isoformat(), "range"))
        except killable.OverTime as exc:
            _failures[name] = (f"The compliance picture for {day.isoformat()} took longer than its "
                               f"{exc.what} limit of {exc.seconds:g} s and was stopped; try again later.")
        except (killable.OutOfMemory, killable.Died):
            _failures[name] = (f"The compliance picture for {day.isoformat()} could not be computed "
                               f"within its {settings.query_memory_mb:,} MB of memory; try again later.")
        except killable.WorkError as exc:
            _failures[name] = f"The compliance picture for {day.isoformat()} could not be computed: {exc}."
        finally:
            held.close()
            _running.pop(name, None)
