"""Validation: governance data against a regime's SHACL shapes, as of a day.

:func:`validate` (in :mod:`~icskg.validation.check`) is the one entry point; the CLI
(``icskg validate``) and the web app (``/validate``, ``/compliance``) call it. The package's other
modules are its pieces: reading uploads safely (``inputs``), the board and records CSV templates,
regimes and snapshots, the report and its renderings, the bounded worker and the compliance
matrix.
"""

from icskg.validation.check import (
    DEFAULT_REGIME,
    Input,
    InputError,
    ValidationReport,
    parse_day,
    regimes,
    validate,
    validate_store,
)

__all__ = ["DEFAULT_REGIME", "Input", "InputError", "ValidationReport", "parse_day", "regimes",
           "validate", "validate_store"]
