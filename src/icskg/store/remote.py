"""icskg over an existing SPARQL server: the same :class:`~icskg.store.base.Store`, over HTTP.

Queries go over the SPARQL 1.1 Protocol; the dataset is loaded over the Graph Store Protocol
(or SPARQL Update ``INSERT DATA`` where a server has none). Answers are parsed here and
re-serialised by the same code as the embedded store's, so a client cannot tell the two apart;
what differs between servers is kept in :mod:`icskg.store.dialects`.

The dataset of every query is named explicitly (``default-graph-uri``, ``named-graph-uri``) and
only ever from icskg's own graphs, so a server's other graphs (Virtuoso's system graphs, other
applications' data) are never seen, and the default graph is the union of icskg's graphs, as in
the embedded store. Which graphs those are, with the dataset version and triple counts, is kept
on the server in a manifest graph of its own, outside the dataset.

Loading replaces each graph atomically where the server allows: every graph is first loaded
under a temporary name and its triple count checked; only then is each moved over the served
one (SPARQL ``MOVE``), old graphs dropped, the manifest written last and the counts checked again.
"""

from __future__ import annotations

import json
import re
import time
import uuid
import weakref
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import pyoxigraph as ox
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from icskg.config import Settings
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, Format, by_name
from icskg.namespaces import GRAPH, ID
from icskg.sparql.facts import LexicalError, QueryShape, UnknownFunction, shape_of, with_prefixes
from icskg.sparql.spans import graph_constants
from icskg.store.base import (
    WIRE,
    GraphSource,
    Limits,
    LineResult,
    QueryEvaluationError,
    QueryResult,
    QuerySyntaxError,
    QueryTimeout,
    Store,
    StoreError,
)
from icskg.store.dialects import DIALECTS, Dialect, dialect_named

MANIFEST = str(GRAPH["manifest"])
"""The graph that records, on the server, what icskg pushed there (not part of the dataset)."""
DATASET = str(ID["dataset/icskg"])
RDF_VALUE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
NO_GRAPH = "urn:icskg:no-graph"
"""Names an empty dataset part: a server given no graph would use all of its own instead."""
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
WIRE_BYTES_PER_ANSWER_BYTE = 16
"""How much bigger than the answer icskg returns the server's answer may be on the wire (SPARQL
JSON repeats each variable's name and term type in every row): reading stops past that, so one
query cannot fill icskg's memory with a server's answer."""
ERROR_BODY_BYTES = 65_536
CONNECT_SECONDS = 5.0
GRACE_SECONDS = 5.0
"""How much longer than a server-side time limit the client waits for the server's own answer."""
MANIFEST_SECONDS = 2.0
"""How long the manifest (version, graphs) read from the server is reused before reading again."""
INSERT_BATCH = 5_000
"""Triples per ``INSERT DATA`` request when a server has no Graph Store Protocol."""


class _Retry(Retry):
    """Retries, except after a read timeout: a query that was slow once will be slow again."""

    def increment(self, method: str | None = None, url: str | None = None, *args: Any,
                  error: Exception | None = None, **kwargs: Any) -> Retry:
        if isinstance(error, ReadTimeoutError):
            raise error
        return super().increment(method, url, *args, error=error, **kwargs)


def _session(retry: Retry) -> requests.Session:
    """A session that reuses connections and retries transient failures with back-off."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _reason(exc: BaseException) -> str:
    """The innermost cause of a connection failure, in a few words ("Connection refused")."""
    text = str(exc)
    errno = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if errno:
        return errno.group(1).strip()
    for known in ("Connection refused", "Connection reset", "Connection aborted",
                  "Remote end closed connection", "timed out", "Name or service not known"):
        if known.lower() in text.lower():
            return known
    return type(exc).__name__


class _Reply(NamedTuple):
    """A server's answer, read within its byte bound."""

    headers: Mapping[str, str]
    content: bytes


def _read_within(response: requests.Response, max_bytes: int | None) -> bytes | None:
    """The body of a streamed ``response``, or None past ``max_bytes``. The connection is always
    given back (whole answer read) or closed (anything else), never left open."""
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(chunk_size=65_536):
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                return None
            chunks.append(chunk)
    except requests.exceptions.RequestException as exc:  # a timeout or a break while streaming
        if isinstance(exc.args[0] if exc.args else None, ReadTimeoutError):
            raise QueryTimeout(f"The SPARQL server at {response.url} stopped sending its answer. "
                               "Narrow the query (more specific patterns, LIMIT).") from None
        raise StoreError(f"The SPARQL server at {response.url} broke off its answer: "
                         f"{_reason(exc)}.") from None
    finally:
        response.close()
    return b"".join(chunks)


