"""Where a /sparql request's own time goes: the WSGI app called as gunicorn calls it, in one
process pinned to one CPU, timed (median) and profiled (cProfile), with the answer cache off
(``--cached``: on, so every call after the first is a repeat answered from it).

    python -m bench.request_profile DATA_DIR [--query iri-lookup] [--calls 3000] [--top 25]

The stages beside it: the engine in this process, and the same query through one query process
(the hop and the child's work), so the app's own cost is the difference; and the app around an
answer captured once (its own work alone, the store's serialisation included).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

from bench.breakdown import median_ms
from bench.oxigraph_server import ANCHOR_MIX as MIX
from bench.servers import ACCEPT
from bench.timing import pin


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.request_profile",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--query", default="iri-lookup", choices=[q.name for q in MIX])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--cpu", type=int, default=0)
    parser.add_argument("--cached", action="store_true", help="with the answer cache on: a repeat's path")
    args = parser.parse_args(argv)

    import pyoxigraph as ox
    from werkzeug.test import EnvironBuilder

    from icskg.config import load_settings
    from icskg.store import Limits
    from icskg.store.executor import QueryProcesses
    from icskg.web import create_app

    if (os.cpu_count() or 1) > args.cpu:
        pin(args.cpu)
    q = next(q for q in MIX if q.name == args.query)
    settings = load_settings({"data_dir": args.data_dir, "query_processes": 1,
                              **({} if args.cached else {"answer_cache_bytes": 0})})
    app = create_app(settings)
    environ = EnvironBuilder(path="/sparql", query_string={"query": q.text},
                             headers={"Accept": ACCEPT[q.kind], "Host": "127.0.0.1:8000"}).get_environ()

    def request() -> bytes:
        status = []
        body = b"".join(app(dict(environ), lambda s, h, exc=None: status.append(s)))
        assert status[0].startswith("200"), (status, body[:200])
        return body

    link = args.data_dir / "store"
    store = ox.Store.read_only(os.path.realpath(link))
    pool = QueryProcesses(link, size=1, memory_mb=settings.query_memory_mb)
    limits = Limits(settings.query_timeout, settings.max_rows, settings.max_answer_bytes)
    engine = median_ms(lambda: store.query(q.text, use_default_graph_as_union=True).serialize(
        format=ox.QueryResultsFormat.JSON), args.calls, warm_up=50)
    hop = median_ms(lambda: pool.run(q.text, [], [], limits), args.calls, warm_up=50)
    pool.close()
    whole = median_ms(request, args.calls, warm_up=50)
    # The app's own work alone: its store hands back an answer captured once (no hop, no engine).
    # Whole minus hop also counts how much slower the hop runs between the app's work.
    served, captured = app.extensions["icskg.store"], []

    def replay(*args, **kwargs):  # the first answer, asked as the app asks (its format included)
        if not captured:
            captured.append(type(served).query(served, *args, **kwargs))
        return captured[0]

    served.query = replay
    own = median_ms(request, args.calls, warm_up=50)
    del served.query
    print(f"{q.name}: engine {engine:.3f} ms; through a query process {hop:.3f} ms; "
          f"the WSGI app {whole:.3f} ms (the app's own: {whole - hop:.3f} ms; around a captured "
          f"answer, no hop: {own:.3f} ms); load {os.getloadavg()}")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.calls):
        request()
    profile.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
