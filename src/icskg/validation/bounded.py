"""Validation in a child process that is killed when it runs too long or asks for too much memory.

pySHACL cannot be interrupted, and a web worker's request threads are not watched by gunicorn,
so the web app never validates in its own process. Each request's validation runs in a child
forked from a single-threaded fork server (``forkserver``: forking a threaded web worker could
copy a held lock), under an address-space limit; past the time limit the child is killed, the
work really stops, and the caller gets :class:`ValidationTimeout` naming the limit.

The child also writes the report in the formats the caller asks for, so that the time limit covers
the writing (a report of a large upload can take longer to write than to find) and only text, not
the report's RDF graph, crosses back to the web worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import resource
import signal
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from multiprocessing.connection import Connection

from rdflib import Graph

from icskg.offline import NetworkNotIsolated, cut_off_network
from icskg.validation.inputs import Input, InputError
from icskg.validation.render import render
from icskg.validation.report import ValidationReport

log = logging.getLogger(__name__)


class ValidationTimeout(RuntimeError):
    """The validation passed its time limit and was stopped."""


class ValidationFailed(RuntimeError):
    """The validation ran out of memory (or was killed) before answering: the data was too much."""


class ValidationFault(RuntimeError):
    """The validation failed for a reason that is neither the data nor its size: a fault in icskg."""


def _context() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["icskg.validate"])
    return context


def _child(connection: Connection, inputs: list[Input], regime: Sequence[str], as_of: date | None,
           today: date | None, memory_mb: int, max_bytes: int | None, formats: Sequence[str]) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from icskg.validate import validate

    try:
        cut_off_network()  # an upload's parsers and pySHACL can reach nothing
        report = validate(inputs, regime, as_of, today=today, max_bytes=max_bytes)
        written = {fmt: render(report, fmt) for fmt in formats}
        connection.send(("ok", (replace(report, graph=Graph()), written)))
    except (InputError, ValueError) as exc:
        connection.send(("input", str(exc)))
    except MemoryError:
        connection.send(("failed", f"the validation needed more than {memory_mb:,} MB of memory"))
    except NetworkNotIsolated as exc:
        connection.send(("offline", str(exc)))
    except Exception as exc:  # a fault in icskg: said as such, never blamed on memory or the data
        log.exception("validation failed")
        connection.send(("fault", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()


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
) -> tuple[ValidationReport, dict[str, str]]:
    """:func:`icskg.validate.validate` in a killable child process; returns the report (without its
    RDF graph) and the report written in each of ``formats`` (see :func:`render`), both within
    ``seconds``.

    :raises InputError: for data that cannot be read, an unknown regime or a bad date.
    :raises ValidationTimeout: past ``seconds``.
    :raises ValidationFailed: when the child dies without answering.
    """
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, daemon=True,
                            args=(sender, inputs, list(regime), as_of, today, memory_mb, max_bytes,
                                  list(formats)))
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise ValidationTimeout(f"The validation took longer than the limit of {seconds:g} s and was "
                                    "stopped; send less data, or validate it with `icskg validate`.")
        try:
            kind, payload = receiver.recv()
        except EOFError:
            kind, payload = "died", None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if kind == "input":
        raise InputError(payload)
    if kind == "offline":
        raise ValidationFailed(f"The validation was not run: {payload}")
    if kind == "failed":
        raise ValidationFailed(f"The validation stopped: {payload}; send less data.")
    if kind == "fault":
        raise ValidationFault(f"The validation failed because of a fault in icskg ({payload}), not "
                              "because of the data; it has been logged.")
    if kind == "died":
        # Only a death by a signal may be the memory limit (C and Rust code abort when an
        # allocation fails); anything that the validation itself raises is reported above.
        if child.exitcode is not None and child.exitcode < 0:
            name = signal.Signals(-child.exitcode).name
            raise ValidationFailed(f"The validation was stopped by {name} before it finished: it may have "
                                   f"run out of its {memory_mb:,} MB of memory; send less data.")
        raise ValidationFault(f"The validation process ended without answering (exit code "
                              f"{child.exitcode}); this is a fault in icskg, not in the data.")
    return payload
