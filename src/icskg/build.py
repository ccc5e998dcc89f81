"""Turn the ontology and the reference tables into one dataset of named graphs, with provenance.

Each reader in :mod:`icskg.sources` fills one named graph. The ``meta`` graph says, for every
named graph, which source tables it came from, their licence, vintage and doubts, and each
table's checksum and row count. Nothing here depends on the clock: the same inputs give the same
dataset and the same version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, RDF, RDFS, XSD

from icskg import __version__, links, policy, resources
from icskg.fingerprint import code_fingerprint
from icskg.namespaces import GRAPH, ICS, ID, ONTOLOGY, SOURCE, bind_prefixes
from icskg.sources import READERS, SourceError
from icskg.store import GraphSource, Store

CATALOGUE = "catalogue.ttl"
DATASET = ID["dataset/icskg"]
Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """The dataset could not be built; the message says which input is at fault."""


@dataclass
class BuildResult:
    version: str
    graphs: dict[str, int] = field(default_factory=dict)
    """Named graph IRI -> number of triples."""

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def _parse_turtle(path: Path) -> Graph:
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
        raise BuildError(f"{path}: not valid Turtle ({exc})") from exc


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256(code_fingerprint().encode())  # new readers make a new dataset
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _describe_graph(meta: Graph, catalogue: Graph, graph: URIRef, tables: list[URIRef]) -> None:
    """Say where ``graph`` came from: its tables, and their licence, vintage and sources."""
    meta.add((graph, RDF.type, PROV.Entity))
    meta.add((graph, RDF.type, DCAT.Dataset))
    meta.add((DATASET, DCTERMS.hasPart, graph))
    for table in tables:
        meta.add((graph, PROV.wasDerivedFrom, table))
        for prop in (DCTERMS.license, DCTERMS.rights, ICS.vintage, ICS.completeness):
            for value in catalogue.objects(table, prop):
                meta.add((graph, prop, value))
        for upstream in catalogue.objects(table, DCTERMS.source):
            meta.add((graph, DCTERMS.source, upstream))


def _describe_policy(meta: Graph, graph: Graph, ontology: Graph) -> None:
    """Say where the curated policy graph came from (the documents its facts cite) and its
    licence, which is the ontology's: both are the project's own writing."""
    meta.add((GRAPH.policy, RDF.type, PROV.Entity))
    meta.add((GRAPH.policy, RDF.type, DCAT.Dataset))
    meta.add((GRAPH.policy, RDFS.label, Literal(
        "Curated policy knowledge: documents, options, duties, timeline and examples", lang="en")))
    for licence in ontology.objects(ONTOLOGY, DCTERMS.license):
        meta.add((GRAPH.policy, DCTERMS.license, licence))
    meta.add((DATASET, DCTERMS.hasPart, GRAPH.policy))
    for document in sorted(policy.sources(graph)):
        meta.add((GRAPH.policy, PROV.wasDerivedFrom, document))


def build_graphs(
    sources_dir: Path | None = None,
    ontology_files: list[Path] | None = None,
    progress: Progress = lambda _: None,
    policy_dir: Path | None = None,
) -> tuple[str, dict[str, Graph]]:
    """Build every named graph in memory. Returns the dataset version and graph IRI -> graph.

    :raises BuildError: if a table or ontology file is missing or malformed.
    """
    sources_dir = sources_dir or resources.SOURCE_TABLES_DIR
    ontology_files = resources.ontology_files() if ontology_files is None else ontology_files
    catalogue_path = sources_dir / CATALOGUE
    if not catalogue_path.is_file():
        raise BuildError(f"{catalogue_path} is missing: it describes the source tables.")
    catalogue = _parse_turtle(catalogue_path)
    tables = sorted({f for reader in READERS.values() for f in reader.FILES})
    policy_files = policy.policy_files(policy_dir)
    inputs = [sources_dir / t for t in tables] + [catalogue_path] + list(ontology_files) + policy_files
    missing = [str(p) for p in inputs if not p.is_file()]
    if missing:
        raise BuildError(f"Missing input file(s): {', '.join(missing)}")
    version = _sha256(inputs)

    graphs: dict[str, Graph] = {}
    meta = bind_prefixes(Graph())
    meta += catalogue
    meta.add((DATASET, RDF.type, DCAT.Dataset))
    meta.add((DATASET, DCTERMS.title, Literal("icskg: England's Integrated Care Systems", lang="en")))
    meta.add((DATASET, OWL.versionInfo, Literal(version)))
    for table in tables:
        path = sources_dir / table
        data = path.read_bytes()
        meta.add((SOURCE[table], ICS.sha256, Literal(hashlib.sha256(data).hexdigest())))
        meta.add((SOURCE[table], ICS.rowCount,
                  Literal(max(data.count(b"\n") - 1, 0), datatype=XSD.integer)))

    progress("ontology")
    ontology = bind_prefixes(Graph())
    for path in ontology_files:
        ontology += _parse_turtle(path)
    graphs[str(GRAPH.ontology)] = ontology
    meta.add((GRAPH.ontology, RDF.type, PROV.Entity))
    meta.add((GRAPH.ontology, RDFS.label, Literal("The icskg ontology", lang="en")))
    meta.add((DATASET, DCTERMS.hasPart, GRAPH.ontology))

    for name, reader in READERS.items():
        progress(name)
        try:
            graphs[str(GRAPH[name])] = reader.build(sources_dir)
        except SourceError as exc:
            raise BuildError(str(exc)) from exc
        _describe_graph(meta, catalogue, GRAPH[name], [SOURCE[f] for f in reader.FILES])
        # A reader whose rows each cite their own page names those pages as the graph's sources.
        for page in getattr(reader, "upstream", lambda _: [])(sources_dir):
            meta.add((GRAPH[name], DCTERMS.source, page))
        meta.add((GRAPH[name], RDFS.label, Literal(reader.TITLE, lang="en")))

    progress("policy")
    try:
        graphs[str(GRAPH.policy)] = policy.build(
            [graphs[str(GRAPH[name])] for name in READERS], ontology, policy_dir)
    except policy.PolicyError as exc:
        raise BuildError(str(exc)) from exc
    _describe_policy(meta, graphs[str(GRAPH.policy)], ontology)
    graphs[str(GRAPH.meta)] = meta
    meta += links.describe_link_sets(graphs.values(), DATASET)
    return version, graphs


def build_store(
    store: Store,
    sources_dir: Path | None = None,
    ontology_files: list[Path] | None = None,
    progress: Progress = lambda _: None,
) -> BuildResult:
    """Build the dataset and replace the store's contents with it, atomically.

    :raises BuildError: if an input is missing or malformed; the store is then untouched.
    """
    version, graphs = build_graphs(sources_dir, ontology_files, progress)
    progress("store")
    sources = [
        GraphSource(name, graph.serialize(format="nt", encoding="utf-8"))
        for name, graph in graphs.items()
    ]
    try:
        store.replace_dataset(sources, {"version": version, "icskg": __version__})
    except OSError as exc:
        raise BuildError(
            f"Could not write the new store ({exc}). Is the disk full? The previous store, if "
            "any, is untouched and still served."
        ) from exc
    return BuildResult(version, {name: len(graph) for name, graph in graphs.items()})
