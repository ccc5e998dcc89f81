"""What the service holds and how to get it: the SPARQL 1.1 Service Description, a VoID and DCAT
description of the dataset at ``/.well-known/void``, and downloads of the dataset and its graphs.

Descriptions are small RDF graphs made with rdflib from the store's build record and its ``meta``
graph, once per dataset version and host, and served in any RDF format by content negotiation.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
import shutil
import uuid
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, request, url_for
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF, RDFS, VOID, XSD

from icskg import rdf_writer
from icskg.fingerprint import code_fingerprint
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, Format, by_name
from icskg.namespaces import (
    GRAPH,
    HEALTH_AND_CARE_ACT_2022,
    ID,
    PREFIXES,
    bind_prefixes,
)
from icskg.store import Store
from icskg.web.common import current_store, error_response, negotiate

bp = Blueprint("dataset", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATASET = ID["dataset/icskg"]
# Formats a whole dataset can be downloaded in, and those one graph can be.
DATASET_DOWNLOADS = ("trig", "nq")
GRAPH_DOWNLOADS = ("ttl", "nt", "nq", "trig", "jsonld", "rdf")
EXAMPLES = ("org/QYG", "area/E08000015", "ics/E54000008", "la/E08000015")


def negotiated(graph: Graph) -> Response:
    """Serialise a small rdflib graph in the format asked for (``format=`` or Accept)."""
    fmt = (by_name(request.args["format"], RDF_FORMATS) if "format" in request.args
           else negotiate(request.headers.get("Accept"), RDF_FORMATS))
    if fmt is None:
        return error_response(406, "Ask for one of: " + ", ".join(f.media_type for f in RDF_FORMATS))
    quads = list(ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
    data = rdf_writer.serialize(quads if fmt.holds_datasets else [q.triple for q in quads],
                                fmt.engine, _prefixes(graph))  # type: ignore[arg-type]
    response = Response(data, mimetype=fmt.media_type)
    response.vary.add("Accept")
    return response


def _prefixes(graph: Graph) -> dict[str, str]:
    """icskg's prefixes and the description vocabularies, not rdflib's long default list."""
    return {**PREFIXES, "sd": str(SD), "void": str(VOID)}


def _graph_label(name: str) -> str | None:
    """The download slug of one of our graphs (``graph/pcns`` -> ``pcns``), or None."""
    return name[len(str(GRAPH)):] if name.startswith(str(GRAPH)) else None


def _graph_download(name: str, extension: str) -> str:
    slug = _graph_label(name)
    if slug is not None:
        return url_for("dataset.graph_download", name=slug, extension=extension, _external=True)
    return url_for("dataset.graph_download_by_iri", extension=extension, iri=name, _external=True)


def service_description(store: Store, endpoint: str, limits: str = "") -> Graph:
    """The SPARQL 1.1 Service Description of ``/sparql``, with ``limits`` in words."""
    g = bind_prefixes(Graph())
    g.bind("sd", SD)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if limits:
        g.add((service, RDFS.comment, Literal(limits, lang="en")))
    for fmt in (*RESULT_FORMATS, *RDF_FORMATS):
        g.add((service, SD.resultFormat, URIRef(fmt.engine.iri)))
    default = BNode("dataset")
    g.add((service, SD.defaultDataset, default))
    g.add((default, RDF.type, SD.Dataset))
    union = BNode("union")
    g.add((default, SD.defaultGraph, union))
    g.add((union, RDF.type, SD.Graph))
    triples = store.info().get("graph_triples", {})
    g.add((union, VOID.triples, Literal(sum(triples.values()), datatype=XSD.integer)))
    for name in store.graphs():
        named, graph = BNode(), BNode()
        g.add((default, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        if name in triples:
            g.add((graph, VOID.triples, Literal(triples[name], datatype=XSD.integer)))
    return g


@lru_cache(maxsize=8)
def dataset_description(version: str, host: str, store: Store) -> Graph:
    """VoID and DCAT for the dataset, its named graphs and downloads; the link sets, like the
    graphs' provenance, come from the ``meta`` graph (``icskg.links`` counts them at build time)."""
    g = bind_prefixes(Graph())
    g.bind("void", VOID)
    g.bind("sd", SD)
    info = store.info()
    triples = info.get("graph_triples", {})
    meta = str(GRAPH.meta)
    if meta in store.graphs():
        described = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{meta}> {{ ?s ?p ?o }} }}")
        g.parse(data=described.serialize(by_name("ntriples", RDF_FORMATS)), format="nt")
    g.add((DATASET, RDF.type, VOID.Dataset))
    g.add((DATASET, RDF.type, DCAT.Dataset))
    g.set((DATASET, DCTERMS.title, Literal("icskg: England's Integrated Care Systems", lang="en")))
    g.add((DATASET, VOID.triples, Literal(sum(triples.values()), datatype=XSD.integer)))
    g.add((DATASET, VOID.uriSpace, Literal(str(ID))))
    g.add((DATASET, OWL.versionInfo, Literal(version)))
    endpoint = URIRef(url_for("sparql.endpoint", _external=True))
    g.add((DATASET, VOID.sparqlEndpoint, endpoint))
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.servesDataset, DATASET))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    for path in EXAMPLES:
        g.add((DATASET, VOID.exampleResource, ID[path]))
    for extension in DATASET_DOWNLOADS:
        url = URIRef(url_for("dataset.dataset_download", extension=extension, _external=True))
        _distribution(g, DATASET, url, by_name(extension, RDF_FORMATS))
    for name in store.graphs():
        graph = URIRef(name)
        g.add((DATASET, VOID.subset, graph))
        g.add((graph, RDF.type, VOID.Dataset))
        g.add((graph, SD.name, graph))
        if name in triples:
            g.add((graph, VOID.triples, Literal(triples[name], datatype=XSD.integer)))
        for extension in ("ttl", "nq"):
            _distribution(g, graph, URIRef(_graph_download(name, extension)),
                          by_name(extension, RDF_FORMATS))
    g.add((DATASET, DCTERMS.references, HEALTH_AND_CARE_ACT_2022))
    return g


