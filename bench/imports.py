"""What importing icskg's entry modules costs, and whether they load pySHACL or the HTTP client.

    python -m bench.imports                     # this checkout
    python -m bench.imports --against 9361a48   # beside another commit's src/ (git archive)

Each import runs in a fresh interpreter pinned to one CPU (``taskset``), the two trees
interleaved, and the median and minimum of ``--runs`` are printed with the load average. A
module that is missing from a tree (moved since) is tried under its old name.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from icskg.resources import PROJECT_DIR

BLUEPRINTS = ("browse caching compliance compression dataset home linked_data ontology_docs openapi "
              "pages rule_ids rules search sparql validate").split()
CASES = [
    ("the package (import icskg)", ["icskg"]),
    ("a query process's code", ["icskg.store.executor", "icskg.executor"]),
    ("the store package", ["icskg.store"]),
    ("the web app and its blueprints", ["icskg.web", *(f"icskg.web.{b}" for b in BLUEPRINTS)]),
    ("the command line", ["icskg.cli"]),
]
OLD_NAMES = {"icskg.store.executor": "icskg.executor"}
WATCHED = ("pyshacl", "requests")


def _once(src: Path, modules: list[str]) -> tuple[float, list[str]] | None:
    code = ("import importlib, sys, time\nt = time.perf_counter()\n"
            f"for m in {modules!r}:\n    importlib.import_module(m)\n"
            f"print(time.perf_counter() - t, *[w for w in {WATCHED!r} if w in sys.modules])")
    done = subprocess.run(["taskset", "-c", "1", sys.executable, "-c", code], capture_output=True,
                          text=True, cwd=tempfile.gettempdir(), env={**os.environ, "PYTHONPATH": str(src)})
    if done.returncode:
        return None
    seconds, *loaded = done.stdout.split()
    return float(seconds) * 1000, loaded


def _modules_in(src: Path, modules: list[str]) -> list[str]:
    """``modules`` as this tree names them (the first of a case's names that exists)."""
    def exists(name: str) -> bool:
        base = src.joinpath(*name.split("."))
        return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()

    if modules[0] in OLD_NAMES:
        return [next(m for m in modules if exists(m))]
    return [m for m in modules if exists(m)]


def _export(revision: str, into: Path) -> Path:
    archive = into / "src.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", revision, "src"], cwd=PROJECT_DIR, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", metavar="REV", help="also measure this git revision's src/")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="icskg-imports-") as tmp:
        trees = {"this checkout": PROJECT_DIR / "src"}
        if args.against:
            trees = {args.against: _export(args.against, Path(tmp)), **trees}
        print(f"load average {os.getloadavg()[0]:.1f}, {args.runs} runs each, pinned to CPU 1")
        for title, modules in CASES:
            times: dict[str, list[float]] = {name: [] for name in trees}
            loaded: dict[str, list[str]] = {}
            for _ in range(args.runs):
                for name, src in trees.items():
                    found = _once(src, _modules_in(src, modules))
                    if found:
                        times[name].append(found[0])
                        loaded[name] = found[1]
            for name in trees:
                if times[name]:
                    print(f"{title:32} {name:14} median {statistics.median(times[name]):6.0f} ms, "
                          f"min {min(times[name]):6.0f} ms, loads {', '.join(loaded[name]) or 'neither'}")
        print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
