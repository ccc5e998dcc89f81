"""Where the project's files live. Nothing else in icskg spells a path into the checkout."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
ONTOLOGY_DIR = PROJECT_DIR / "ontology"
DATA_DIR = PROJECT_DIR / "data"
SOURCE_TABLES_DIR = DATA_DIR / "sources"
POLICY_DIR = DATA_DIR / "policy"
"""Curated policy facts (Turtle), each with its source document."""
QUERIES_DIR = PROJECT_DIR / "queries"
SHAPES_DIR = PROJECT_DIR / "shapes"
EXAMPLES_DIR = DATA_DIR / "examples"
NODE_MODULES_DIR = PROJECT_DIR / "node_modules"
"""Front-end packages installed by ``npm ci`` from package-lock.json (the query editor)."""


def ontology_files() -> list[Path]:
    """The ontology modules, in a stable order."""
    return sorted(ONTOLOGY_DIR.glob("*.ttl"))
