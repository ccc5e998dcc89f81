"""The icskg ontology as one graph, read once per process: the shapes need its class and role
hierarchies, and the board CSV reader its role names."""

from __future__ import annotations

from functools import cache

from rdflib import Graph

from icskg import resources


@cache
def ontology() -> Graph:
    """Every module of ``ontology/``. Cached: treat it as read-only."""
    graph = Graph()
    for path in resources.ontology_files():
        graph.parse(path, format="turtle")
    return graph
