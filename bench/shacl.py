"""Apache Jena's SHACL engine as the anchor for icskg's validation: the same shapes on the same data,
timed one after the other in one run, with the findings compared one by one.

    python -m bench shacl                    # x1 and x10, every case below, into bench/.work/shacl/
    python -m bench shacl --scales 1 --runs 3

Cases: the whole graph against each of ``REGIMES`` alone and all together, and a 50-row board CSV
(hca2022). At each scale the first case runs on a store never validated: icskg then reads the
whole RocksDB store (slow: every term is decoded) and keeps its union as N-Triples per dataset
version, as ``icskg build`` does for the built store; the other cases read that copy. icskg runs
as a user runs it (``icskg validate --store ...``, whole command, Python start-up included); Jena
runs ``bench/ShaclAnchor.java`` (whole command, JVM start-up included) on what icskg's shapes
see: the data with the ontology, as it stood on the regime's day
(:func:`icskg.validation.check.prepared`; written once per day, not timed). Both are pinned to
the same CPU. A finding is (focus node, path, rule shape, severity); the two lists must be equal as
multisets, so speed never hides a difference.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

from bench.servers import VENV_BIN
from bench.synth import synthesise
from bench.validation import board_csv

ANCHOR = Path(__file__).with_name("ShaclAnchor.java")
# The tests' Jena referee: the anchor reports each result's rule shape by its ``ruleShape``.
REFEREE = Path(__file__).resolve().parent.parent / "tests" / "referee" / "ShaclReferee.java"
REGIMES = ("hca2022", "guidance", "data-quality")
SEVERITY = "http://www.w3.org/ns/shacl#"
WORK = Path(__file__).resolve().parent / ".work" / "shacl"
FIRST = " (first validation of the store: reads RocksDB, keeps the union as N-Triples)"
Finding = tuple[str, str, str, str]


def timed(command: list[str], log: Path, cpu: int | None, ok: tuple[int, ...] = (0, 1)) -> dict:
    """Run ``command`` (pinned to ``cpu``); its wall time and CPU time (user + system)."""
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(cpu), *command]
    with log.open("ab") as out:
        out.write(f"$ {' '.join(command)}\n".encode())
        out.flush()
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in ok:
        raise subprocess.CalledProcessError(child.returncode, command)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def jena_classpath(work: Path) -> str:
    """Jena's class path (as the tests build it) with the compiled anchor in front."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests import jena

    path = jena.classpath()
    if path is None or shutil.which("javac") is None:
        raise SystemExit("Apache Jena and a JDK are needed: "
                         "apt-get install libapache-jena-java default-jdk-headless")
    classes = work / "classes"
    subprocess.run(["javac", "-d", str(classes), "-cp", path, str(ANCHOR), str(REFEREE)], check=True)
    return f"{classes}:{path}"


def store(data_dir: Path, nquads: Path | None, log: Path) -> Path:
    """A built store under ``data_dir``: ``icskg build`` (x1) or ``nquads`` loaded (xN); kept."""
    if (data_dir / "store").exists():
        return data_dir
    if nquads is None:
        timed([str(VENV_BIN / "icskg"), "--data-dir", str(data_dir), "build"], log, None, ok=(0,))
        return data_dir
    from icskg.load import load_files
    from icskg.store import EmbeddedStore

    load_files(EmbeddedStore(data_dir), [str(nquads)])
    return data_dir


def scaled(work: Path, factor: int, log: Path) -> Path:
    """The store at x``factor``: x1 is the real build, xN its synthetic copy (:mod:`bench.synth`)."""
    x1 = store(work / "x1", None, log)
    if factor == 1:
        return x1
    target = work / f"x{factor}"
    if not (target / "store").exists():
        nquads = work / "x1.nq"
        if not nquads.exists():
            timed([str(VENV_BIN / "icskg"), "--data-dir", str(x1), "export", "--format", "nquads",
                   "--output", str(nquads)], log, None, ok=(0,))
        synthesise(nquads, factor, work / f"x{factor}.nq")
        store(target, work / f"x{factor}.nq", log)
    return target