def _distribution(g: Graph, dataset: URIRef, url: URIRef, fmt: Format | None) -> None:
    assert fmt is not None
    g.add((dataset, VOID.dataDump, url))
    distribution = URIRef(f"{url}#distribution")
    g.add((dataset, DCAT.distribution, distribution))
    g.add((distribution, RDF.type, DCAT.Distribution))
    g.add((distribution, DCAT.downloadURL, url))
    g.add((distribution, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{fmt.media_type}")))


@bp.route("/.well-known/void")
def void() -> Response:
    store = current_store()
    return negotiated(dataset_description(store.info()["version"], request.host_url, store))


def download_file(store: Store, fmt: Format, graph: str | None, folder: Path) -> Path:
    """The download of ``graph`` (or the whole dataset) in ``fmt``, built once per dataset
    version into ``folder/<version>/`` and kept there with a gzip copy beside it (``<file>.gz``,
    for clients that accept it); files of other versions are removed. One
    worker builds it while others wait for it (a lock file), so sixteen requests at once cost
    one build, and each is then served from the file."""
    version = hashlib.sha256(f"{store.info()['version']} {code_fingerprint()}".encode()).hexdigest()[:16]
    here = folder / version
    name = f"graph-{hashlib.sha256(graph.encode()).hexdigest()[:16]}" if graph else "icskg"
    target = here / f"{name}.{fmt.extension}"
    if target.is_file():
        return target
    here.mkdir(parents=True, exist_ok=True)
    with open(here / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            data = store.dump(fmt, graph)
            for path, content in ((_gzipped(target), gzip.compress(data, compresslevel=6, mtime=0)),
                                  (target, data)):  # the plain file last: its presence means done
                temporary = here / f".{uuid.uuid4().hex}"
                temporary.write_bytes(content)
                os.replace(temporary, path)
    for old in folder.iterdir():
        if old.name != version and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return target


def _download(fmt: Format | None, graph: str | None, filename: str) -> Response:
    if fmt is None:
        abort(404)
    store = current_store()
    if graph is not None and graph not in store.graphs():
        return error_response(404, f"No named graph {graph} in this dataset; /.well-known/void lists them.")
    path = download_file(store, fmt, graph, current_app.extensions["icskg.settings"].data_dir / "downloads")
    compressed = "gzip" in request.accept_encodings
    if compressed:
        path = _gzipped(path)
    response = Response(_chunks(path), mimetype=fmt.media_type)
    if compressed:
        response.headers["Content-Encoding"] = "gzip"  # the ETag and Vary follow in web.compression
    response.vary.add("Accept-Encoding")
    response.headers["Content-Length"] = str(path.stat().st_size)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _gzipped(path: Path) -> Path:
    return path.with_name(path.name + ".gz")


def _chunks(path: Path):
    """The file, a piece at a time (closed however the response ends)."""
    with path.open("rb") as file:
        while chunk := file.read(1 << 16):
            yield chunk


@bp.route("/download/icskg.<extension>")
def dataset_download(extension: str) -> Response:
    fmt = by_name(extension, RDF_FORMATS) if extension in DATASET_DOWNLOADS else None
    return _download(fmt, None, f"icskg.{extension}")


@bp.route("/download/graph/<name>.<extension>")
def graph_download(name: str, extension: str) -> Response:
    fmt = by_name(extension, RDF_FORMATS) if extension in GRAPH_DOWNLOADS else None
    return _download(fmt, str(GRAPH[name]), f"icskg-{name}.{extension}")


@bp.route("/download/graph.<extension>")
def graph_download_by_iri(extension: str) -> Response:
    """A graph of a dataset served with ``serve --data``, whose name is any IRI."""
    fmt = by_name(extension, RDF_FORMATS) if extension in GRAPH_DOWNLOADS else None
    iri = request.args.get("iri", "")
    if not iri:
        return error_response(400, "Give the graph's name as ?iri=")
    return _download(fmt, iri, f"graph.{extension}")
