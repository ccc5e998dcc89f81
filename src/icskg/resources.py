"""Where the project's files live. Nothing else in icskg spells a path into the checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_SHIPPED = _PACKAGE_DIR / "_project"  # a wheel's copy (setup.py); absent in a checkout


def _project_dir() -> Path:
    """The installed copy of the project's files, else the checkout this package sits in."""
    return _SHIPPED if _SHIPPED.is_dir() else _PACKAGE_DIR.parents[1]


PROJECT_DIR = _project_dir()
ONTOLOGY_DIR = PROJECT_DIR / "ontology"
DATA_DIR = PROJECT_DIR / "data"
SOURCE_TABLES_DIR = DATA_DIR / "sources"
POLICY_DIR = DATA_DIR / "policy"
"""Curated policy facts (Turtle), each with its source document."""
QUERIES_DIR = PROJECT_DIR / "queries"
SHAPES_DIR = PROJECT_DIR / "shapes"
EXAMPLES_DIR = DATA_DIR / "examples"
CASES_DIR = PROJECT_DIR / "tests" / "cases"
"""Each shape's conforming and violating cases (``<regime>/<Shape>--violates-*.ttl``); the rule pages
show a violating one as an example. Absent from an install without the tests: no example then."""
NODE_MODULES_DIR = _PACKAGE_DIR.parents[1] / "node_modules"
"""Front-end packages installed by ``npm ci`` from package-lock.json (the query editor); a
non-editable install has none and the query page falls back to a plain editor."""


def ontology_files() -> list[Path]:
    """The ontology modules, in a stable order."""
    return sorted(ONTOLOGY_DIR.glob("*.ttl"))
