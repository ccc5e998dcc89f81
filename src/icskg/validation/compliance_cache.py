"""The compliance matrices kept on disk, so that ``/compliance`` never validates on a first visit.

Validating the whole graph takes seconds of CPU, so ``icskg build`` computes the matrix for the
default day and the range of days the data allows, and writes both beside the stores
(``<data dir>/compliance/``). Another day inside that range is computed on request in a killable
child process under a memory limit, one computation at a time for the whole server (a lock
file shared by every worker), and kept among at most :data:`MAX_DAYS` other days.
Everything is keyed by a fingerprint of the dataset version, the shapes and icskg's version.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
import resource
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from icskg.config import Settings
from icskg.fingerprint import code_fingerprint
from icskg.namespaces import sparql_prologue
from icskg.store import Store

MAX_DAYS = 16
"""Days other than the default kept per fingerprint; the least recently written goes first."""
FIRST_DAY_FALLBACK = date(2022, 7, 1)  # the day the Health and Care Act 2022 established ICBs

FIRST_DAY = """SELECT (MIN(?day) AS ?first) WHERE {
  ?icb a ics:IntegratedCareBoard ; ics:startDate ?day . FILTER(datatype(?day) = xsd:date)
}"""
LAST_DAY = """SELECT (MAX(?day) AS ?last) WHERE {
  ?s ?p ?day . FILTER(datatype(?day) = xsd:date)
}"""


class Busy(RuntimeError):
    """Another day's matrix is being computed; the caller should come back later."""


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
    from icskg.validation.compliance import matrix
    from icskg.validation.published_record import coverage

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


def _write_json(target: Path, data: dict) -> None:
    temporary = target.with_name(f"{target.name}.{uuid.uuid4().hex}")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, target)


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


class ComplianceCache:
    """The matrices of one dataset version in ``<data dir>/compliance/``."""

    def __init__(self, data_dir: Path, version: str) -> None:
        self.folder = data_dir / "compliance"
        self.fingerprint = fingerprint(version)

    def _path(self, name: str) -> Path:
        return self.folder / f"{self.fingerprint}-{name}.json"

    def precompute(self, store: Store, build_day: date) -> DayRange:
        """At build: the range, and the default day's matrix; other fingerprints' files go."""
        self.folder.mkdir(parents=True, exist_ok=True)
        days = day_range(store, build_day)
        _write_json(self._path(days.default.isoformat()), payload(store, days.default, "build"))
        _write_json(self._path("range"), {k: v.isoformat() for k, v in asdict(days).items()})
        for stale in self.folder.glob("*.json*"):  # older datasets' files, and halves of killed writes
            if not stale.name.startswith(self.fingerprint) or not stale.name.endswith(".json"):
                stale.unlink(missing_ok=True)
        return days

    def range(self, store: Store, build_day: date) -> DayRange:
        """The range written at build, or (for a store built otherwise) worked out once now."""
        path = self._path("range")
        if path.is_file():
            return DayRange(**{k: date.fromisoformat(v) for k, v in json.loads(path.read_text()).items()})
        days = day_range(store, build_day)
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_json(path, {k: v.isoformat() for k, v in asdict(days).items()})
        return days

    def cached(self, day: date) -> dict | None:
        path = self._path(day.isoformat())
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def get(self, settings: Settings, day: date, default: date) -> dict:
        """The matrix for ``day``: from disk, or computed now in a bounded child.

        :raises Busy: while another computation runs (in any worker).
        :raises Unavailable: when the child passes its time or memory limit.
        """
        found = self.cached(day)
        if found is not None:
            return found
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "compute.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise Busy("Another day's compliance picture is being computed; try again in a "
                           "minute.") from None
            found = self.cached(day)  # computed by the holder of the lock we waited for
            if found is not None:
                return found
            target = self._path(day.isoformat())
            _compute_bounded(settings, day, target)
            self._evict(keep={target, self._path(default.isoformat())})
            found = self.cached(day)
        if found is None:
            raise Unavailable("The compliance picture could not be computed; try again later.")
        return found

    def _evict(self, keep: set[Path]) -> None:
        days = sorted((p for p in self.folder.glob(f"{self.fingerprint}-*.json")
                       if p not in keep and not p.name.endswith("-range.json")),
                      key=lambda p: p.stat().st_mtime, reverse=True)
        for old in days[MAX_DAYS - 1:]:
            old.unlink(missing_ok=True)


def _child(settings: Settings, day: date, target: str) -> None:
    limit = settings.query_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from icskg.store import open_store

    _write_json(Path(target), payload(open_store(settings), day, "request"))


def seconds_allowed(settings: Settings) -> float:
    """About 15 s of CPU on the whole graph, which a busy two-core machine can stretch past a minute."""
    return max(120.0, 4 * settings.query_timeout)


def _compute_bounded(settings: Settings, day: date, target: Path) -> None:
    context = multiprocessing.get_context("forkserver")
    child = context.Process(target=_child, args=(settings, day, str(target)), daemon=True)
    child.start()
    child.join(seconds_allowed(settings))
    if child.is_alive():
        child.kill()
        child.join()
        raise Unavailable(f"The compliance picture for {day.isoformat()} took longer than "
                          f"{seconds_allowed(settings):g} s and was stopped; try again later.")
    if child.exitcode != 0:
        raise Unavailable(f"The compliance picture for {day.isoformat()} could not be computed within "
                          f"its {settings.query_memory_mb:,} MB of memory; try again later.")
