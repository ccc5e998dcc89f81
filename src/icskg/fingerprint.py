"""What an answer depends on besides the data: this release's code, templates and shapes.

``__version__`` stays 0.1.0 between releases, so keys built on it outlive the code they describe:
a new reader, template or shape would be answered with a stale 304 or a stale compliance matrix.
Cache keys, ETags and Last-Modified use this fingerprint instead.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from icskg import __version__, resources

_PACKAGE_DIR = Path(__file__).resolve().parent


def _files() -> list[Path]:
    code = (p for p in _PACKAGE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and "_project" not in p.relative_to(_PACKAGE_DIR).parts)
    shipped = (*resources.SHAPES_DIR.glob("*.ttl"), *resources.QUERIES_DIR.glob("*"))
    return sorted({*code, *shipped})


@cache
def _read() -> tuple[str, float]:
    digest = hashlib.sha256(__version__.encode())
    newest = 0.0
    for path in _files():
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
        newest = max(newest, path.stat().st_mtime)
    return digest.hexdigest()[:16], newest


def code_fingerprint() -> str:
    """A short hash of the package's files, shapes and competency questions (read once)."""
    return _read()[0]


def code_modified() -> float:
    """When the newest of those files changed (seconds since the epoch), for Last-Modified."""
    return _read()[1]