def _cut_to_bytes(payload: bytes, max_bytes: int | None) -> tuple[bytes, str | None]:
    """An answer in line form cut at the last whole line within ``max_bytes``, as the embedded
    store cuts it (the limit the client is told: ``bytes=N``)."""
    if max_bytes is None or len(payload) <= max_bytes:
        return payload, None
    return payload[:payload.rfind(b"\n", 0, max_bytes) + 1], f"bytes={max_bytes}"


def _close_all(*sessions: requests.Session) -> None:
    for session in sessions:
        session.close()


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return "no message"


def _triple_count(ntriples: bytes) -> int:
    return sum(1 for line in ntriples.splitlines() if line.strip() and not line.startswith(b"#"))


def _iri(name: str) -> str:
    """``<name>`` for a SPARQL text, after checking ``name`` is an IRI (nothing can be injected)."""
    return f"<{ox.NamedNode(name).value}>"


class RemoteStore(Store):
    """The dataset on a SPARQL server at ``endpoint``; see the module docstring."""

    def __init__(
        self,
        endpoint: str,
        graph_store: str | None = None,
        dialect: str | Dialect = "auto",
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout: float = 60.0,
        update_endpoint: str | None = None,
    ) -> None:
        if not re.match(r"^https?://", endpoint):
            raise ValueError(f"The SPARQL endpoint {endpoint!r} must be an http:// or https:// URL.")
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.graph_store = graph_store or None
        self.timeout = timeout
        self._dialect = dialect if isinstance(dialect, Dialect) else None
        if not self._dialect and dialect != "auto":
            self._dialect = dialect_named(dialect)
        self._user, self._password, self._token = user, password, token
        # Queries are safe to repeat; writes are repeated only when the request was never sent.
        self._reads = _session(_Retry(
            total=4, connect=3, read=1, status=2, other=0, status_forcelist=(502, 503, 504),
            allowed_methods=None, backoff_factor=0.2, raise_on_status=False,
        ))
        self._writes = _session(_Retry(total=3, connect=3, read=0, status=0, other=0,
                                       allowed_methods=None, backoff_factor=0.2))
        # Kept-alive connections are closed with the store, not left to the garbage collector
        # (a socket it finds open is a ResourceWarning, at whatever moment it runs).
        self.close = weakref.finalize(self, _close_all, self._reads, self._writes)
        self._manifest: tuple[float, dict | StoreError | None] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        return cls(settings.endpoint, settings.graph_store or None, settings.dialect,
                   settings.auth_user or None, settings.auth_password or None,
                   settings.auth_token or None, settings.query_timeout,
                   settings.update_endpoint or None)

    # HTTP ------------------------------------------------------------------------------------
    @property
    def dialect(self) -> Dialect:
        """The server's dialect; with ``auto``, told by the ``Server`` header of its first answer."""
        if self._dialect is None:
            response = self._send(self._reads, "GET", self.endpoint, authenticate=False)
            server = response.headers.get("Server", "").lower()
            self._dialect = next(
                (d for name, d in DIALECTS.items() if name != "generic" and name in server),
                DIALECTS["generic"],
            )
        return self._dialect

    def _auth(self) -> Any:
        if self._token:
            return None  # sent as a header
        if self._user is None:
            return None
        if self.dialect.auth_scheme == "digest":
            return requests.auth.HTTPDigestAuth(self._user, self._password or "")
        return requests.auth.HTTPBasicAuth(self._user, self._password or "")

    def _send(self, session: requests.Session, method: str, url: str, *,
              authenticate: bool = True, seconds: float | None = None,
              headers: Mapping[str, str] | None = None, **kwargs: Any) -> requests.Response:
        """One request; connection failures, timeouts and refused credentials become StoreErrors."""
        headers = dict(headers or {})
        if authenticate and self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        read = seconds if seconds is not None else self.timeout
        try:
            response = session.request(
                method, url, headers=headers, timeout=(CONNECT_SECONDS, read),
                auth=self._auth() if authenticate else None, **kwargs,
            )
        except requests.exceptions.ConnectTimeout as exc:
            raise StoreError(f"Cannot reach the SPARQL server at {url}: {_reason(exc)}.") from None
        except requests.exceptions.ReadTimeout:
            raise QueryTimeout(
                f"The SPARQL server at {url} did not answer within {read:g} s. Narrow the query "
                "(more specific patterns, LIMIT) or ask for less."
            ) from None
        except requests.exceptions.RequestException as exc:
            raise StoreError(f"Cannot reach the SPARQL server at {url}: {_reason(exc)}.") from None
        if authenticate and response.status_code in (401, 403):
            response.close()  # a streamed answer's connection is not left to the garbage collector
            raise StoreError(
                f"The SPARQL server at {url} refused the credentials (HTTP {response.status_code}). "
                "Check ICSKG_AUTH_USER and ICSKG_AUTH_PASSWORD, or ICSKG_AUTH_TOKEN."
            )
        return response

    def _ask(self, text: str, form: str, defaults: list[str], named: list[str],
             seconds: float | None = None, max_bytes: int | None = None) -> _Reply:
        """Send one query over the SPARQL 1.1 Protocol (URL-encoded POST) with its dataset; an
        answer past ``max_bytes`` times :data:`WIRE_BYTES_PER_ANSWER_BYTE` is refused unread."""
        dialect = self.dialect
        data = [("query", dialect.prepare(text, form))]
        data += [("default-graph-uri", g) for g in defaults or [NO_GRAPH]]
        data += [("named-graph-uri", g) for g in named or [NO_GRAPH]]
        read = seconds if seconds is not None else self.timeout
        extra = dialect.timeout_parameters(read)
        data += list(extra.items())
        accept = RESULTS_JSON if form in ("SELECT", "ASK") else NTRIPLES
        response = self._send(self._reads, "POST", self.endpoint, data=data,
                              headers={"Accept": accept}, stream=True,
                              seconds=read + GRACE_SECONDS if extra else read)
        if response.status_code == 200:
            wire = max_bytes * WIRE_BYTES_PER_ANSWER_BYTE if max_bytes is not None else None
            content = _read_within(response, wire)
            if content is None:
                raise QueryEvaluationError(
                    f"The answer is larger than the {max_bytes:,} bytes icskg returns for one query "
                    f"(the server's answer passed {wire:,} bytes before it could be cut at a whole "
                    "row). Add a LIMIT, or select fewer or shorter values.")
            return _Reply(response.headers, content)
        message = _first_line((_read_within(response, ERROR_BODY_BYTES) or b"").decode("utf-8", "replace"))
        if response.status_code == 400:
            raise QuerySyntaxError(f"the SPARQL server refused the query: {message}")
        if response.status_code == 500:
            raise QueryEvaluationError(f"The SPARQL server could not evaluate the query: {message}")
        raise StoreError(
            f"The SPARQL server at {self.endpoint} answered HTTP {response.status_code}: {message}"
        )

    def _count(self, graph: str) -> int:
        response = self._ask(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}",
            "SELECT", [], [graph],
        )
        return int(next(iter(self._solutions(response, None)[0]))["n"].value)

    # reading ---------------------------------------------------------------------------------
    def _read_manifest(self, max_age: float) -> dict | None:
        """The record ``push`` left on the server, read again when older than ``max_age``
        seconds. A failure to read it is remembered as long, so that while the server is down
        every request fails at once instead of waiting out the retries again."""
        now = time.monotonic()
        if self._manifest is None or now - self._manifest[0] > max_age:
            try:
                response = self._ask(
                    f"SELECT ?record WHERE {{ GRAPH {_iri(MANIFEST)} {{ {_iri(DATASET)} "
                    f"{_iri(RDF_VALUE)} ?record }} }}", "SELECT", [], [MANIFEST],
                )
                solutions = list(self._solutions(response, None)[0])
                record = json.loads(solutions[0]["record"].value) if solutions else None
            except StoreError as exc:
                self._manifest = (now, exc)
                raise
            self._manifest = (now, record)
        failure = self._manifest[1]
        if isinstance(failure, StoreError):
            raise type(failure)(str(failure))
        return self._manifest[1]

    def check(self) -> None:
        """Ask the server one question with the credentials given, so that an unreachable
        server or refused credentials show up before any other work.

        :raises StoreError: saying which.
        """
        self._read_manifest(0.0)

    def info(self) -> dict:
        """The record ``push`` left on the server (version, graph triple counts, ``built_at``)."""
        record = self._read_manifest(MANIFEST_SECONDS)
        if record is None:
            raise StoreError(
                f"No icskg dataset on the SPARQL server at {self.endpoint}. "
                f"Load it with `icskg push --endpoint {self.endpoint}`."
            )
        return record

    def graphs(self) -> list[str]:
        return sorted(self.info().get("graph_triples", {}))

    def query(
        self,
        sparql: str,
        default_graphs: Iterable[str] = (),
        named_graphs: Iterable[str] = (),
        limits: Limits | None = None,
        base_iri: str | None = None,
        formats: Mapping[str, Format] | None = None,
    ) -> QueryResult:
        """Run ``sparql`` on the server with the embedded store's dataset rules. Answers come in
        their line form whatever ``formats`` says (the server's own JSON or XML is not trusted
        as it stands).

        Only what reads as a SPARQL 1.1 query is sent: no update, no server-specific syntax or
        extension function (a Virtuoso ``bif:`` function could read files on the server).
        icskg's prefixes are predeclared, as in the embedded store.
        """
        sparql = with_prefixes(sparql)
        try:
            shape = shape_of(sparql, base_iri)
        except UnknownFunction as exc:
            raise QueryEvaluationError(str(exc)) from None
        except LexicalError as exc:
            raise QuerySyntaxError(str(exc)) from None
        known = set(self.graphs())
        defaults, named = list(default_graphs), list(named_graphs)
        if not (defaults or named):
            if shape.declares_dataset:
                defaults, named = shape.default_graphs, shape.named_graphs
            else:
                defaults = named = sorted(known)
        # A graph name only ever names one of icskg's graphs; any other is an empty graph.
        defaults = [g for g in defaults if g in known]
        named = [g for g in named if g in known]
        text = _confine_graphs(sparql, shape, named)
        if text != sparql:
            named.append(NO_GRAPH)
        if base_iri:
            text = f"BASE {_iri(base_iri)}\n{text}"
        started = time.monotonic()
        max_bytes = limits.max_bytes if limits else None
        response = self._ask(text, shape.form, defaults, named,
                             limits.timeout if limits else None, max_bytes)
        max_rows = limits.max_rows if limits else None
        if shape.form in ("SELECT", "ASK"):
            solutions, cut = self._solutions(response, max_rows)
            kind = "boolean" if isinstance(solutions, ox.QueryBoolean) else "bindings"
            payload = solutions.serialize(format=WIRE[kind])
        else:
            triples, cut = self._triples(response, max_rows)
            kind, payload = "graph", ox.serialize(triples, format=WIRE["graph"])
        if kind != "boolean":
            payload, cut_bytes = _cut_to_bytes(payload, max_bytes)
            cut = cut_bytes or cut
        limit_hit = self.dialect.limit_hit(response.headers) or cut
        return LineResult(kind, payload, limit_hit, time.monotonic() - started)

    def _solutions(self, response: _Reply, max_rows: int | None
                   ) -> tuple[ox.QuerySolutions | ox.QueryBoolean, str | None]:
        """Parse a SELECT or ASK answer (repaired by the dialect), cut at ``max_rows``."""
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        fmt = by_name(media_type, RESULT_FORMATS)
        if fmt is None:
            raise StoreError(f"The SPARQL server answered a query with {media_type or 'no type'}, "
                             f"not {RESULTS_JSON}.")
        if fmt.engine != ox.QueryResultsFormat.JSON:
            return ox.parse_query_results(response.content, format=fmt.engine), None
        document = self.dialect.repair_results(json.loads(response.content))
        bindings = document.get("results", {}).get("bindings", [])
        cut = None
        if max_rows is not None and len(bindings) > max_rows:
            document["results"]["bindings"] = bindings[:max_rows]
            cut = f"rows={max_rows}"
        body = json.dumps(document).encode("utf-8")
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON), cut

    def _triples(self, response: _Reply, max_rows: int | None
                 ) -> tuple[list[ox.Triple], str | None]:
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        fmt = by_name(media_type, RDF_FORMATS)
        if fmt is None or fmt.holds_datasets:
            raise StoreError(f"The SPARQL server answered a query with {media_type or 'no type'}, "
                             f"not {NTRIPLES}.")
        triples = [quad.triple for quad in ox.parse(response.content, format=fmt.engine)]
        if max_rows is not None and len(triples) > max_rows:
            return triples[:max_rows], f"rows={max_rows}"
        return triples, None

    # writing ---------------------------------------------------------------------------------
    def _update(self, text: str) -> None:
        response = self._send(self._writes, "POST", self.update_endpoint, data={"update": text})
        if response.status_code not in (200, 204):
            raise StoreError(f"The SPARQL server at {self.update_endpoint} refused an update "
                             f"(HTTP {response.status_code}): {_first_line(response.text)}")

    def _load(self, graph: str, ntriples: bytes) -> None:
        """Put ``ntriples`` into the empty graph ``graph``."""
        if self.graph_store:
            response = self._send(
                self._writes, "PUT", self.graph_store, params={"graph": graph}, data=ntriples,
                headers={"Content-Type": NTRIPLES}, seconds=max(self.timeout, 300),
            )
            if response.status_code not in (200, 201, 204):
                raise StoreError(
                    f"The Graph Store at {self.graph_store} refused graph {graph} "
                    f"(HTTP {response.status_code}): {_first_line(response.text)}"
                )
            return
        # A blank node is scoped to one request, so the lines that hold one travel together, in
        # a template (INSERT ... WHERE {}): Virtuoso refuses blank nodes in INSERT DATA.
        lines = [line for line in ntriples.splitlines() if line.strip()]
        with_blanks = b"\n".join(line for line in lines if b"_:" in line).decode("utf-8")
        if with_blanks:
            self._update(f"INSERT {{ GRAPH {_iri(graph)} {{\n{with_blanks}\n}} }} WHERE {{}}")
        plain = [line for line in lines if b"_:" not in line]
        for i in range(0, len(plain), INSERT_BATCH):
            body = b"\n".join(plain[i:i + INSERT_BATCH]).decode("utf-8")
            self._update(f"INSERT DATA {{ GRAPH {_iri(graph)} {{\n{body}\n}} }}")

    def replace_dataset(self, graphs: Iterable[GraphSource], info: dict) -> None:
        """Load ``graphs`` under temporary names, check them, then swap each one in.

        :raises StoreError: if the server refuses a step or holds other counts than were sent;
            a failure before the swap leaves the served graphs untouched.
        """
        staging = f"urn:icskg:staging:{uuid.uuid4().hex}:"
        staged: dict[str, str] = {}
        sizes: dict[str, int] = {}
        try:
            for index, source in enumerate(graphs):
                _iri(source.name)
                sizes[source.name] = _triple_count(source.ntriples)
                if sizes[source.name] == 0:
                    continue
                staged[source.name] = f"{staging}{index}"
                self._load(staged[source.name], source.ntriples)
                held = self._count(staged[source.name])
                if held != sizes[source.name]:
                    raise StoreError(
                        f"The SPARQL server holds {held:,} triples of graph {source.name} after "
                        f"{sizes[source.name]:,} were sent; the served dataset is unchanged."
                    )
            previous = self._read_manifest(0.0) or {}
            for name in sizes:
                if name in staged:
                    self._update(f"MOVE SILENT {_iri(staged.pop(name))} TO {_iri(name)}")
                else:
                    self._update(f"DROP SILENT GRAPH {_iri(name)}")
            for name in set(previous.get("graph_triples", {})) - set(sizes):
                self._update(f"DROP SILENT GRAPH {_iri(name)}")
            record = {**info, "graph_triples": sizes, "built_at": time.time()}
            literal = json.dumps(json.dumps(record, sort_keys=True))  # a valid SPARQL string
            self._update(f"DROP SILENT GRAPH {_iri(MANIFEST)} ;\nINSERT DATA {{ GRAPH "
                         f"{_iri(MANIFEST)} {{ {_iri(DATASET)} {_iri(RDF_VALUE)} {literal} }} }}")
        finally:
            for temporary in staged.values():
                try:
                    self._update(f"DROP SILENT GRAPH {_iri(temporary)}")
                except StoreError:
                    pass  # the server is gone; the temporary graph names nothing served
        self._manifest = None
        self.verify(sizes)
        durable = self.dialect.after_load()
        if durable:
            self._ask(durable, "SELECT", [], [])

    def verify(self, sizes: Mapping[str, int]) -> None:
        """Check that the server holds ``sizes[graph]`` triples in each graph.

        :raises StoreError: naming the graphs whose counts differ.
        """
        response = self._ask(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            "SELECT", [], list(sizes),
        )
        held = {row["g"].value: int(row["n"].value) for row in self._solutions(response, None)[0]}
        wrong = [f"{g} ({held.get(g, 0):,} held, {n:,} sent)" for g, n in sizes.items()
                 if held.get(g, 0) != n]
        if wrong:
            raise StoreError("After loading, the SPARQL server holds other triple counts than "
                             f"were sent: {'; '.join(wrong)}")


def _confine_graphs(sparql: str, shape: QueryShape, named: list[str]) -> str:
    """``sparql`` with each ``GRAPH <iri>`` outside the named graphs pointed at an empty graph.

    SPARQL says such a pattern matches nothing; Virtuoso instead reads that graph if it exists
    and, if it does not, answers one empty solution (so ``ASK`` is true and ``COUNT(*)`` is 1).
    """
    out, position = [], 0
    for start, end, iri in graph_constants(sparql, shape):
        if iri not in named:
            out += [sparql[position:start], f"<{NO_GRAPH}>"]
            position = end
    out.append(sparql[position:])
    return "".join(out)

