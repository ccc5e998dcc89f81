"""Time the name-and-code search on a store: building its index, and each kind of search.

    .venv/bin/python -m bench.search DATA_DIR [--runs N]

DATA_DIR holds a built or loaded store (``icskg build``, ``serve --data``; for x100, the synthetic
copy of :mod:`bench.synth` loaded with ``serve --data``). Prints a Markdown table of the median
and worst time of each search, in-process (the index alone) and through the app (``/search``,
JSON, Flask included), and the index's size.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from icskg import search
from icskg.config import load_settings
from icskg.store import EmbeddedStore

SEARCHES = {
    "a code (QYG)": "QYG",
    "a GSS code, lower case (e08000015)": "e08000015",
    "a rule id": "ICB-CONST-EXISTS",
    "a place name (Wirral)": "Wirral",
    "two words (cheshire merseyside)": "cheshire merseyside",
    "a common word (nhs)": "nhs",
    "a prefix (integ)": "integ",
}


def _times(run, runs: int) -> tuple[float, float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds) * 1000, max(seconds) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    store = EmbeddedStore(options.data_dir)
    target = search.index_path(options.data_dir, store.info()["version"])
    if not target.is_file():
        started = time.perf_counter()
        search.build_index(store, target)
        print(f"index built in {time.perf_counter() - started:.1f} s")
    print(f"index: {target.stat().st_size / 1e6:.1f} MB")
    index = search.Index(target)
    from icskg.web import create_app

    client = create_app(load_settings({"data_dir": options.data_dir}, environ={}), store).test_client()
    print("| search | results | index: median ms | worst ms | /search: median ms | worst ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, text in SEARCHES.items():
        total = index.search(text).total
        own = _times(lambda t=text: index.search(t), options.runs)
        app = _times(lambda t=text: client.get("/search", query_string={"q": t, "format": "json"}),
                     options.runs)
        print(f"| {name} | {total:,} | {own[0]:.1f} | {own[1]:.1f} | {app[0]:.1f} | {app[1]:.1f} |")


if __name__ == "__main__":
    main()
