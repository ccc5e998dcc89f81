"""Atomic builds: a new store is loaded beside the one being served, then swapped in at once.

The layout under the data directory::

    store            -> builds/<version>-<random>   (a symbolic link: the store being served)
    builds/<...>/     the store's files and COMPLETE_MARKER (written last: "this build is complete")

A build loads a fresh ``builds/.staging-*`` directory, writes the marker, renames the directory
into place and swaps the ``store`` link with one ``rename(2)``. A build that fails or is killed
never touches the served store; the staging directory it leaves is removed by a later build.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

COMPLETE_MARKER = "icskg-build.json"
KEEP_BUILDS = 2
"""Builds kept: running readers may still have the previous one open."""
STALE_STAGING_SECONDS = 3600


def publish(data_dir: Path, info: dict, load: Callable[[Path], dict[str, int]]) -> Path:
    """Make a new build with ``load(directory)`` (which fills the directory and returns the
    triples per graph), record ``info`` with those counts, and swap it in as the served store.

    Returns the build's directory. Nothing changes for readers unless every step succeeds.
    """
    data_dir = Path(data_dir)
    builds = data_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    staging = builds / f".staging-{uuid.uuid4().hex}"
    try:
        sizes = load(staging)
        (staging / COMPLETE_MARKER).write_text(
            json.dumps({**info, "graph_triples": sizes}, indent=2, sort_keys=True),
            encoding="utf-8",
        )
        final = builds / f"{info.get('version', 'build')[:12]}-{uuid.uuid4().hex[:8]}"
        os.rename(staging, final)
        next_link = data_dir / f".store-{uuid.uuid4().hex}"
        os.symlink(final.relative_to(data_dir), next_link)
        os.replace(next_link, data_dir / "store")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune(builds, keep=final)
    return final


def _prune(builds: Path, keep: Path) -> None:
    """Remove older builds, keeping the newest few (readers may still have them open),
    and staging directories that interrupted builds left over an hour ago."""
    now = time.time()
    done = sorted(
        (p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime, reverse=True,
    )
    for old in done[KEEP_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
    for stale in builds.glob(".staging-*"):
        if now - stale.stat().st_mtime > STALE_STAGING_SECONDS:
            shutil.rmtree(stale, ignore_errors=True)
