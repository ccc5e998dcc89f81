"""icskg: the knowledge graph of England's NHS Integrated Care Systems."""

__version__ = "0.1.0"