def _day(regime_id: str, today: date) -> date | None:
    from icskg.validation.regimes import regimes

    return regimes()[regime_id].default_as_of(today)


def _key(day: date | None) -> str:
    return day.isoformat() if day else "whole"


def jena_inputs(graph, regime_ids: list[str], out: Path, today: date) -> list[str]:
    """Shapes and prepared data files for Jena, one pair per regime (data written once per day)."""
    from icskg.validation.check import prepared
    from icskg.validation.regimes import shapes_graph

    pairs = []
    for regime_id in regime_ids:
        shapes = out / f"shapes-{regime_id}.ttl"
        if not shapes.exists():
            shapes_graph(regime_id).serialize(shapes, format="turtle", encoding="utf-8")
        day = _day(regime_id, today)
        data = out / f"data-{_key(day)}.nt"
        if not data.exists():
            prepared(graph, day).serialize(data, format="nt", encoding="utf-8")
        pairs += [str(shapes), str(data)]
    return pairs


def jena_findings(tsv: Path) -> Counter[Finding]:
    rows = (line.split("\t") for line in tsv.read_text(encoding="utf-8").splitlines() if line)
    return Counter((focus, path, shape, severity.removeprefix(SEVERITY))
                   for focus, path, shape, severity in rows)


def icskg_findings(report: Path) -> Counter[Finding]:
    found = json.loads(report.read_text(encoding="utf-8"))["findings"]
    return Counter((f["focus"], f["path"] or "", f["shape"], f["severity"]) for f in found)


def compare(jena: Counter[Finding], ours: Counter[Finding], show: int = 5) -> dict:
    """The two engines' findings side by side: equal, or what each found that the other did not."""
    only_jena, only_ours = jena - ours, ours - jena
    return {"jena": sum(jena.values()), "icskg": sum(ours.values()), "same": not only_jena and not only_ours,
            "only_jena": [list(f) for f in sorted(only_jena)[:show]],
            "only_jena_count": sum(only_jena.values()),
            "only_icskg": [list(f) for f in sorted(only_ours)[:show]],
            "only_icskg_count": sum(only_ours.values())}


def case(name: str, icskg_command: list[str], jena_pairs: list[str], classpath: str, out: Path,
         cpu: int | None, runs: int) -> dict:
    """One comparison: icskg then Jena, ``runs`` times each alternately; medians and the findings."""
    log = out / "log.txt"
    report, tsv = out / f"{name}.json", out / f"{name}.tsv"
    ours_runs, jena_runs = [], []
    for _ in range(runs):
        ours_runs.append(timed([*icskg_command, "--format", "json", "--output", str(report)], log, cpu))
        jena_runs.append(timed(["java", "-cp", classpath, "ShaclAnchor", str(tsv), *jena_pairs], log, cpu,
                               ok=(0,)))

    def median(values: list[dict], key: str) -> float:
        return sorted(v[key] for v in values)[len(values) // 2]

    row = {"case": name, "runs": runs, "command": " ".join(["icskg", *icskg_command[1:]])}
    for who, measured in (("icskg", ours_runs), ("jena", jena_runs)):
        row[who] = {key: median(measured, key) for key in ("wall", "cpu", "rss_mb")}
    row["findings"] = compare(jena_findings(tsv), icskg_findings(report))
    return row


def measure(work: Path, scales: tuple[int, ...], cpu: int | None, runs: int) -> dict:
    """Every case at every scale; see the module docstring."""
    from icskg.store import EmbeddedStore
    from icskg.validation.check import store_graph
    from icskg.validation.inputs import Input, load

    work.mkdir(parents=True, exist_ok=True)
    log = work / "log.txt"
    classpath = jena_classpath(work)
    today = date.today()
    icskg = str(VENV_BIN / "icskg")
    started_load = os.getloadavg()
    rows = []
    for factor in scales:
        data_dir = scaled(work, factor, log)
        out = work / f"run-x{factor}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        graph = store_graph(EmbeddedStore(data_dir))
        for kept in (data_dir / "validation").glob("*.nt"):
            kept.unlink()  # so that the first case shows the cost of reading the store itself
        for number, chosen in enumerate([[REGIMES[-1]]] + [[r] for r in REGIMES] + [list(REGIMES)]):
            name = f"x{factor} {' + '.join(chosen)}" + (FIRST if number == 0 else "")
            command = [icskg, "--data-dir", str(data_dir), "validate", "--store",
                       *[part for r in chosen for part in ("--regime", r)]]
            pairs = jena_inputs(graph, chosen, out, today)
            rows.append(case(name, command, pairs, classpath, out, cpu, runs))
            print(_line(rows[-1]), flush=True)
        del graph
    out = work / "run-board"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    board = board_csv(out / "board-50.csv")
    graph = load([Input.from_path(board)])
    rows.append(case("50-row board (hca2022)", [icskg, "validate", str(board), "--regime", "hca2022"],
                     jena_inputs(graph, ["hca2022"], out, today), classpath, out, cpu, runs))
    print(_line(rows[-1]), flush=True)
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu, "runs": runs,
            "load_before": started_load, "load_after": os.getloadavg(), "rows": rows}


