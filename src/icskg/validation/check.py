"""Check ICS governance data against the statutory rules; every finding cites its provision.

:func:`validate` (public as :func:`icskg.validation.validate`) is the one entry point: the CLI
(``icskg validate``) and the web app (``/validate``, ``/compliance``) both call it, and it never
prints. It reads the data without
fetching anything (see :mod:`icskg.validation.inputs`), adds the ontology (so classes and role
hierarchies are known), keeps for each regime only what was in force on the chosen day (see
:mod:`icskg.validation.snapshot`) and runs that regime's shapes from ``shapes/`` with pySHACL:
no inference, no ``owl:imports``, and only icskg's own shapes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache, partial
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS

from icskg.formats import RDF_FORMATS, by_name
from icskg.namespaces import ICSH, bind_prefixes
from icskg.store import Store
from icskg.validation import engine
from icskg.validation.inputs import Input, InputError, load, parse_rdf, quiet_literal_warnings
from icskg.validation.oxgraph import OxGraph
from icskg.validation.regimes import Regime, regime, regimes, shapes_graph
from icskg.validation.report import (
    ValidationReport,
    enrich,
    findings_from,
    merged_graph,
    sort_key,
)
from icskg.validation.snapshot import as_it_stood
from icskg.validation.sparql_cache import planned
from icskg.validation.vocabulary import ontology

__all__ = ["Input", "InputError", "ValidationReport", "regimes", "validate", "validate_store"]

DEFAULT_REGIME = "hca2022"
# The day checked, stated in the snapshot (``icsh:day-checked rdf:value "YYYY-MM-DD"^^xsd:date``)
# for the rules that ask for something each financial year, such as a joint forward plan.
DAY_CHECKED = ICSH["day-checked"]
Data = Input | Path | Graph
ENGINES = ("icskg", "pyshacl")


def parse_day(value: date | str | None) -> date | None:
    """A date from ``YYYY-MM-DD``.

    :raises ValueError: with a message saying the expected form.
    """
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date: write it as YYYY-MM-DD, such as 2023-04-01.") from None


def _regime_ids(chosen: str | Sequence[str]) -> list[str]:
    ids = [chosen] if isinstance(chosen, str) else list(chosen)
    if not ids:
        raise ValueError("Choose at least one regime.")
    for regime_id in ids:
        regime(regime_id)  # raises ValueError naming the known regimes
    return list(dict.fromkeys(ids))


def _as_graph(data: Data | Iterable[Data], max_bytes: int | None) -> Graph:
    if isinstance(data, Graph):
        return data
    items = [data] if isinstance(data, Input | Path) else list(data)  # type: ignore[arg-type]
    inputs = []
    for item in items:
        if isinstance(item, Graph):
            inputs.append(item)
        elif isinstance(item, Path):
            inputs.append(Input.from_path(item))
        elif isinstance(item, Input):
            inputs.append(item)
        else:
            raise TypeError(f"validate() takes Input, Path or rdflib Graph objects, not "
                            f"{type(item).__name__}; wrap text in Input(data=...): a string is never "
                            "read as a path or URL.")
    graph = load([i for i in inputs if isinstance(i, Input)], max_bytes)
    for extra in inputs:
        if isinstance(extra, Graph):
            graph += extra
    return graph


def with_ontology(graph: Graph | OxGraph, *, copy: bool = True) -> Graph | OxGraph:
    """The data with the ontology added (the shapes need its class and role hierarchies).

    A copy of ``graph``, or with ``copy=False`` ``graph`` itself: copying the whole built graph
    costs more than validating it, so a graph made only to be validated is not copied.
    """
    data = graph
    if copy and isinstance(graph, OxGraph):
        whole = graph.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=engine.DEFAULT)
        data = OxGraph.from_ntriples(whole)
    elif copy:
        data = bind_prefixes(Graph())
        data += graph
    data += ontology()
    return data


@contextmanager
def on_day(graph: Graph, day: date | None) -> Iterator[Graph]:
    """``graph`` as it stood on ``day`` (see :func:`as_it_stood`), stating the day itself, so that
    a rule that asks for a plan or report each financial year knows which years have begun. Any
    day the data states is set aside meanwhile: only icskg says which day is checked."""
    with as_it_stood(graph, day) as data:
        claimed = list(data.triples((DAY_CHECKED, None, None)))
        for triple in claimed:
            data.remove(triple)
        stated = (DAY_CHECKED, RDF.value, Literal(day)) if day is not None else None
        if stated:
            data.add(stated)
        try:
            yield data
        finally:
            if stated:
                data.remove(stated)
            data.addN((s, p, o, data) for s, p, o in claimed)


def prepared(graph: Graph, day: date | None) -> Graph:
    """What the shapes see: ``graph`` with the ontology, as it stood on ``day``, in a new graph
    (for another engine to check, such as the Jena referee)."""
    snapshot = bind_prefixes(Graph())
    with on_day(with_ontology(graph), day) as data:
        snapshot += data
    return snapshot


def _in_rdflib(data: OxGraph) -> Graph:
    graph = bind_prefixes(Graph())
    for triple in data.triples((None, None, None)):
        graph.add(triple)
    return graph


def _check(data: Graph | OxGraph, chosen: Regime) -> Graph:
    """Run one regime's shapes on prepared data: with icskg's engine (:mod:`icskg.validation.engine`)
    for data in pyoxigraph, else (or for shapes that engine does not implement) with pySHACL.
    Neither adds anything to ``data`` (no inference, no rules), so the regimes checked on the same
    day share it."""
    if isinstance(data, OxGraph):
        try:
            return engine.validate(data.store, shapes_graph(chosen.id))
        except engine.Unsupported:
            data = _in_rdflib(data)
    import pyshacl  # only here: importing it costs half a second, and the engine rarely needs it

    with quiet_literal_warnings():
        _, results, _ = pyshacl.validate(
            planned(data), shacl_graph=shapes_graph(chosen.id), inference="none", do_owl_imports=False,
            inplace=True, allow_warnings=True, allow_infos=True, abort_on_first=False,
            meta_shacl=False, advanced=False, iterate_rules=False,
        )
    return results


def validate(
    data: Data | Iterable[Data],
    regime: str | Sequence[str] = DEFAULT_REGIME,
    as_of: date | str | None = None,
    *,
    today: date | None = None,
    max_bytes: int | None = None,
) -> ValidationReport:
    """Validate ``data`` against the shapes of one or more regimes.

    ``data`` is one or more :class:`Input` (bytes with a name and format), local files
    (:class:`~pathlib.Path`) or rdflib graphs; text is never taken as a path or URL. Rules that
    hold "at any time" are checked on the data as it stood on ``as_of``; without it, on ``today``
    kept inside each regime's period (the data-quality regime then checks the whole record).

    :raises InputError: if the data cannot be read safely or holds nothing to check (the message
        says what to fix).
    :raises ValueError: for an unknown regime or a malformed date.
    """
    graph = _as_graph(data, max_bytes)
    return validate_graph(graph, regime, as_of, today=today, copy=graph is data)


def validate_graph(
    graph: Graph | OxGraph,
    regime: str | Sequence[str] = DEFAULT_REGIME,
    as_of: date | str | None = None,
    *,
    today: date | None = None,
    copy: bool = True,
    engine: str = "icskg",
) -> ValidationReport:
    """Like :func:`validate`, for data already in an rdflib graph.

    The graph is left untouched, unless ``copy=False``: then the ontology is added to the graph
    itself rather than to a copy (for a graph made only to be validated, such as
    :func:`store_data`'s). Regimes checked on the same day share one snapshot. ``engine`` is
    ``"icskg"`` (:mod:`icskg.validation.engine`) or ``"pyshacl"``; they find the same.
    """
    if engine not in ENGINES:
        raise ValueError(f"Unknown engine {engine!r}; use one of: {', '.join(ENGINES)}.")
    ids = _regime_ids(regime)
    day, today = parse_day(as_of), today or date.today()
    triples = len(graph)
    if not triples:
        raise InputError("There is no data to check: the graph is empty.")
    if engine == "icskg" and isinstance(graph, Graph):
        data = OxGraph.from_graph(with_ontology(graph, copy=copy))
    elif engine == "pyshacl" and isinstance(graph, OxGraph):
        data = with_ontology(_in_rdflib(graph), copy=False)
    else:
        data = with_ontology(graph, copy=copy)
    days = {r: day if day is not None else regimes()[r].default_as_of(today) for r in ids}
    found: dict[str, tuple[Graph, list]] = {}
    for checked_day in dict.fromkeys(days.values()):  # one snapshot per distinct day
        with on_day(data, checked_day) as checked:
            for regime_id in (r for r in ids if days[r] == checked_day):
                results = _check(checked, regimes()[regime_id])
                shapes = shapes_graph(regime_id)
                found[regime_id] = results, findings_from(results, shapes, checked, regime_id)
                enrich(results, shapes)
    findings = sorted((f for r in ids for f in found[r][1]), key=partial(sort_key, regimes=ids))
    report_graph = merged_graph([found[r][0] for r in ids], [regimes()[r].iri for r in ids])
    return ValidationReport(tuple(ids), days, findings, report_graph, triples,
                            {r: rule_ids(r) for r in ids})


@cache
def rule_ids(regime_id: str) -> list[str]:
    """The rule ids the regime's shapes encode, sorted."""
    shapes = shapes_graph(regime_id)
    iri = regimes()[regime_id].iri
    return sorted({str(shapes.value(s, DCTERMS.identifier))
                   for s in shapes.subjects(RDFS.isDefinedBy, iri)
                   if shapes.value(s, DCTERMS.identifier) is not None})


def store_graph(store: Store) -> Graph:
    """Every triple of the built store (the union of its named graphs) as one rdflib graph."""
    graph = bind_prefixes(Graph())
    parse_rdf(Input(_union_ntriples(store), "the store", "ntriples"), "ntriples", graph)
    return graph


def _union_ntriples(store: Store) -> bytes:
    """The union of the store's named graphs as N-Triples; refused if a limit cut it short."""
    result = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    if result.limit_hit:
        raise ValueError(f"The store returned only part of the graph ({result.limit_hit}); "
                         "validate an export of it instead.")
    fmt = by_name("ntriples", RDF_FORMATS)
    assert fmt is not None
    return result.serialize(fmt)


def _kept_copy(store: Store) -> Path | None:
    """Where the union of an embedded store's graphs is kept as N-Triples, per dataset version."""
    data_dir, version = getattr(store, "data_dir", None), store.info().get("version")
    if data_dir is None or not version or not re.fullmatch(r"[\w.-]+", str(version)):
        return None
    return Path(data_dir) / "validation" / f"{version}.nt"


def store_data(store: Store) -> OxGraph:
    """Every triple of the built store (the union of its named graphs) in a pyoxigraph store of
    its own, for :mod:`icskg.validation.engine` (no rdflib objects: loading those cost more than
    validating).

    Reading the whole store decodes every term through RocksDB (20 s for a million triples, most
    of a validation), so an embedded store's union is also kept as N-Triples under
    ``<data dir>/validation/<dataset version>.nt`` (written by the first validation, which
    ``icskg build`` runs for the compliance picture; renamed into place when complete; other
    versions' copies removed) and read from there, as fast as parsing a file.
    """
    kept = _kept_copy(store)
    if kept is not None and kept.is_file():
        return OxGraph.from_ntriples(kept.read_bytes())
    data = _union_ntriples(store)
    if kept is not None:
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            partial = kept.with_name(f".{kept.name}.{os.getpid()}")
            partial.write_bytes(data)
            os.replace(partial, kept)
            for old in kept.parent.glob("*.nt"):
                if old != kept:
                    old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only data directory: validate without keeping the copy
    return OxGraph.from_ntriples(data)


def validate_store(
    store: Store,
    regime: str | Sequence[str] = "data-quality",
    as_of: date | str | None = None,
    *,
    today: date | None = None,
) -> ValidationReport:
    """Validate the built graph in ``store`` (through the :class:`~icskg.store.Store` interface)."""
    return validate_graph(store_data(store), regime, as_of, today=today, copy=False)
