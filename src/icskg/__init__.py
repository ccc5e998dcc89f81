"""icskg: the knowledge graph of England's NHS Integrated Care Systems.

Importing the package imports nothing else, so ``import icskg.<module>`` costs only that module
and what it needs (a query process does not load pySHACL). Validation is
:func:`icskg.validation.validate`.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