def _line(row: dict) -> str:
    f = row["findings"]
    return (f"{row['case']}: icskg {row['icskg']['wall']:.2f} s ({row['icskg']['cpu']:.2f} s CPU), "
            f"Jena {row['jena']['wall']:.2f} s ({row['jena']['cpu']:.2f} s CPU); findings "
            f"{f['icskg']} / {f['jena']} {'identical' if f['same'] else 'DIFFER'}")


def markdown(results: dict) -> str:
    """The table for BENCHMARKS.md."""
    load = ", ".join(f"{x:.2f}" for x in results["load_before"])
    after = ", ".join(f"{x:.2f}" for x in results["load_after"])
    lines = [f"Measured {results['date']}, pinned to CPU {results['cpu']}, median of {results['runs']} "
             f"run(s); load average before {load}, after {after}.", "",
             "| case | icskg wall (CPU) | Jena wall (CPU) | icskg / Jena (CPU) | findings icskg / Jena "
             "| identical |",
             "|---|---:|---:|---:|---:|---|"]
    for row in results["rows"]:
        f, ours, jena = row["findings"], row["icskg"], row["jena"]
        lines.append(f"| {row['case']} | {ours['wall']:.2f} s ({ours['cpu']:.2f} s) | "
                     f"{jena['wall']:.2f} s ({jena['cpu']:.2f} s) | {ours['cpu'] / jena['cpu']:.2f} | "
                     f"{f['icskg']:,} / {f['jena']:,} | {'yes' if f['same'] else '**no**'} |")
    for row in results["rows"]:
        f = row["findings"]
        if not f["same"]:
            lines.append(f"\n{row['case']}: only Jena {f['only_jena_count']} (e.g. {f['only_jena']}), "
                         f"only icskg {f['only_icskg_count']} (e.g. {f['only_icskg']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench shacl", description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=WORK, help=f"stores, inputs and logs (default {WORK})")
    parser.add_argument("--scales", default="1,10", help="comma-separated scale factors (default 1,10)")
    parser.add_argument("--cpu", type=int, default=(os.cpu_count() or 1) - 1,
                        help="CPU both engines are pinned to (default the last)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each engine per case; medians reported")
    args = parser.parse_args(argv)
    results = measure(args.work, tuple(int(s) for s in args.scales.split(",")), args.cpu, args.runs)
    (args.work / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(markdown(results))
    return 0 if all(row["findings"]["same"] for row in results["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
