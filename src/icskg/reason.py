"""Reason over the ontology (and the curated policy data) with owlready2 and HermiT.

HermiT only accepts the datatypes of the OWL 2 datatype map, which has ``xsd:dateTime`` but not
``xsd:date``, ``xsd:gYear`` or ``xsd:gYearMonth``. The copy handed to the reasoner therefore
turns every ``xsd:date`` (literals and ranges) into the ``xsd:dateTime`` at midnight of that
day, and HermiT is told to ignore the remaining unsupported literals (partial dates such as
``"2021"^^xsd:gYear``). Neither change can hide a class axiom: they touch data values only. The
files themselves are never changed.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD

from icskg import resources
from icskg.namespaces import ICS
from icskg.policy import policy_files

HERMIT_DATATYPES_NOTE = (
    "xsd:date values and ranges were retyped to xsd:dateTime for HermiT; "
    "literals of other datatypes outside the OWL 2 datatype map were ignored by HermiT."
)


class ReasonError(RuntimeError):
    """The reasoner could not run (no Java, unreadable input); the message says what to fix."""


@dataclass
class ReasoningReport:
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    """IRIs of classes that can have no members."""
    hierarchy: dict[str, list[str]] = field(default_factory=dict)
    """Each named class of the ontology -> its direct named superclasses after reasoning."""
    inferred_superclasses: list[tuple[str, str]] = field(default_factory=list)
    """(class, superclass) pairs the reasoner added to the asserted hierarchy."""
    inferred_types: list[tuple[str, str]] = field(default_factory=list)
    """(individual, class) pairs the reasoner added."""
    retyped_dates: int = 0
    unsupported_literals: int = 0
    warnings: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable and not self.warnings


def reasoner_graph(paths: Iterable[Path]) -> tuple[Graph, int, int]:
    """Parse ``paths`` into one graph ready for HermiT.

    Returns the graph, the number of ``xsd:date`` literals and ranges retyped to
    ``xsd:dateTime`` and the number of literals HermiT will ignore.
    """
    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several unrelated types for bad Turtle
            raise ReasonError(f"{path}: not valid Turtle ({exc})") from exc
    retyped = unsupported = 0
    for s, p, o in list(graph):
        if o == XSD.date:
            graph.remove((s, p, o))
            graph.add((s, p, XSD.dateTime))
            retyped += 1
        elif isinstance(o, Literal) and o.datatype == XSD.date:
            graph.remove((s, p, o))
            graph.add((s, p, Literal(f"{o}T00:00:00", datatype=XSD.dateTime)))
            retyped += 1
        elif isinstance(o, Literal) and o.datatype in (XSD.gYear, XSD.gYearMonth):
            unsupported += 1
    return graph, retyped, unsupported


def _java() -> str:
    java = shutil.which("java")
    if not java:
        raise ReasonError("Java is not installed or not on PATH: HermiT needs it "
                          "(on Debian: apt-get install default-jre-headless).")
    return java


def _named(entities: Iterable[object]) -> set[str]:
    return {str(e.iri) for e in entities if hasattr(e, "iri")}


def _individuals(graph: Graph) -> set[URIRef]:
    """The subjects typed with a class of the graph (data rarely says owl:NamedIndividual)."""
    classes = set(graph.subjects(RDF.type, OWL.Class))
    return {s for s, o in graph.subject_objects(RDF.type) if o in classes and isinstance(s, URIRef)}


def reason(paths: Iterable[Path] | None = None) -> ReasoningReport:
    """Run HermiT over ``paths`` (default: the ontology and the curated policy data).

    :raises ReasonError: if Java is missing, an input is malformed or HermiT fails to run.
    """
    try:  # an optional extra: slow to import, 27 MB with its jars, and only this command needs it
        import owlready2
    except ImportError as exc:
        raise ReasonError("icskg reason needs owlready2: install the extra with "
                          "pip install 'icskg[reason]'.") from exc

    paths = list(paths) if paths is not None else [*resources.ontology_files(), *policy_files()]
    graph, retyped, unsupported = reasoner_graph(paths)
    owlready2.JAVA_EXE = _java()
    started = time.perf_counter()
    warnings = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="icskg-reason-") as tmp:
        source = Path(tmp) / "input.nt"
        graph.serialize(source, format="nt", encoding="utf-8")
        world = owlready2.World()
        with contextlib.redirect_stderr(warnings), contextlib.redirect_stdout(warnings):
            ontology = world.get_ontology(source.as_uri()).load()
        classes = [c for c in world.classes() if str(c.iri).startswith(str(ICS._NS))]
        before_parents = {c.iri: _named(c.is_a) for c in classes}
        individuals = [world[str(s)] for s in _individuals(graph)]
        before_types = {i.iri: _named(i.is_a) for i in individuals if i is not None}
        consistent = True
        try:
            with ontology, contextlib.redirect_stderr(warnings), contextlib.redirect_stdout(warnings):
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                               ignore_unsupported_datatypes=True)
        except owlready2.OwlReadyInconsistentOntologyError:
            consistent = False
        except owlready2.OwlReadyJavaError as exc:
            raise ReasonError(f"HermiT failed: {str(exc).strip().splitlines()[-1]}") from exc
        report = ReasoningReport(consistent=consistent, retyped_dates=retyped,
                                 unsupported_literals=unsupported, triples=len(graph))
        if consistent:
            report.unsatisfiable = sorted(
                str(c.iri) for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing))
            for c in sorted(classes, key=lambda c: c.iri):
                parents = _named(c.is_a)
                report.hierarchy[c.iri] = sorted(parents)
                report.inferred_superclasses += [(c.iri, p) for p in sorted(parents - before_parents[c.iri])]
            for individual in (i for i in individuals if i is not None):
                added = _named(individual.is_a) - before_types[individual.iri]
                report.inferred_types += [(individual.iri, t) for t in sorted(added)]
            report.inferred_types.sort()
    report.warnings = [line.strip() for line in warnings.getvalue().splitlines() if line.strip()]
    report.seconds = time.perf_counter() - started
    return report


def format_report(report: ReasoningReport, short: bool = True) -> str:
    """A plain-text account of ``report`` for people; ``short`` leaves out the full hierarchy."""
    def name(iri: str) -> str:
        return iri.replace(str(ICS._NS), "ics:")

    lines = [
        f"Reasoned with HermiT over {report.triples:,} triples in {report.seconds:.1f} s.",
        f"Consistent: {'yes' if report.consistent else 'NO'}",
        f"Unsatisfiable classes: {', '.join(map(name, report.unsatisfiable)) or 'none'}",
    ]
    if report.inferred_superclasses:
        lines.append("Inferred superclasses (not asserted):")
        lines += [f"  {name(c)}  ->  {name(p)}" for c, p in report.inferred_superclasses]
    by_class: dict[str, int] = {}
    for _, cls in report.inferred_types:
        by_class[cls] = by_class.get(cls, 0) + 1
    if by_class:
        lines.append("Inferred types of individuals:")
        lines += [f"  {count:>5}  {name(cls)}" for cls, count in sorted(by_class.items())]
    if not short:
        lines.append("Class hierarchy after reasoning (class: direct named superclasses):")
        lines += [f"  {name(c)}: {', '.join(map(name, ps)) or '-'}" for c, ps in report.hierarchy.items()]
    for warning in report.warnings:
        lines.append(f"Warning: {warning}")
    lines.append(f"Note: {HERMIT_DATATYPES_NOTE} ({report.retyped_dates} retyped, "
                 f"{report.unsupported_literals} ignored)")
    return "\n".join(lines)

