"""Where the server's time goes: py-spy samples the icskg server while one client repeats a
query, and the samples are summed by process role and by function."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections import Counter
from pathlib import Path

from bench.queries import Query
from bench.servers import ACCEPT, VENV_BIN, Client, Server, query_path
from bench.timing import Window, measure

# Frames every busy thread of a worker or command sits under (start-up, thread pools, the CLI):
# true of most samples and telling nothing.
BOILERPLATE = re.compile(
    r"\((threading\.py|concurrent/futures/|click/|gunicorn/(arbiter|app/base|workers/base)\.py"
    r"|icskg/cli\.py|icskg/web/server\.py|icskg/validation/command\.py|icskg:1\))|^<module>"
)
SECONDS = 6
RATE = 250
# With --subprocesses, py-spy starts each stack with the chain of processes down to the sampled
# one, each as process PID:"command line" (a command line may itself contain ';').
PROCESS = re.compile(r'process (\d+):"((?:[^"\\]|\\.)*)";')


def _py_spy() -> str | None:
    found = VENV_BIN / "py-spy"
    return str(found) if found.exists() else shutil.which("py-spy")


def _role(pid: int, cmdline: str, master: int) -> str:
    if pid == master:
        return "gunicorn master"
    if "forkserver" in cmdline or "spawn_main" in cmdline:  # query processes and their fork server
        return "query process"
    if "multiprocessing" in cmdline:
        return "other"
    return "web worker"


def summarise(raw: str, master: int | None, top: int = 14) -> dict:
    """Shares of the active samples by process role, and the web workers' costliest functions
    (inclusive: a function counts once per sample it is anywhere on the stack). With no
    ``master``, the samples are of one program and all of them are summed."""
    roles: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    worker_samples = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        chain = []
        while found := PROCESS.match(stack):
            chain.append(found)
            stack = stack[found.end():]
        frames = stack.split(";")
        if master is None:
            role = "web worker"  # one program: sum every sample
        else:
            role = _role(int(chain[-1].group(1)), chain[-1].group(2), master) if chain else "unknown"
        roles[role] += count
        if role != "web worker":
            continue
        worker_samples += count
        calls = [f for f in frames if not f.startswith("thread ")]
        for frame in set(calls):
            inclusive[frame] += count
        if calls:
            leaf[calls[-1]] += count
    total = sum(roles.values()) or 1
    per_worker = worker_samples or 1
    common = {f for f in inclusive if BOILERPLATE.search(f)}
    return {
        "samples": total,
        "roles": {role: round(n / total, 3) for role, n in roles.most_common()},
        "worker_inclusive": [(f, round(n / per_worker, 3)) for f, n in inclusive.most_common()
                             if f not in common][:top],
        "worker_self": [(f, round(n / per_worker, 3)) for f, n in leaf.most_common(top)],
    }


def record(server: Server, queries: list[Query], logs: Path) -> dict:
    """Profile the server on each query in turn, at one client."""
    py_spy = _py_spy()
    if py_spy is None:
        return {"error": "py-spy is not installed (pip install -e '.[bench]')"}
    out = {}
    for q in queries:
        target = logs / f"profile-{q.name}.txt"
        path, headers = query_path(q.text), {"Accept": ACCEPT[q.kind]}
        # A cheap query's cost is Python's, so only threads holding the GIL are sampled; an
        # expensive one's is mostly the engine's, which may run without it.
        gil = ["--gil"] if q.cheap else []
        spy = subprocess.Popen(
            [py_spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--format", "raw",
             "--output", str(target), "--duration", str(SECONDS), "--rate", str(RATE), *gil,
             "--function"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        )
        def client(path: str = path, headers: dict = headers) -> Client:
            return Client(server.port, path, headers)

        load = threading.Thread(target=measure, args=(client, 1, Window(SECONDS + 1, 1, SECONDS + 5)))
        load.start()
        _, error = spy.communicate()
        load.join()
        if spy.returncode != 0 or not target.exists():
            out[q.name] = {"error": f"py-spy failed: {error.decode(errors='replace').strip()[:300]}"}
            continue
        out[q.name] = summarise(target.read_text(encoding="utf-8", errors="replace"), server.process.pid)
        out[q.name] |= {"raw_file": target.name, "gil_only": bool(gil)}
    return out


def record_command(command: list[str], target: Path) -> dict:
    """Run ``command`` under py-spy and summarise where its time went."""
    py_spy = _py_spy()
    if py_spy is None:
        return {"error": "py-spy is not installed (pip install -e '.[bench]')"}
    done = subprocess.run([py_spy, "record", "--format", "raw", "--output", str(target), "--rate", "100",
                           "--function", "--", *command],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    if not target.exists():
        return {"error": f"py-spy failed: {done.stderr.decode(errors='replace').strip()[:300]}"}
    summary = summarise(target.read_text(encoding="utf-8", errors="replace"), None, top=12)
    summary["raw_file"] = target.name
    return summary
