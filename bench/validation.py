"""Validation timings: the whole real graph against every regime, and a typical 50-row board
upload, from the command line and over HTTP. Measured only where the feature exists."""

from __future__ import annotations

import csv
import datetime
import http.client
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.servers import Icskg
from bench.steps import ICSKG, run_timed
from bench.timing import percentile

BOARD_ROWS = 50
UPLOAD_CALLS = 7
# role, nominated by, appointed by, approved by, employed by: as docs/validation.md's template
SEATS = (
    ("Chair", "", "NHS England", "Secretary of State", ""),
    ("Chief executive", "", "Chair", "NHS England", "ICB"),
    ("Director of finance", "", "Chief executive", "Chair", "ICB"),
    ("Medical director", "", "Chief executive", "Chair", "ICB"),
    ("Director of nursing", "", "Chief executive", "Chair", "ICB"),
    ("Non-executive member", "", "Chair", "", ""),
    ("Non-executive member", "", "Chair", "", ""),
    ("Partner member (trusts)", "NHS trusts and foundation trusts of the area", "ICB", "Chair", ""),
    ("Partner member (primary care)", "Primary medical services providers of the area", "ICB", "Chair", ""),
    ("Partner member (local authorities)", "Local authorities of the area", "ICB", "Chair", ""),
)
HEADER = "name,role,nominated by,appointed by,start,end,approved by,employed by,expertise,icb,source"


def board_csv(target: Path, rows: int = BOARD_ROWS) -> Path:
    """A board's seats over five yearly terms (the last still in post): 50 rows, as a governance
    team would keep the history of its board in the template."""
    terms = -(-rows // len(SEATS))
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER.split(","))
        for i in range(rows):
            role, nominated, appointed, approved, employed = SEATS[i % len(SEATS)]
            term = i // len(SEATS)
            start = datetime.date(2022 + term, 7, 1).isoformat()
            end = "" if term == terms - 1 else datetime.date(2023 + term, 6, 30).isoformat()
            expertise = "mental health" if i % len(SEATS) == 5 else ""
            writer.writerow([f"Member {i + 1:02d}", role, nominated, appointed, start, end, approved,
                             employed, expertise, "QYG", ""])
    return target


def _regimes() -> list[str]:
    listed = subprocess.run([ICSKG, "validate", "--list-regimes"], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL)
    if listed.returncode != 0:
        return []
    return [line.split()[0] for line in listed.stdout.splitlines() if line.strip()]


def _post(port: int, path: str, body: bytes, media_type: str) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": media_type,
                                                       "Accept": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def _get(port: int, path: str) -> tuple[int, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def measure(data_dir: Path, work: Path, logs: Path, cpu: int | None, full: bool = True) -> dict:
    """Time the validations; ``full=False`` (the quick run) checks the whole graph against one
    regime only, skips ``/compliance`` and takes no profile."""
    regimes = _regimes()
    if not regimes:
        return {"todo": "`icskg validate` does not exist in this checkout yet (the validation feature "
                        "was still being written when these figures were taken)."}
    if not full:
        regimes = regimes[:1]
    log = logs / "validate.log"
    board = board_csv(work / f"board-{BOARD_ROWS}.csv")
    picked = [part for regime in regimes for part in ("--regime", regime)]
    whole = [ICSKG, "--data-dir", str(data_dir), "validate", "--store", *picked, "--format", "json",
             "--output", str(work / "validate-store.json")]
    upload = [ICSKG, "validate", str(board), "--regime", "hca2022", "--format", "json",
              "--output", str(work / "validate-board.json")]
    rows = [
        {"what": f"whole real KG ({len(regimes)} regimes: {', '.join(regimes)})",
         "cli": run_timed(whole, log, ok=(0, 1)), "command": " ".join(["icskg", *whole[1:]])},
        {"what": f"a {BOARD_ROWS}-row board CSV (hca2022)",
         "cli": run_timed(upload, log, ok=(0, 1)), "command": " ".join(["icskg", *upload[1:]])},
    ]
    notes = ["CLI times are whole commands (Python start-up and imports included); HTTP times are "
             f"the median of {UPLOAD_CALLS} uploads to the running server, and for the whole graph "
             "the first request to `/compliance` (the 42 ICBs against the families of rules, computed "
             "once per dataset version and day and then kept)."]
    with Icskg(data_dir, log, cpu) as server:
        body = board.read_bytes()
        path = "/validate?" + urlencode({"regime": "hca2022", "format": "json"})
        results = [_post(server.port, path, body, "text/csv") for _ in range(UPLOAD_CALLS)]
        statuses = {status for status, _ in results}
        if statuses <= {200}:
            rows[1]["http"] = percentile([seconds for _, seconds in results], 0.5)
        else:
            notes.append(f"POST /validate answered {sorted(statuses)}.")
        status, first = _get(server.port, "/compliance") if full else (0, 0.0)
        if not full:
            notes.append("The quick run does not request `/compliance`.")
        elif status == 200:
            rows[0]["http"] = first
            rows[0]["http_cached"] = _get(server.port, "/compliance")[1]
            notes.append(f"A second request to `/compliance` took {rows[0]['http_cached'] * 1000:.0f} ms.")
        else:
            notes.append(f"GET /compliance answered {status}.")
    whole_kg = ("" if full else "quick run, one regime only: ") + f"CLI {rows[0]['cli']:.1f} s"
    if "http" in rows[0]:
        whole_kg += f"; HTTP (/compliance) {rows[0]['http']:.1f} s"
    targets = [
        {"target": "Validation of the whole real KG against every regime < 10 s", "measured": whole_kg,
         "met": rows[0]["cli"] < 10},
        {"target": f"Validation of a {BOARD_ROWS}-row board upload < 1 s over HTTP",
         "measured": (f"HTTP {rows[1]['http'] * 1000:.0f} ms" if "http" in rows[1] else "HTTP not measured")
         + f"; CLI {rows[1]['cli']:.2f} s",
         "met": rows[1].get("http", 99) < 1},
    ]
    found = {"rows": rows, "notes": notes, "targets": targets, "board": board.name}
    if full:
        from bench.profile import record_command

        found["profile"] = record_command(whole, logs / "profile-validate-store.txt")
    return found
