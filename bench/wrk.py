"""``wrk`` as the load client: C connections on one thread, pinned to the client's CPU.

wrk is C and costs the measurement almost nothing, where a Python client would spend as much CPU
per request as a fast server does. A short Lua script gives each request its method, path, body
and ``Accept`` header and prints wrk's summary as one JSON line.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import uuid
from pathlib import Path

WRK = shutil.which("wrk") or "/usr/bin/wrk"

_SCRIPT = """\
wrk.method = %(method)s
wrk.path = %(path)s
wrk.body = %(body)s
wrk.headers["Accept"] = %(accept)s
%(content_type)s
%(distinct)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n@@{"requests":%%d,"micros":%%d,"status_errors":%%d,"socket_errors":%%d,' ..
    '"timeouts":%%d,"p50_us":%%d,"p99_us":%%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _lua(text: str) -> str:
    """A Lua long string holding ``text`` exactly (the query may hold quotes and brackets)."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[\n{text}]{'=' * level}]"


# Each request a different text: a SPARQL comment ends the query (in the body for POST, URL-encoded
# at the end of the path for GET) with the run's own id (`run` sets it) and a number, so that a
# warm-up run's texts are not sent again by the run measured after it (a cache would answer them).
_DISTINCT_GET = """\
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, wrk.path .. "%0A%23+" .. run_id .. "-" .. counter)
end"""
_DISTINCT_POST = """\
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, wrk.body .. "\\n# " .. run_id .. "-" .. counter)
end"""


def script(path: str, accept: str, body: str | None = None, content_type: str | None = None,
           distinct: bool = False) -> str:
    """The Lua script for one request: GET ``path``, or POST ``body`` to it; with ``distinct``,
    every request a different text (no cache keyed by the text can answer it)."""
    return _SCRIPT % {
        "distinct": (_DISTINCT_POST if body is not None else _DISTINCT_GET) if distinct else "",
        "method": '"POST"' if body is not None else '"GET"',
        "path": _lua(path),
        "body": _lua(body) if body is not None else "nil",
        "accept": _lua(accept),
        "content_type": f'wrk.headers["Content-Type"] = {_lua(content_type)}' if content_type else "",
    }


def run(port: int, lua: str, connections: int, seconds: float, cpu: int | None,
        timeout: float = 30.0) -> dict:
    """wrk's figures for ``connections`` connections over ``seconds``: requests per second, p50 and
    p99 in ms, and the errors (a non-2xx/3xx status counts as one), in all and by kind."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(f'run_id = "{uuid.uuid4().hex}"\n{lua}')
        name = handle.name
    try:
        command = [WRK, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                   f"--timeout={max(1, round(timeout))}s", "-s", name, f"http://127.0.0.1:{port}"]
        if cpu is not None:
            command = ["taskset", "-c", str(cpu), *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + timeout + 30)
    finally:
        Path(name).unlink()
    lines = [line for line in done.stdout.splitlines() if line.startswith("@@")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr or done.stdout)[-300:].strip() or f"wrk exited {done.returncode}"}
    figures = json.loads(lines[-1][2:])
    wall = figures["micros"] / 1e6
    good = figures["requests"] - figures["status_errors"]
    return {"connections": connections, "calls": figures["requests"], "seconds": wall,
            "per_second": good / wall if wall else 0.0,
            "p50_ms": figures["p50_us"] / 1000, "p99_ms": figures["p99_us"] / 1000,
            "errors": figures["status_errors"] + figures["socket_errors"] + figures["timeouts"],
            "error_kinds": {"error status": figures["status_errors"],
                            "connection errors": figures["socket_errors"],
                            f"no answer within {max(1, round(timeout))} s": figures["timeouts"]}}


def median(runs: list[dict]) -> tuple[float, float, str]:
    """The median rate and p50 of repeated runs, and " (errors)" if any run had one."""
    rate = statistics.median(r.get("per_second", 0.0) for r in runs)
    p50 = statistics.median(r.get("p50_ms", float("nan")) for r in runs)
    return rate, p50, " (errors)" if sum(r.get("errors", 1) for r in runs) else ""
