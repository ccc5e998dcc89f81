"""Read RDF files given by a user (``icskg serve --data``) into named graphs for a store.

``FILE`` puts the file's default-graph triples in a graph named by the file's ``file:`` IRI;
``GRAPH_IRI=FILE`` names that graph. Named graphs in TriG and N-Quads files keep their names.
The syntax comes from the file extension. Nothing is fetched: pyoxigraph's parsers load no
remote JSON-LD contexts and process no XML entities.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from icskg.store import GraphSource

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


def graph_sources(specs: Iterable[str]) -> tuple[list[GraphSource], str]:
    """Parse every file; return one :class:`GraphSource` per named graph and a content hash.

    :raises LoadError: for a missing, unreadable or malformed file.
    """
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    digest = hashlib.sha256()
    for spec in specs:
        name, path = _split(spec)
        if not path.is_file():
            raise LoadError(f"{path}: no such file")
        fmt = _format(path)
        default = name or path.resolve().as_uri()
        digest.update(default.encode() + b"\0" + path.read_bytes())
        try:
            for quad in ox.parse(path=path, format=fmt, base_iri=path.resolve().as_uri()):
                graph = default if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
                graphs[graph].append(quad.triple)
        except (SyntaxError, ValueError) as exc:
            raise LoadError(f"{path}: not valid {fmt.name} ({exc})") from None
    sources = [
        GraphSource(graph, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        for graph, triples in sorted(graphs.items())
    ]
    return sources, digest.hexdigest()
