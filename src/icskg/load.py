"""Read RDF files given by a user (``icskg serve --data``) into the embedded store, each file as
one document: a blank node is scoped to its file, and shared by the file's named graphs.

``FILE`` puts the file's default-graph triples in a graph named by the file's ``file:`` IRI;
``GRAPH_IRI=FILE`` names that graph. Named graphs in TriG, N-Quads and JSON-LD files keep their
names.
The syntax comes from the file extension. Nothing is fetched: pyoxigraph's parsers load no
remote JSON-LD contexts and process no XML entities.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from icskg.store import EmbeddedStore

EXTENSIONS = "ttl, trig, nt, nq, rdf, owl, xml, jsonld, n3"


class LoadError(ValueError):
    """A data file is missing, of an unknown syntax, or malformed; the message names it."""


IRI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _split(spec: str) -> tuple[str | None, Path]:
    """``GRAPH_IRI=FILE`` or ``FILE`` (a path may contain ``=`` if what precedes it is no IRI)."""
    name, sep, path = spec.partition("=")
    if sep and IRI_SCHEME.match(name):
        return name, Path(path)
    return None, Path(spec)


def _format(path: Path) -> ox.RdfFormat:
    extension = path.suffix.lstrip(".").lower()
    extension = {"owl": "rdf", "xml": "rdf"}.get(extension, extension)
    fmt = ox.RdfFormat.from_extension(extension) if extension else None
    if fmt is None:
        raise LoadError(f"{path}: unknown RDF syntax; use one of these extensions: {EXTENSIONS}")
    return fmt


@dataclass(frozen=True)
class DataFile:
    """One file of ``serve --data``: where it is, its syntax, and the graph its default-graph
    triples go to."""

    path: Path
    format: ox.RdfFormat
    graph: ox.NamedNode


def data_files(specs: Iterable[str]) -> tuple[list[DataFile], str]:
    """Check every file (it exists, its syntax is known, a graph name is an IRI) before anything
    is loaded; return them and a hash of their names and contents (the dataset version).

    :raises LoadError: naming the file at fault.
    """
    files = []
    digest = hashlib.sha256()
    for spec in specs:
        name, path = _split(spec)
        if not path.is_file():
            raise LoadError(f"{path}: no such file")
        fmt = _format(path)
        default = name or path.resolve().as_uri()
        try:
            graph = ox.NamedNode(default)
        except ValueError as exc:
            raise LoadError(f"{default}: not an IRI to name a graph ({exc})") from None
        digest.update(default.encode() + b"\0")
        with path.open("rb") as data:
            while chunk := data.read(1 << 20):
                digest.update(chunk)
        files.append(DataFile(path, fmt, graph))
    return files, digest.hexdigest()


def load_files(store: EmbeddedStore, specs: Iterable[str],
               steps: dict[str, float] | None = None) -> dict[str, int]:
    """Replace the dataset of ``store`` with the files; return the triples per named graph.
    ``steps``, if given, gets the seconds each step took (``checksum``, then those of
    :meth:`EmbeddedStore.replace_with`).

    Each file is bulk-loaded whole, in one call: pyoxigraph gives the blank nodes of one call
    fresh identifiers, consistent within it, which is RDF's scope for them: the same label in two
    files names two nodes, and one node may sit in several named graphs of a TriG, N-Quads or
    JSON-LD file. (Splitting files into graphs and loading each graph apart broke both.)

    :raises LoadError: for a missing, unreadable or malformed file; the store is then untouched.
    """
    specs = list(specs)
    started = time.perf_counter()
    files, version = data_files(specs)
    if steps is not None:
        steps["checksum"] = time.perf_counter() - started

    def fill(writer: ox.Store) -> None:
        for file in files:
            try:
                writer.bulk_load(path=file.path, format=file.format, to_graph=file.graph,
                                 base_iri=file.path.resolve().as_uri())
            except (SyntaxError, ValueError) as exc:
                raise LoadError(f"{file.path}: not valid {file.format.name} ({exc})") from None

    return store.replace_with(fill, {"version": version, "files": specs}, steps)
