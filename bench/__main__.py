"""``python -m bench run`` writes BENCHMARKS.md; ``--quick`` checks the suite in under two minutes.

    python -m bench run                 # the full run: BENCHMARKS.md, bench/results.json, bench/scaling.png
    python -m bench run --quick         # small and short, into bench/.work/quick/ (BENCHMARKS.md untouched)
    python -m bench report results.json # re-write the report from saved figures
    python -m bench shacl               # validation against Apache Jena's SHACL engine (bench/shacl.py)
    python -m bench oxigraph --scales 1 # HTTP against Oxigraph server and rdflib-endpoint (wrk)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import report
from bench.run import FULL, QUICK, run, save, with_options
from icskg.resources import PROJECT_DIR

BENCH_DIR = Path(__file__).resolve().parent
WORK = BENCH_DIR / ".work"


def _outputs(out: Path | None, quick: bool) -> tuple[Path, Path, Path]:
    """Where BENCHMARKS.md, the figures (JSON) and the plot go."""
    if out is None and not quick:
        return PROJECT_DIR / "BENCHMARKS.md", BENCH_DIR / "results.json", BENCH_DIR / "scaling.png"
    out = out or WORK / "quick" / "report"
    return out / "BENCHMARKS.md", out / "results.json", out / "scaling.png"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["shacl"]:
        from bench import shacl

        return shacl.main(argv[1:])
    if argv[:1] == ["oxigraph"]:
        from bench import oxigraph_server

        return oxigraph_server.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    go = commands.add_parser("run", help="run the suite and write the report")
    go.add_argument("--quick", action="store_true", help="scales x1 and x2, short windows (< 2 minutes)")
    go.add_argument("--work", type=Path, help="scratch directory for stores and logs (default bench/.work/)")
    go.add_argument("--out", type=Path, help="write BENCHMARKS.md, results.json and scaling.png here")
    go.add_argument("--scales", help="comma-separated scale factors, e.g. 1,10 (default 1,10,100)")
    go.add_argument("--rdflib-max-scale", type=int,
                    help="largest scale at which rdflib and rdflib-endpoint run (default 10)")
    go.add_argument("--queries", help="comma-separated query names (default: all)")
    go.add_argument("--no-pin", action="store_true", help="do not pin servers and client to separate CPUs")
    again = commands.add_parser("report", help="write the report from saved figures")
    again.add_argument("results", type=Path)
    again.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    if args.command == "report":
        results = json.loads(args.results.read_text(encoding="utf-8"))
        markdown, _, plot = _outputs(args.out, results.get("plan") == "quick")
        report.write(results, markdown, plot)
        return 0

    plan = with_options(
        QUICK if args.quick else FULL,
        scales=tuple(sorted({int(s) for s in args.scales.split(",")})) if args.scales else None,
        rdflib_max_scale=args.rdflib_max_scale,
        queries=tuple(args.queries.split(",")) if args.queries else None,
        pin=False if args.no_pin else None,
    )
    if 1 not in plan.scales:
        parser.error("--scales must include 1: the other scales are copies of it")
    markdown, figures, plot = _outputs(args.out, args.quick)
    work = args.work or WORK / plan.name
    results = run(plan, work)
    save(results, figures)
    report.write(results, markdown, plot)
    print(f"Wrote {markdown}, {figures} and {plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
