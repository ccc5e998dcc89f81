"""Time killable work (icskg.killable) side by side: a warm pool against a fresh child per task.

    .venv/bin/python bench/killable.py DATA_DIR [--runs N]

DATA_DIR holds a built store (``icskg build``). Prints a Markdown table of the median and worst
time, in milliseconds, of:

- validating the example upload ``icb-breaches.ttl`` (hca2022, as of 2024-01-01, report as JSON)
  in the validation pool, whose workers read and compile the ontology and the shapes before their
  first task, and in a fresh child per validation from the same fork server (what each
  validation cost before pools had their own preload: it read the ontology and shapes again);
- a cheap query in a warm query worker, and the first cheap query after a worker was killed at
  its time limit (the fresh worker opens the store and answers).

Run it pinned and with the load average noted: ``taskset -c 1 .venv/bin/python bench/killable.py var``
(as a script whose new workers do not run it again, as under the ``icskg`` command:
:func:`icskg.killable.spare_workers_the_script`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date
from pathlib import Path

from icskg import killable, resources
from icskg.killable import Budget, Pool
from icskg.store import Limits
from icskg.store.executor import QueryProcesses
from icskg.validation import bounded
from icskg.validation.inputs import Input

CHEAP = "ASK { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"
ENDLESS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _ms(call, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    killable.spare_workers_the_script()  # as the `icskg` command does
    upload = Input((resources.EXAMPLES_DIR / "icb-breaches.ttl").read_bytes(), "icb-breaches.ttl", "turtle")
    task = (bounded._validate, [upload], ["hca2022"], date(2024, 1, 1), None, None, ["json"])

    warm = Pool("validation", Budget(2048), warm=bounded.warm)
    warm.run(*task)  # its first task waits for the warm-up; time the ones after

    def fresh_child() -> None:
        pool = Pool("validation-cold", Budget(2048))
        try:
            pool.run(*task)
        finally:
            pool.close()

    rows = {"validation, warm pool": _ms(lambda: warm.run(*task), args.runs),
            "validation, fresh child each time": _ms(fresh_child, args.runs)}
    warm.close()

    queries = QueryProcesses(args.data_dir / "store", size=1)
    limits = Limits(timeout=30, max_rows=10)
    queries.run(CHEAP, [], [], limits)
    rows["cheap query, warm worker"] = _ms(lambda: queries.run(CHEAP, [], [], limits), args.runs * 10)

    def after_a_kill() -> float:
        try:
            queries.run(ENDLESS, [], [], Limits(timeout=0.2, max_rows=10))
        except Exception:  # the time limit: its worker is killed and replaced
            pass
        started = time.perf_counter()
        queries.run(CHEAP, [], [], limits)
        return (time.perf_counter() - started) * 1000

    after = [after_a_kill() for _ in range(args.runs)]
    rows["cheap query, first after a kill"] = (statistics.median(after), max(after))
    queries.close()

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"CPUs allowed {sorted(os.sched_getaffinity(0))}, fork server preload {killable.PRELOAD}")
    print("\n| work | median ms | worst ms |\n|---|---:|---:|")
    for name, (median, worst) in rows.items():
        print(f"| {name} | {median:.1f} | {worst:.1f} |")


if __name__ == "__main__":
    main()
