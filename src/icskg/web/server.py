"""Run the app under gunicorn, the production server, with one read-only store per worker."""

from __future__ import annotations

import errno
import socket
import threading
from typing import Any

from gunicorn.app.base import BaseApplication

from icskg.config import Settings
from icskg.validation import bounded
from icskg.web import create_app
from icskg.web.worker import BufferingWorker


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(self.settings)


def cannot_listen(host: str, port: int) -> str | None:
    """Why ``serve`` could not listen on ``host:port`` (in one line), or None if it can.

    Checked before anything is built or forked, so a port in use is one clear message rather
    than gunicorn retrying five times and logging each failure."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        return f"Cannot listen on {host}:{port}: the host is not known here ({exc}); use --host."
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn does
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"Port {port} on {host} is in use by another program: stop it, or choose "
                        f"another port with --port (or ICSKG_PORT).")
            return f"Cannot listen on {host}:{port}: {exc.strerror or exc}."
    return None


def _warm(worker: Any) -> None:
    """Start a new worker's query and validation processes as it starts taking requests, so that
    the first query or upload it is sent does not wait for them to start (seconds on a busy
    machine). In a thread: the worker answers /healthz and lookups (which need no query process)
    meanwhile, instead of waiting for its fork server's imports; a query that comes first waits for
    its process. The query processes start first (opening the store takes milliseconds), the
    validation processes after them and below the server's priority (compiling the shapes takes
    about 0.8 s of CPU each), so that the first queries are not slowed by them."""
    threading.Thread(target=_start_processes, args=(worker,), name="icskg-warm", daemon=True).start()


def _start_processes(worker: Any) -> None:
    settings = worker.wsgi.extensions["icskg.settings"]
    warm = getattr(worker.wsgi.extensions["icskg.store"], "warm", None)
    if warm is not None:
        try:
            warm()
        except Exception:  # no store yet, say: the first query reports it
            if worker.alive:  # (a worker stopped as it starts may lose its fork server first)
                worker.log.exception("could not start the query processes")
    try:
        bounded.pool(settings.query_memory_mb, settings.validation_processes)
    except Exception:  # the first upload meets the same trouble and reports it
        if worker.alive:
            worker.log.exception("could not start the validation processes")


def run(settings: Settings) -> None:
    """Serve until interrupted. Workers are forked before the app is created, so each opens
    its own store; a worker stuck past ``worker_timeout`` is killed and replaced. Requests are
    read whole before a thread sees them (:mod:`icskg.web.worker`)."""
    BufferingWorker.request_seconds = settings.request_seconds  # inherited by forked workers
    BufferingWorker.max_body = settings.max_body_bytes
    BufferingWorker.client_slots = settings.client_slots
    BufferingWorker.spin_seconds = settings.spin_microseconds / 1e6
    _Gunicorn(settings, {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "worker_class": "icskg.web.worker.BufferingWorker",
        "threads": settings.threads,
        "timeout": settings.worker_timeout,
        # The access log is the worker's own (one line a request, written about once a second).
        "errorlog": "-",
        "preload_app": False,
        # A GET query with its prefixes spelled out runs to kilobytes: allow gunicorn's largest
        # request line (its default, 4 KB, answers 414 before the endpoint sees the query).
        "limit_request_line": 8190,
        "post_worker_init": _warm,
        # One shared socket path per user would make two servers on a machine collide.
        "control_socket_disable": True,
    }).run()
