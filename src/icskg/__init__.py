"""icskg: the knowledge graph of England's NHS Integrated Care Systems."""

__version__ = "0.1.0"

# The one validation entry point, for ``icskg.validate(...)`` (the module is icskg.validate too;
# importing the function here makes the package attribute the function).
from icskg.validate import validate

__all__ = ["__version__", "validate"]
