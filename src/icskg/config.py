"""Settings, read in one place: defaults, then ``ICSKG_*`` environment variables, then CLI flags.

Every other module receives a :class:`Settings`; none reads the environment itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "ICSKG_"


@dataclass(frozen=True)
class Settings:
    """What an operator can set. Field ``x`` is read from ``ICSKG_X``."""

    data_dir: Path = Path("var")
    """Where built stores live (``store`` is a link to the one being served)."""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    """The address people reach the service at (``https://icskg.example.org``), written into
    every absolute link; ``http://HOST:PORT`` if empty. Never taken from a request's Host header,
    so a cache in front cannot be made to serve links to another site."""
    workers: int = 2
    """Web worker processes; each opens the store read-only."""
    threads: int = 4
    """Threads per web worker: a worker waiting on a long query still answers other requests."""
    request_seconds: float = 10.0
    """Seconds a client may take to send a whole request; a slower one is disconnected. Requests
    are read without holding a thread, so slow clients cannot take the threads."""
    client_slots: int = 2
    """Requests one client address may have in a web worker's threads at once (more get 503 at
    once); 0 for no limit, as behind a reverse proxy, where every client has its address."""
    spin_microseconds: int = 200
    """How long a web worker's idle thread watches for the next request before it sleeps, while
    requests come that close together: a core that sleeps wakes slowly (on a virtual machine the
    next cheap lookup then takes about twice as long). At most this much CPU a request; 0 for none."""
    worker_timeout: int = 120
    """Seconds a web worker may go silent before gunicorn kills and replaces it."""
    query_timeout: float = 30.0
    """Seconds a query may run; a request may ask for less with ``timeout=``."""
    max_rows: int = 100_000
    """Most solutions or triples one answer returns; longer answers are cut and say so."""
    query_processes: int = 4
    """Killable query processes per web worker: as many as its threads, so slow queries in some
    threads never leave a cheap query in another waiting for a process."""
    query_memory_mb: int = 2048
    """Memory limit (RLIMIT_DATA) of every process that works for the web: queries, validations and
    the compliance picture of a day (:class:`icskg.killable.Budget`)."""
    validation_processes: int = 2
    """Killable validation processes per web worker, each warm (ontology and shapes
    read); a validation that finds none free within 10 s gets 503."""
    build_memory_mb: int = 0
    """Memory limit (RLIMIT_DATA) of the child that builds or loads the store for ``serve``; 0 for
    none, since it grows with the files an operator chooses to load."""
    query_idle_memory_mb: int = 256
    """Memory a query process may keep after answering; one holding more is replaced."""
    max_answer_bytes: int = 32_000_000
    """Most bytes of data one answer carries (as SPARQL TSV or N-Triples); a longer answer is cut
    at a whole row and says so (``X-ICSKG-Limit: bytes=N``)."""
    answer_cache_bytes: int = 64_000_000
    """Bytes of complete ``/sparql`` answers each web worker keeps for repeated requests (0: none);
    a new dataset version or new code starts afresh."""
    max_body_bytes: int = 1_000_000
    """Largest request body accepted by the endpoint."""
    cors_origins: str = "*"
    """Origins allowed to read answers from a browser (``*`` for any, empty for none)."""
    cache_seconds: int = 300
    """How long clients and proxies may reuse an answer (``Cache-Control: max-age``)."""
    endpoint: str = ""
    """A SPARQL server's query URL to use instead of the embedded store (docs/scaling.md)."""
    graph_store: str = ""
    """That server's Graph Store Protocol URL, used by ``icskg push``; SPARQL Update if empty."""
    update_endpoint: str = ""
    """Where ``icskg push`` sends SPARQL Update, if not to ``endpoint`` (GraphDB, RDF4J)."""
    dialect: str = "auto"
    """The server's kind (virtuoso, fuseki, graphdb, qlever, generic); ``auto`` reads its header."""
    auth_user: str = ""
    auth_password: str = field(default="", repr=False)
    """Secrets are read from the environment only, never from flags, and never printed."""
    auth_token: str = field(default="", repr=False)
    """A bearer token, sent instead of a user name and password."""

    @property
    def store_path(self) -> Path:
        return self.data_dir / "store"

    @property
    def public_base(self) -> str:
        """:attr:`public_url`, or ``http://HOST:PORT``, without a trailing slash."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def _coerce(kind: Any, raw: str, name: str) -> Any:
    try:
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
        if kind in (Path, "Path"):
            return Path(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {kind}") from None
    return raw


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build settings from defaults, then ``environ`` (``os.environ`` by default), then ``overrides``.

    ``None`` values in ``overrides`` (CLI flags not given) are ignored.

    :raises ValueError: if an environment value has the wrong type.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in fields(Settings):
        raw = environ.get(ENV_PREFIX + setting.name.upper())
        if raw is not None:
            values[setting.name] = _coerce(setting.type, raw, setting.name)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = Path(value) if key == "data_dir" else value
    return replace(Settings(), **values)
