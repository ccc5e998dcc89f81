"""Validation timings: the whole real graph against every regime, and a 50-row board upload,
from the command line and over HTTP. Measured only where the feature exists in this checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.steps import ICSKG


def _has_command() -> bool:
    done = subprocess.run([ICSKG, "validate", "--help"], capture_output=True, stdin=subprocess.DEVNULL)
    return done.returncode == 0


def measure(data_dir: Path, logs: Path, cpu: int | None) -> dict:
    if not _has_command():
        return {"todo": "`icskg validate` and POST /validate do not exist in this checkout yet (the "
                        "validation feature was still being written when these figures were taken)."}
    return {"todo": "`icskg validate` exists but the bench does not drive it yet."}
