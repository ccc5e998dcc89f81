"""Which nodes a shape targets in some data: the focus nodes it checks, found or wanting.

pySHACL reports only the results that fail; the compliance page and the conformance tests also
need to know what was checked and passed. Only the target kinds icskg's shapes use are read:
sh:targetClass (with rdfs:subClassOf), sh:targetSubjectsOf, sh:targetObjectsOf and sh:targetNode.
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import RDF, RDFS, SH


def focus_nodes(shapes: Graph, shape: object, data: Graph) -> set:
    """The focus nodes of ``shape`` in ``data`` (which should include the ontology)."""
    found: set = set()
    for cls in shapes.objects(shape, SH.targetClass):  # type: ignore[arg-type]
        for sub in data.transitive_subjects(RDFS.subClassOf, cls):
            found.update(data.subjects(RDF.type, sub))
    for prop in shapes.objects(shape, SH.targetSubjectsOf):  # type: ignore[arg-type]
        found.update(data.subjects(prop, None))  # type: ignore[arg-type]
    for prop in shapes.objects(shape, SH.targetObjectsOf):  # type: ignore[arg-type]
        found.update(data.objects(None, prop))  # type: ignore[arg-type]
    found.update(shapes.objects(shape, SH.targetNode))  # type: ignore[arg-type]
    return found
