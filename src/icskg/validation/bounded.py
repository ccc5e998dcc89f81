"""Validation in warm, killable worker processes (:mod:`icskg.killable`).

pySHACL cannot be interrupted, and a web worker's request threads are not watched by gunicorn,
so the web app never validates in its own process. Each request's validation runs in a worker of
a small pool, cut off from the network and under the one memory limit; past the time limit the
worker is killed, the work really stops, and the caller gets :class:`ValidationTimeout` naming the
limit. Each worker has read the ontology and every regime's shapes, and compiled them, before its
first validation (:func:`warm`), so a validation pays only for its own data.

The worker also writes the report in the formats the caller asks for, so that the time limit covers
the writing (a report of a large upload can take longer to write than to find) and only text, not
the report's RDF graph, crosses back to the web worker.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from rdflib import Graph

from icskg import killable
from icskg.killable import Budget, Pool
from icskg.resources import EXAMPLES_DIR
from icskg.validation.check import validate
from icskg.validation.inputs import Input, InputError
from icskg.validation.regimes import regimes
from icskg.validation.render import render
from icskg.validation.report import ValidationReport

WAIT = 10.0
"""Seconds a validation waits for a free worker before it is refused (503)."""


class ValidationTimeout(RuntimeError):
    """The validation passed its time limit and was stopped."""


class ValidationFailed(RuntimeError):
    """The validation ran out of memory (or was killed) before answering: the data was too much."""


class ValidationBusy(ValidationFailed):
    """Every validation worker stayed busy: the caller should come back in a few seconds."""


class ValidationFault(RuntimeError):
    """The validation failed for a reason that is neither the data nor its size: a fault in icskg."""


def warm() -> None:
    """What every validation reads, read once per worker: the ontology, each regime's shapes and
    the engine's compiled form of them (and pySHACL, where a regime needs it), by validating the
    bundled example against every regime."""
    validate(EXAMPLES_DIR / "icb-breaches.ttl", list(regimes()))


def _validate(inputs: list[Input], regime: list[str], as_of: date | None, today: date | None,
              max_bytes: int | None, formats: list[str]) -> tuple:
    """The task: validate and write the report; ``("input", message)`` for data that cannot be read."""
    try:
        report = validate(inputs, regime, as_of, today=today, max_bytes=max_bytes)
        written = {fmt: render(report, fmt) for fmt in formats}
    except (InputError, ValueError) as exc:
        return ("input", str(exc))
    return ("ok", (replace(report, graph=Graph()), written))


_pools: dict[tuple[int, int, int], Pool] = {}
_pools_lock = threading.Lock()


def pool(memory_mb: int = 2048, size: int = 2) -> Pool:
    """This process's validation workers with ``memory_mb`` each (started on first use)."""
    key = (os.getpid(), memory_mb, size)
    with _pools_lock:
        if key not in _pools:
            # Its warm-up (half a second of CPU a worker) runs below the server's priority.
            _pools[key] = Pool("validation", Budget(memory_mb), size=size, warm=warm, wait=WAIT,
                               keep_mb=256, warm_niceness=killable.SLOW_NICENESS)
        return _pools[key]


def validate_bounded(
    inputs: list[Input],
    regime: Sequence[str],
    as_of: date | None = None,
    *,
    today: date | None = None,
    seconds: float = 30.0,
    memory_mb: int = 2048,
    max_bytes: int | None = None,
    formats: Sequence[str] = (),
    processes: int = 2,
) -> tuple[ValidationReport, dict[str, str]]:
    """:func:`icskg.validation.validate` in a killable worker; returns the report (without its RDF
    graph) and the report written in each of ``formats`` (see :func:`render`), both within
    ``seconds``.

    :raises InputError: for data that cannot be read, an unknown regime or a bad date.
    :raises ValidationTimeout: past ``seconds``.
    :raises ValidationBusy: when every worker stays busy for :data:`WAIT` seconds.
    :raises ValidationFailed: when it runs out of memory or its worker dies without answering.
    :raises ValidationFault: when it fails because of a fault in icskg.
    """
    try:
        kind, payload = pool(memory_mb, processes).run(
            _validate, inputs, list(regime), as_of, today, max_bytes, list(formats), seconds=seconds)
    except killable.Busy:
        raise ValidationBusy("Every validation process is busy; try again in a few seconds.") from None
    except killable.OverTime as exc:
        raise ValidationTimeout(f"The validation took longer than the limit of {exc.seconds:g} s and was "
                                "stopped; send less data, or validate it with `icskg validate`.") from None
    except killable.Offline as exc:
        raise ValidationFailed(f"The validation was not run: {exc}") from None
    except (killable.OutOfMemory, killable.Died) as exc:
        if isinstance(exc, killable.Died) and (exc.exitcode is None or exc.exitcode >= 0):
            raise ValidationFault(f"The validation process ended without answering (exit code "
                                  f"{exc.exitcode}); this is a fault in icskg, not in the data.") from None
        raise ValidationFailed(f"The validation stopped: {exc}; send less data.") from None
    except killable.Fault as exc:
        raise ValidationFault(f"The validation failed because of a fault in icskg ({exc}), not "
                              "because of the data; it has been logged.") from None
    if kind == "input":
        raise InputError(payload)
    return payload
