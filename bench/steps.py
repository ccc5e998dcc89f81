"""The one-off costs, each timed by running icskg's own command as a user would."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from bench.servers import VENV_BIN, Icskg

ICSKG = str(VENV_BIN / "icskg")


def run_timed(command: list[str], log: Path, ok: tuple[int, ...] = (0,)) -> float:
    """Run ``command`` to completion (output to ``log``) and return its wall time.

    :raises subprocess.CalledProcessError: if it exits with a status not in ``ok``.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("ab") as out:
        out.write(f"$ {' '.join(command)}\n".encode())
        out.flush()
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if done.returncode not in ok:
        raise subprocess.CalledProcessError(done.returncode, command)
    return time.perf_counter() - started


def size_bytes(path: Path) -> int:
    """Bytes in the files under ``path`` (following the store link to its build)."""
    root = Path(os.path.realpath(path))
    return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())


def build(data_dir: Path, log: Path) -> dict:
    """``icskg build`` of the real knowledge graph from its sources."""
    seconds = run_timed([ICSKG, "--data-dir", str(data_dir), "build"], log)
    found = re.findall(rb"Built dataset \S+ in [\d.]+ s: ([\d,]+) triples", log.read_bytes())
    triples = int(found[-1].replace(b",", b"")) if found else None
    return {"seconds": seconds, "triples": triples, "store_bytes": size_bytes(data_dir / "store"),
            "command": f"icskg --data-dir {data_dir} build"}


def export(data_dir: Path, target: Path, log: Path) -> dict:
    """``icskg export --format nquads``: the dataset as the other systems will read it."""
    seconds = run_timed([ICSKG, "--data-dir", str(data_dir), "export", "--format", "nquads",
                         "--output", str(target)], log)
    return {"seconds": seconds, "bytes": target.stat().st_size, "quads": _lines(target),
            "command": f"icskg --data-dir {data_dir} export --format nquads --output {target}"}


def load(data_dir: Path, nquads: Path, log: Path, cpu: int | None) -> dict:
    """``icskg serve --data FILE``: load a file into a store and serve it; timed from process
    start to the first 200 from /healthz. The store it leaves under ``served/`` is reused."""
    with Icskg(data_dir, log, cpu, data=[nquads]) as server:
        seconds = server.ready_seconds
    served = data_dir / "served"
    # Read once the server has exited: a size read while RocksDB still holds files it has
    # compacted away would count them.
    return {"seconds": seconds, "store_bytes": size_bytes(served / "store"), "data_dir": served,
            "steps": load_steps(log.read_text(encoding="utf-8", errors="replace")),
            "command": f"icskg --data-dir {data_dir} serve --data {nquads}"}


LOADED = re.compile(r"Loaded \d+ file\(s\) into \d+ named graph\(s\) in [\d.]+ s: (.*)\.$", re.MULTILINE)
STEP = re.compile(r"([a-z ]+) ([\d.]+) s")


def load_steps(log: str) -> dict[str, float]:
    """The seconds of each step of the last load ``serve --data`` reported in ``log`` (the bulk
    load, the compaction, the search index...), in the order it took them."""
    found = LOADED.findall(log)
    return {name.strip(): float(sec) for name, sec in STEP.findall(found[-1])} if found else {}


def _lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 24):
            count += chunk.count(b"\n")
    return count
