"""Write BENCHMARKS.md and the scaling plot from the figures of one run."""

from __future__ import annotations

import math
import os
import re
import statistics
from pathlib import Path

UNCACHED = "icskg uncached"
SYSTEMS = ("icskg", UNCACHED, "rdflib-endpoint", "raw", "rdflib")
TIMES, NONE, MINUS = "\u00d7", "\u2013", "\u2212"  # for tables: multiplication sign, dash, minus
LABELS = {"icskg": "icskg, cached (HTTP)", UNCACHED: "icskg uncached (HTTP)",
          "rdflib-endpoint": "rdflib-endpoint (HTTP)", "raw": "raw engine (in-process)",
          "rdflib": "rdflib (in-process)"}
THROUGHPUT_TARGET = 20.0
CHEAP_MS = 1.0
HEAVY_MS = 10.0
HEAVY_SHARE = 0.8
SLOW_AFTER_MS = 250  # icskg.killable.SLOW_AFTER
COLD_START_S = 1.0
BUILD_S = 30.0


# numbers -----------------------------------------------------------------------------------------
def _n(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NONE
    if value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    elif value >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return text + unit


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.0f} MB" if n_bytes >= 1e7 else f"{n_bytes / 1e6:.1f} MB"


def geomean(values: list[float]) -> float | None:
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def own(scale: dict) -> str:
    """Whose figures show icskg's own work: the server with its answer cache off, where the run
    measured it (a run from before 2026-12-05 has only the cached one)."""
    return UNCACHED if UNCACHED in scale["systems"] else "icskg"


def _stats(scale: dict, system: str, query: str, c: int | str) -> dict | None:
    """The timing of ``query`` on ``system`` at ``c`` clients, or ``c="fresh"``: one client sending
    a different text each time (a slow query's single first call is fresh too)."""
    entry = scale["systems"].get(system, {}).get(query)
    if not entry or "stats" not in entry:
        return None
    stats = entry["stats"].get(str(c))
    if c == "fresh" and stats is None and entry["stats"].get("1", {}).get("first_call"):
        stats = entry["stats"]["1"]
    if not stats or "skipped" in stats or not stats.get("calls"):
        return None
    return stats


def _rate(scale: dict, system: str, query: str, c: int | str) -> float | None:
    stats = _stats(scale, system, query, c)
    return stats["per_second"] if stats else None


def _p(scale: dict, system: str, query: str, which: str) -> float | None:
    stats = _stats(scale, system, query, 1)
    return stats[which] if stats else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def _cell(scale: dict, system: str, query: str) -> str:
    entry = scale["systems"].get(system, {}).get(query)
    if entry is None:
        return "not run"
    if "skipped" in entry:
        return "skipped¹"
    if "error" in entry:
        return "stopped at the time limit²" if "time limit" in entry["error"] else "error²"
    rates = [_rate(scale, system, query, c) for c in (1, 4)]
    return " / ".join(_n(r) for r in rates)


def ratios(scale: dict, versus: str, c: int | str, queries: list[str],
           ours: str = "icskg") -> dict[str, float]:
    """``ours``'s throughput (icskg, cached or not) over ``versus``'s, per query where both were
    timed and agree."""
    out = {}
    for q in queries:
        entry = scale["systems"].get(ours, {}).get(q, {})
        other = scale["systems"].get(versus, {}).get(q, {})
        if entry.get("differs") or other.get("differs"):
            continue
        value = _ratio(_rate(scale, ours, q, c), _rate(scale, versus, q, c))
        if value:
            out[q] = value
    return out


def _bare_rate(scale: dict, query: str, c: int) -> float | None:
    stats = scale.get("bare", {}).get(query, {}).get("stats", {}).get(str(c))
    return stats["per_second"] if stats and stats.get("calls") else None


def ceiling(scale: dict, c: int | str, queries: list[str]) -> float | None:
    """The largest lead over rdflib-endpoint any server on icskg's stack could show: the bare stack's
    throughput over rdflib-endpoint's (geometric mean). The bare stack parses nothing, so its one-client
    rate stands for it against rdflib-endpoint's distinct texts (``c="fresh"``) too."""
    found = []
    for q in queries:
        if scale["systems"].get("rdflib-endpoint", {}).get(q, {}).get("differs"):
            continue
        bare = _bare_rate(scale, q, 1 if c == "fresh" else int(c))
        value = _ratio(bare, _rate(scale, "rdflib-endpoint", q, c))
        if value:
            found.append(value)
    return geomean(found)


# sections ----------------------------------------------------------------------------------------
def _targets(results: dict) -> list[str]:
    scales = results["scales"]
    queries = list(results["queries"])
    rows = []

    parts, met = [], True
    for s, scale in scales.items():
        if "rdflib-endpoint" not in scale["systems"]:
            parts.append(f"x{s}: rdflib-endpoint not run³")
            continue
        ours = own(scale)
        g1, g4 = (geomean(list(ratios(scale, "rdflib-endpoint", c, queries, ours).values())) for c in (1, 4))
        cached = [geomean(list(ratios(scale, "rdflib-endpoint", c, queries).values())) for c in (1, 4)]
        fresh = geomean(list(ratios(scale, "rdflib-endpoint", "fresh", queries).values()))
        beside = _beside(ours, f"{_n(cached[0])}{TIMES} / {_n(cached[1])}{TIMES}")
        parts.append(f"x{s}: {_n(g1)}{TIMES} (1 client), {_n(g4)}{TIMES} (4 clients) ({beside}); with a "
                     f"different text each request: {_n(fresh)}{TIMES}")
        if scale.get("bare"):
            limits = [_n(ceiling(scale, c, queries)) + TIMES for c in (1, 4, "fresh")]
            parts[-1] += (" (the most any gunicorn + Flask server could reach here, the bare stack⁴: "
                          f"{limits[0]}, {limits[1]}; {limits[2]})")
        met &= bool(g1 and g4 and g1 >= THROUGHPUT_TARGET and g4 >= THROUGHPUT_TARGET)
    rows.append((f"HTTP throughput, geometric mean over the mix, ≥ 20{TIMES} rdflib-endpoint, same answers "
                 "(uncached; cached beside)",
                 "; ".join(parts), _own_verdict(met, scales)))

    parts, met = [], True
    for s, scale in scales.items():
        ours = own(scale)
        for q in (name for name, info in results["queries"].items() if info["cheap"]):
            http, raw = _p(scale, ours, q, "p50_ms"), _p(scale, "raw", q, "p50_ms")
            if http is None or raw is None:
                continue
            gap = http - raw
            met &= gap <= CHEAP_MS
            beside = _beside(ours, _n(_p(scale, "icskg", q, "p50_ms")))
            parts.append(f"x{s} {q}: {_n(http)} vs {_n(raw)} ms ({'+' if gap >= 0 else MINUS}{_n(abs(gap))}; "
                         f"{beside})")
    rows.append(("Cheap lookup: p50 over HTTP within 1 ms of the raw engine (uncached; cached beside)",
                 "; ".join(parts), _own_verdict(met, scales)))

    parts, met = [], True
    for s, scale in scales.items():
        for q in queries:
            raw_p50 = _p(scale, "raw", q, "p50_ms")
            if raw_p50 is None or raw_p50 < HEAVY_MS:
                continue
            ours = own(scale)
            shares = [_ratio(_rate(scale, ours, q, c), _rate(scale, "raw", q, c)) for c in (1, 4)]
            cached = [_ratio(_rate(scale, "icskg", q, c), _rate(scale, "raw", q, c)) for c in (1, 4)]
            met &= all(x is not None and x >= HEAVY_SHARE for x in shares)
            beside = _beside(ours, " / ".join(f"{x:,.0%}" if x else NONE for x in cached))
            shown = " / ".join(f"{x:.0%}" if x else NONE for x in shares)
            parts.append(f"x{s} {q}: {shown} ({beside})")
    rows.append(("Queries ≥ 10 ms in-process: HTTP throughput ≥ 80% of the raw engine's (1 / 4 clients; "
                 "uncached, cached beside)",
                 "; ".join(parts) or "no query took 10 ms", _own_verdict(met, scales)))

    colds = {s: statistics.median(scale.get("cold_start") or [math.nan]) for s, scale in scales.items()}
    rows.append(("Cold start with a built store < 1 s (process start to first 200 from /healthz; median)",
                 "; ".join(f"x{s}: {_n(v, ' s')}" for s, v in colds.items()),
                 _verdict(all(v < COLD_START_S for v in colds.values()))))

    build = results["build"]["seconds"]
    rows.append(("Build of the real KG < 30 s (`icskg build`)", _n(build, " s"), _verdict(build < BUILD_S)))

    rates = {s: load["seconds"] / load["quads"] * 1e6 for s, load in results["load"].items()}
    first = rates[min(rates, key=int)]
    linear = all(r <= first * 1.25 for r in rates.values())
    rows.append(("Loading linear in the size of the data, x1 to x100 (seconds per million quads)",
                 "; ".join(f"x{s}: {_n(r)}" for s, r in rates.items()), _verdict(linear)))

    validation = results.get("validation", {})
    if "todo" in validation:
        rows.append(("Validation: whole KG against every regime < 10 s; 50-row board upload < 1 s over HTTP",
                     "TODO: " + validation["todo"], "not measured"))
    else:
        for row in validation.get("targets", []):
            rows.append((row["target"], row["measured"], _verdict(row["met"])))

    top = max(scales, key=int)
    memory = scales[top]["memory"].get("icskg", {})
    store = results["load"][top]["store_bytes"]
    rows.append((f"Server memory at x{top} stated, with the store on disk",
                 f"RSS {memory.get('rss_mb', 0):,.0f} MB summed over {memory.get('processes')} processes "
                 f"(PSS {memory.get('pss_mb', 0):,.0f} MB); store on disk {_mb(store)}", "stated"))

    differing = [(s, q, sys_) for s, scale in scales.items() for sys_, per in scale["systems"].items()
                 for q, e in per.items() if e.get("differs")]
    ours = [(s, q, sys_) for s, q, sys_ in differing if sys_ in ICSKG]
    compared = sum(1 for scale in scales.values() for name in ICSKG
                   for e in scale["systems"].get(name, {}).values() if "rows" in e)
    peers: dict[tuple[str, str], list[str]] = {}
    for s, q, sys_ in differing:
        if sys_ not in ICSKG:
            peers.setdefault((s, q), []).append(sys_)
    both = " (cached and uncached)" if any(UNCACHED in scale["systems"] for scale in scales.values()) else ""
    measured = (f"icskg{both} gives the raw engine's answer in all {compared} answers compared"
                if not ours else "icskg differs: " + "; ".join(f"x{s} {q} ({LABELS[x]})" for s, q, x in ours))
    if peers:
        measured += "; rdflib (both systems) differs on " + "; ".join(
            f"x{s} `{q}`" for (s, q) in peers) + " (see Findings)"
    rows.append(("Answers agree across the systems", measured, _verdict(not differing)))

    lines = ["| target | measured | met |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return lines


ICSKG = ("icskg", UNCACHED)


NOT_UNCACHED = "cached: this run did not measure icskg uncached"


def _beside(ours: str, cached: str) -> str:
    """The cached figure to put beside an uncached one; a run without uncached figures says so
    instead, so that its cached figure is not read as uncached."""
    return f"cached {cached}" if ours == UNCACHED else NOT_UNCACHED


def _verdict(ok: bool) -> str:
    return "**yes**" if ok else "**no**"


def _own_verdict(ok: bool, scales: dict) -> str:
    """The verdict on a target about icskg's own work: not given where the run measured icskg
    with its answer cache on only (a repeat from memory says nothing of that work)."""
    if any(own(scale) != UNCACHED for scale in scales.values()):
        return "not measured (cached figures only)"
    return _verdict(ok)


def _method(results: dict) -> list[str]:
    meta, window = results["meta"], results["window"]
    pins = meta["pinning"]
    pinning = (f"The servers, their child processes and the in-process systems were pinned to CPU "
               f"{pins['servers']} and the load client to CPU {pins['client']} "
               "(`sched_setaffinity`, inherited by every process they start), so that neither starves "
               "the other and every system gets the same single core."
               if pins["servers"] is not None else "Nothing was pinned to a CPU (`--no-pin`).")
    before, after = meta["loadavg_before"], meta["loadavg_after"]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    return [
        f"- **Machine**: {meta['cpu']}, {meta['cores']} cores, {meta['memory_gib']} GiB, {meta['os']}, "
        f"Python {meta['python']}.",
        f"- **Load average** (1, 5, 15 min) before the run: {_loads(before)}; after: {_loads(after)}. "
        "Other developers share this machine; a run that starts above 1.0 is not a fair measurement.",
        f"- **Versions**: {versions}. Commit {meta['commit']}"
        + (" with uncommitted changes in the tree." if meta.get("tree_changed") else "."),
        f"- **Date**: {meta['date']}; the run took {meta['seconds'] / 60:.1f} minutes.",
        f"- **CPUs**: {pinning}",
        "- **Client**: Python `http.client`, one keep-alive connection per client thread, "
        "`GET /sparql?query=...` with `Accept: application/sparql-results+json` (SELECT, ASK) or "
        "`application/n-triples` (DESCRIBE, CONSTRUCT).",
        f"- **Each measurement**: C clients repeat the query back to back for {window['seconds']:g} s "
        f"(and at least {window['min_calls']} calls per client); throughput is calls over wall time, p50 "
        "and p99 are nearest-rank percentiles of every call. A system whose first answer took longer than "
        f"{_plan_slow(results)} s is timed on one call at one client; a query whose time at the scale "
        "below predicts more than the skip limit is not run (marked skipped¹).",
        "- **Distinct texts**: the same query is also timed at one client with a numbered comment "
        "appended to each request, so no two texts are alike. rdflib-endpoint keeps the parsed form "
        "of each text it has seen and reuses it for a repeat; with distinct texts it parses every "
        "request, as it must when many people ask many questions. icskg's answer cache is keyed by the "
        "text, so with distinct texts it never hits: that figure is the cached server working every "
        "answer out.",
        "- **icskg**: `icskg --data-dir DIR serve` as README starts it (gunicorn, gthread "
        "workers, default workers, threads and query processes, access log on, answer cache on), warmed "
        "up so every worker has started its query processes, with per-client lanes off "
        "(`ICSKG_CLIENT_SLOTS=0`, as behind a reverse proxy): the load client is one address, and with "
        "the default two lanes the runs at 4 clients got 503s.",
        "- **icskg uncached**: the same with `ICSKG_ANSWER_CACHE_BYTES=0`, so no answer comes from "
        "memory; timed on repeated texts only (see the top of this file for where it runs).",
        "- **rdflib-endpoint**: `rdflib-endpoint serve FILE.nq --host 127.0.0.1 --port N` "
        "(uvicorn, one process; its `Dataset(default_union=True)` gives the same union default graph).",
        "- **raw engine**: `pyoxigraph.Store.read_only(store).query(q, use_default_graph_as_union=True)` "
        "on the very store icskg serves, answer serialised to the same bytes the HTTP clients get, in a "
        "process of its own with 1 or 4 threads.",
        "- **rdflib**: `rdflib.Dataset(default_union=True)` parsed from the N-Quads export, "
        "`query()` then `serialize()`, in a process of its own.",
        "- **Answers**: every system's answer is compared with the raw engine's as a set of rows (blank "
        "nodes collapsed, literals normalised: language tags lower-cased, `xsd:string` dropped); row "
        "counts are kept to show duplicates. Ratios use only queries whose answers agree.",
    ]


def _plan_slow(results: dict) -> str:
    return "1" if results.get("plan") == "quick" else "2"


def _loads(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _commands(results: dict) -> list[str]:
    lines = ["```sh", "# everything below, and this file:", f".venv/bin/{results['meta']['command']}",
             "# what it runs:", results["build"]["command"], results["export"]["1"]["command"]]
    lines += [load["command"] for load in results["load"].values()]
    lines += [".venv/bin/icskg --data-dir DIR serve --port N        # DIR: each scale's store",
              "ICSKG_ANSWER_CACHE_BYTES=0 .venv/bin/icskg --data-dir DIR serve --port N   # icskg uncached",
              ".venv/bin/rdflib-endpoint serve xN.nq --host 127.0.0.1 --port N", "```"]
    return lines


def _data(results: dict) -> list[str]:
    build = results["build"]
    lines = [f"`icskg build` of the real graph: **{_n(build['seconds'], ' s')}**, "
             f"{build['triples']:,} triples, store {_mb(build['store_bytes'])} on disk.", "",
             "| scale | quads | N-Quads file | generated in | `serve --data` to first 200 | s per M quads "
             "| store on disk | export (N-Quads) |", "|---|---|---|---|---|---|---|---|"]
    for s, load in results["load"].items():
        synth = results["synthesis"].get(s, {})
        export = results["export"].get(s, {})
        size = synth.get("bytes") or results["export"]["1"]["bytes"]
        lines.append(
            f"| x{s} | {load['quads']:,} | {_mb(size)} "
            f"| {_n(synth.get('seconds'), ' s') if synth else '(export)'} "
            f"| {_n(load['seconds'], ' s')} | {_n(load['seconds'] / load['quads'] * 1e6)} "
            f"| {_mb(load['store_bytes'])} | {_n(export.get('seconds'), ' s')} |")
    timed = [(s, load["steps"]) for s, load in results["load"].items() if load.get("steps")]
    if timed:
        lines += ["", "Where a load's time goes (`serve --data`'s own report of each step): " + "; ".join(
            f"x{s} " + ", ".join(f"{name} {_n(sec, ' s')}" for name, sec in steps.items())
            for s, steps in timed) + "."]
    return lines


def _mix(results: dict) -> list[str]:
    lines = ["| query | what | answer |", "|---|---|---|"]
    for name, info in results["queries"].items():
        lines.append(f"| `{name}` | {info['what']} | {info['kind']} |")
    lines += ["", "<details><summary>The query texts (the competency questions are the files in "
              "<code>queries/</code>, with icskg's prefixes declared)</summary>", ""]
    for name, info in results["queries"].items():
        if not name.startswith("cq:"):
            lines += [f"`{name}`:", "```sparql", info["text"].strip(), "```"]
    lines += ["</details>"]
    return lines


def _ordered(results: dict) -> list[str]:
    """The mix's own queries first, then the competency questions."""
    mix = [q for q in results["queries"] if not q.startswith("cq:")]
    return mix + sorted(q for q in results["queries"] if q.startswith("cq:"))


def _scale(results: dict, s: str) -> list[str]:
    scale = results["scales"][s]
    queries = _ordered(results)
    present = [x for x in SYSTEMS if x in scale["systems"]]
    peer = "rdflib-endpoint" in scale["systems"]
    ours = own(scale)
    mine = "icskg uncached" if ours == UNCACHED else "icskg (cached)"
    heads = [f"{mine} ÷ rdflib-endpoint", f"{mine} ÷ raw", "icskg ÷ rdflib-endpoint, distinct texts"]
    heads = heads if peer else [f"{mine} ÷ raw"]
    bare = bool(scale.get("bare"))
    if bare:
        heads.append("bare stack⁴ (HTTP, no engine)")
    lines = [f"### x{s}", "", "Throughput in requests per second at 1 / 4 clients, and icskg's as a multiple "
             "of the others' (uncached: its own work; a distinct text each request misses the cache)"
             + _uncached_note(results, s) + ":", "",
             "| query | rows | " + " | ".join([*(LABELS[x] for x in present), *heads]) + " |",
             "|---|---:|" + "---:|" * (len(present) + len(heads))]
    for q in queries:
        raw = scale["systems"].get("raw", {}).get(q, {})
        cells = [_cell(scale, x, q) for x in present]
        for other in ("rdflib-endpoint", "raw") if peer else ("raw",):
            pair = [ratios(scale, other, c, [q], ours).get(q) for c in (1, 4)]
            cells.append(" / ".join(_n(v) + TIMES if v else NONE for v in pair))
        if peer:
            fresh = ratios(scale, "rdflib-endpoint", "fresh", [q]).get(q)
            cells.append(_n(fresh) + TIMES if fresh else NONE)
        if bare:
            cells.append(" / ".join(_n(_bare_rate(scale, q, c)) for c in (1, 4)))
        lines.append(f"| `{q}` | {raw.get('rows', NONE)} | " + " | ".join(cells) + " |")
    means = []
    for other in ("rdflib-endpoint", "raw"):
        if other in scale["systems"]:
            g = [geomean(list(ratios(scale, other, c, queries, ours).values())) for c in (1, 4)]
            k = [geomean(list(ratios(scale, other, c, queries).values())) for c in (1, 4)]
            means.append(f"{mine} ÷ {other}: **{_n(g[0])}{TIMES}** at 1 client, **{_n(g[1])}{TIMES}** at 4 "
                         f"(cached {_n(k[0])}{TIMES}, {_n(k[1])}{TIMES})")
    if "rdflib-endpoint" in scale["systems"]:
        g = geomean(list(ratios(scale, "rdflib-endpoint", "fresh", queries).values()))
        means.append(f"icskg ÷ rdflib-endpoint with a different text each request: **{_n(g)}{TIMES}**")
    lines += ["", "Geometric means over the queries both ran with the same answer: " + "; ".join(means) + "."]

    lines += ["", "Latency at one client, p50 / p99 in milliseconds:", "",
              "| query | " + " | ".join(LABELS[x] for x in present) + f" | {mine} {MINUS} raw (p50) |",
              "|---|" + "---:|" * (len(present) + 1)]
    for q in queries:
        cells = []
        for x in present:
            p50, p99 = _p(scale, x, q, "p50_ms"), _p(scale, x, q, "p99_ms")
            cells.append(f"{_n(p50)} / {_n(p99)}" if p50 is not None else _cell(scale, x, q).split(" ")[0])
        gap = None
        if _p(scale, ours, q, "p50_ms") is not None and _p(scale, "raw", q, "p50_ms") is not None:
            gap = _p(scale, ours, q, "p50_ms") - _p(scale, "raw", q, "p50_ms")  # type: ignore[operator]
        lines.append(f"| `{q}` | " + " | ".join(cells) + f" | {'+' if gap and gap > 0 else ''}{_n(gap)} |")

    notes = []
    for x in present:
        for q, entry in scale["systems"][x].items():
            if "skipped" in entry:
                notes.append(f"¹ {LABELS[x]}, `{q}`: not run: {entry['skipped']}.")
            if "error" in entry:
                notes.append(f"² {LABELS[x]}, `{q}`: {entry['error']}")
            if entry.get("differs"):
                notes.append(f"**{LABELS[x]}, `{q}`: a different answer** from the raw engine's: "
                             f"{entry['differs']}.")
            if entry.get("note"):
                notes.append(f"{LABELS[x]}, `{q}`: {entry['note']}.")
            for c, stats in entry.get("stats", {}).items():
                if "skipped" in stats and c != "1":
                    notes.append(f"{LABELS[x]}, `{q}` at {c} clients: not timed, {stats['skipped']}.")
                elif stats.get("error"):
                    notes.append(f"{LABELS[x]}, `{q}` at {c} clients: {stats['errors']} error(s): "
                                 f"{stats['error']}")
    agreed = sum(1 for x in present if x != "raw" for e in scale["systems"][x].values()
                 if "rows" in e and not e.get("differs"))
    compared = sum(1 for x in present if x != "raw" for e in scale["systems"][x].values() if "rows" in e)
    lines += ["", f"Answers: {agreed} of {compared} answers compared agree with the raw engine's."]
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    return lines


def _uncached_note(results: dict, s: str) -> str:
    """Which queries icskg uncached ran at scale ``s``, when not all of them."""
    timed = results["scales"][s]["systems"].get(UNCACHED)
    if timed is None or len(timed) == len(results["queries"]):
        return ""
    return (f"; at this scale icskg uncached ran {len(timed)} of the {len(results['queries'])} queries, the "
            "mix's own and those taking 10 ms or more on the raw engine (the others: not run)")


def _costs(results: dict) -> list[str]:
    lines = ["| scale | cold start: first 200 from /healthz | first SPARQL answer | icskg memory: RSS / PSS "
             "| rdflib-endpoint: ready after / RSS | rdflib: load / RSS |", "|---|---|---|---|---|---|"]
    for s, scale in results["scales"].items():
        mem = scale["memory"]
        icskg = mem.get("icskg", {})
        re_mem, rl_mem = mem.get("rdflib-endpoint"), mem.get("rdflib")
        cold = scale.get("cold_start") or []
        peer = (f"{_n(scale.get('rdflib_endpoint_ready_seconds'), ' s')} / {re_mem['rss_mb']:,.0f} MB"
                if re_mem else "not run³")
        floor = (f"{_n(scale.get('rdflib_load_seconds'), ' s')} / {rl_mem['rss_mb']:,.0f} MB"
                 if rl_mem else "not run³")
        first = scale.get("first_answer") or []
        lines.append(
            f"| x{s} | {_n(statistics.median(cold), ' s') if cold else NONE} (median of {len(cold)}) "
            f"| {_n(statistics.median(first), ' s') if first else NONE} "
            f"| {icskg.get('rss_mb', 0):,.0f} / {icskg.get('pss_mb', 0):,.0f} MB "
            f"({icskg.get('processes')} processes) | {peer} | {floor} |")
    return lines


def _etags(results: dict) -> list[str]:
    lines = ["| scale | query | 200 from the answer cache, requests/s (1 / 4 clients) "
             "| 304 with `If-None-Match` (1 / 4) |",
             "|---|---|---:|---:|"]
    for s, scale in results["scales"].items():
        for q, per in scale.get("etag", {}).items():
            if "error" in per:
                lines.append(f"| x{s} | `{q}` | {NONE} | {per['error']} |")
                continue
            full = " / ".join(_n(_rate(scale, "icskg", q, c)) for c in (1, 4))
            cached = " / ".join(_n(per[str(c)]["per_second"]) for c in (1, 4))
            lines.append(f"| x{s} | `{q}` | {full} | {cached} |")
    return lines


def _breakdown(results: dict) -> list[str]:
    s = min(results["scales"], key=int)
    scale = results["scales"][s]
    found = scale.get("breakdown")
    if not found:
        return []
    lines = [f"The stages of a cheap request at x{s}, each timed alone in one process pinned like the server "
             "(medians, ms): the engine in-process; the same query through a pool of one query process; "
             "that answer re-serialised as SPARQL JSON; the whole Flask app in-process (Werkzeug's test "
             "client, which adds some overhead of its own, no sockets); and the measured HTTP p50 at one "
             "client (icskg uncached, so the answer is worked out as in the stages). The last column is what "
             "gunicorn, the socket, the access log and the client add.", "",
             f"| query | engine | via query process | to JSON | Flask app | HTTP p50 | HTTP {MINUS} Flask |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for q, stages in found.items():
        if q == "healthz":
            continue
        http = _p(scale, own(scale), q, "p50_ms")
        web = _n(http - stages["flask"]) if http else NONE
        lines.append(f"| `{q}` | {_n(stages['engine'])} | {_n(stages['query_process'])} "
                     f"| {_n(stages['to_json'])} | {_n(stages['flask'])} | {_n(http)} | {web} |")
    lines += ["", "`/healthz` through the Flask test client, the floor of any request: "
              f"{_n(found['healthz'])} ms.", ""]
    return lines


def _profile(results: dict) -> list[str]:
    first = results["scales"][min(results["scales"], key=int)]
    found = first.get("profile")
    if not found:
        return ["Not profiled in this run (the quick run skips it)."]
    lines = []
    for q, summary in found.items():
        if "error" in summary:
            lines += [f"`{q}`: {summary['error']}", ""]
            continue
        roles = ", ".join(f"{role} {share:.0%}" for role, share in summary["roles"].items())
        sampled = "threads holding the GIL" if summary.get("gil_only", True) else "busy threads"
        lines += [f"**`{q}`** at one client ({summary['samples']:,} samples of {sampled}; raw stacks in "
                  f"`{summary['raw_file']}` under the work directory's logs): {roles}.", "",
                  "| web worker: function (inclusive share of its busy samples) | share |", "|---|---:|"]
        lines += [f"| `{f}` | {share:.0%} |" for f, share in summary["worker_inclusive"][:10]]
        lines += ["", "| web worker: where the samples were taken (self) | share |", "|---|---:|"]
        lines += [f"| `{f}` | {share:.0%} |" for f, share in summary["worker_self"][:6]]
        lines.append("")
    return lines


def _validation(results: dict) -> list[str]:
    validation = results.get("validation", {})
    if "todo" in validation:
        return ["| what | CLI | HTTP |", "|---|---|---|",
                "| whole KG against every regime | TODO | TODO |",
                "| a 50-row board upload | TODO | TODO |", "", f"TODO: {validation['todo']}"]
    lines = ["| what | CLI | HTTP |", "|---|---:|---:|"]
    for row in validation.get("rows", []):
        lines.append(f"| {row['what']} | {_n(row.get('cli'), ' s')} | {_n(row.get('http'), ' s')} |")
    lines += ["", *validation.get("notes", []), "", "```sh", *(row["command"] for row in validation["rows"]),
              "```"]
    found = validation.get("profile")
    if found and "error" not in found:
        lines += ["", f"Where the whole-graph validation spends its time ({found['samples']:,} samples, "
                  f"`{found['raw_file']}`):", "", "| function (inclusive) | share |", "|---|---:|"]
        lines += [f"| `{f}` | {share:.0%} |" for f, share in found["worker_inclusive"]]
    elif found:
        lines += ["", f"Profile: {found['error']}"]
    against_jena = results.get("shacl")
    if against_jena:
        from bench.shacl import markdown

        lines += ["", "Against Apache Jena's SHACL engine (`python -m bench shacl`, see bench/shacl.py):", "",
                  against_jena["todo"] if "todo" in against_jena else markdown(against_jena)]
    return lines


def _heavy(scale: dict, queries: list[str]) -> list[str]:
    """The queries costing at least 10 ms on the raw engine at one client."""
    return [q for q in queries if (_p(scale, "raw", q, "p50_ms") or 0) >= HEAVY_MS]


def _gaps(results: dict) -> list[str]:
    """What limits each missed target, with the figures that show it."""
    queries = list(results["queries"])
    lines = []
    parts, cheap_p50, peer_p50 = [], [], []
    for s, scale in results["scales"].items():
        if "rdflib-endpoint" not in scale["systems"]:
            continue
        heavy = _heavy(scale, queries)
        cheap = [q for q in queries if q not in heavy]
        ours = own(scale)
        g_heavy = geomean(list(ratios(scale, "rdflib-endpoint", 1, heavy, ours).values()))
        g_cheap = geomean(list(ratios(scale, "rdflib-endpoint", 1, cheap, ours).values()))
        parts.append(f"x{s}: {_n(g_heavy)}{TIMES} on the {len(heavy)} queries costing 10 ms or more "
                     f"in-process, {_n(g_cheap)}{TIMES} on the {len(cheap)} cheaper ones"
                     + ("" if ours == UNCACHED else f" ({NOT_UNCACHED})"))
        cheap_p50 += [p for p in (_p(scale, ours, q, "p50_ms") for q in cheap) if p]
        peer_p50 += [p for p in (_p(scale, "rdflib-endpoint", q, "p50_ms") for q in cheap) if p]
    if parts and cheap_p50 and peer_p50:
        peer = statistics.median(peer_p50)
        lines.append(
            "- **Throughput against rdflib-endpoint.** icskg, uncached, is far ahead where the engine does "
            "real work "
            "and about level where the web layer is the cost (1 client): " + "; ".join(parts) + ". Most of "
            "the mix (the competency questions above all) are lookups that both engines answer in well "
            "under a millisecond, so each server's own cost per request decides. rdflib-endpoint keeps the "
            "parsed form of every query text it has seen, so a repeated cheap query costs it "
            f"{_n(peer)} ms (median p50 over the cheaper queries); icskg's median is "
            f"{_n(statistics.median(cheap_p50))} ms (see below). A 20-fold lead on such queries "
            f"would need icskg to answer over HTTP in about {_n(peer / THROUGHPUT_TARGET)} ms. With a "
            "different text each request (no parsed-query cache) the lead is the one under Targets.")
    for s, scale in results["scales"].items():
        if not scale.get("bare") or "rdflib-endpoint" not in scale["systems"]:
            continue
        heavy = _heavy(scale, queries)
        cheap = [q for q in queries if q not in heavy]
        bare_p50 = [st["p50_ms"] for q in cheap
                    if (st := scale["bare"].get(q, {}).get("stats", {}).get("1")) and st.get("calls")]
        share = geomean([v for q in cheap
                         if (v := _ratio(_rate(scale, own(scale), q, 1), _bare_rate(scale, q, 1)))])
        lines.append(
            f"- **The stack's own limit (x{s}).** gunicorn and Flask answering stored bytes, with no engine "
            f"at all (the bare stack⁴), take {_n(statistics.median(bare_p50) if bare_p50 else None)} ms "
            f"(median p50) on the cheaper queries. Against rdflib-endpoint, that bare stack leads by "
            f"{_n(ceiling(scale, 1, cheap))}{TIMES} on them at one client and "
            f"{_n(ceiling(scale, 1, queries))}{TIMES} over the whole mix "
            f"({_n(ceiling(scale, 'fresh', queries))}{TIMES} against distinct texts): that is the most any "
            f"server on this stack could show here, short of the 20{TIMES} target. icskg reaches "
            f"{share:.0%} of the bare stack's throughput on the cheaper queries (geometric mean)."
            if share else "")
    first = results["scales"][min(results["scales"], key=int)]
    stages = first.get("breakdown", {})
    lookup = stages.get("iri-lookup")
    if lookup:
        http = _p(first, own(first), "iri-lookup", "p50_ms")
        lines.append(
            f"- **A cheap lookup's HTTP cost** (`iri-lookup`, x1): the engine takes {_n(lookup['engine'])} "
            f"ms; sending it to a query process and back, {_n(lookup['query_process'])} ms; the rest of the "
            f"Flask app about {_n(lookup['flask'] - lookup['query_process'])} ms (routing, the query checks, "
            "the ETag, headers; the test client's own overhead included); gunicorn, the socket, the access "
            f"log and the client about {_n(http - lookup['flask']) if http else NONE} ms. The profile above "
            "shows where the Flask and gunicorn parts go: no single function dominates; it is the sum of "
            "request parsing, routing, the query checks, the ETag, the response headers and the access log, "
            "each a few percent.")
    retired, other = [], []
    for s, scale in results["scales"].items():
        for q in _heavy(scale, queries):
            one, four = (_ratio(_rate(scale, own(scale), q, c), _rate(scale, "raw", q, c)) for c in (1, 4))
            if one and four and one >= HEAVY_SHARE > four:
                alone = _p(scale, "raw", q, "p50_ms") or 0
                (retired if alone >= SLOW_AFTER_MS else other).append(f"x{s} `{q}` {one:.0%} → {four:.0%}")
    if retired:
        lines.append(
            "- **Expensive queries at 4 clients** fall further behind the raw engine than at one: "
            + "; ".join(retired) + ". Each uses more than the executor's 0.25 s of CPU (`SLOW_AFTER`), so "
            "its query process is given a lower CPU priority to keep cheap queries responsive; at four "
            "clients four such processes share the server's one core with the web workers, where the "
            "raw engine's four threads share one process and one cache.")
    if other:
        lines.append("- Other queries that keep 80% of the raw engine's throughput at one client but not at "
                     "four: " + "; ".join(other) + ". On one core, four clients make four query processes "
                     "and two web workers share it with the bare stack's own costs; the raw engine's four "
                     "threads share one process and its caches.")
    validation = results.get("validation", {})
    found = validation.get("profile", {})
    prepared = next((share for f, share in found.get("worker_inclusive", [])
                     if f.startswith("prepared ")), None)
    if prepared:
        lines.append(
            f"- **Whole-graph validation**: {prepared:.0%} of its samples are in `validate.prepared`, which "
            "copies the whole graph and the ontology into a new rdflib graph once per regime (seven times); "
            "pySHACL itself much of the rest. Preparing the data once per distinct day, and sharing it "
            "between regimes checked on the same day, would remove most of that.")
    return lines or ["- Every target is met."]


def _findings(results: dict) -> list[str]:
    lines = []
    union = results["scales"].get("1", {}).get("union")
    if union and union["all"] != union["distinct"]:
        lines.append(
            "- **The union default graph counts a triple once per named graph that holds it.** At x1, "
            f"`SELECT (COUNT(*) AS ?n) {{ ?s ?p ?o }}` answers {union['all']:,} on icskg and the raw "
            f"engine, but there are {union['distinct']:,} distinct triples (what an RDF merge, and rdflib, "
            f"count): {union['all'] - union['distinct']} triples sit in more than one named graph and "
            "pyoxigraph 0.5 does not merge them (oxigraph issue #1919, fixed upstream after 0.5). So "
            "COUNT(*) and SUM over the default graph are inflated on icskg, and a solution can repeat. The "
            "mix counts with COUNT(DISTINCT ...) so that the comparison measures speed; the data could "
            "avoid the duplicates (each triple in one graph), or the engine be upgraded.")
    peers = {}
    for s, scale in results["scales"].items():
        for system in ("rdflib-endpoint", "rdflib"):
            for q, entry in scale["systems"].get(system, {}).items():
                if entry.get("differs") or "error" in entry:
                    peers.setdefault((s, q), []).append(system)
    if peers:
        cases = "; ".join(f"x{s} `{q}` ({', '.join(systems)})" for (s, q), systems in peers.items())
        lines.append(
            f"- **rdflib answers some questions differently, or not at all**: {cases}. Both rdflib systems "
            "run the same engine, and icskg and the raw engine agree on each (see the notes under each "
            "scale's tables), so these are rdflib's answers, not the way the bench asked. Such queries "
            "are left out of the speed ratios.")
    lines.append("- rdflib-endpoint answers DESCRIBE in RDF/XML whatever `Accept` asks for (labelled "
                 "`application/sparql-results+xml`); the bench reads it as RDF/XML to compare it.")
    return lines


def markdown(results: dict, plot: str) -> str:
    meta = results["meta"]
    scales = ", ".join(f"x{s}" for s in results["scales"])
    out = [
        "# Benchmarks",
        "",
        f"Written by `{meta['command']}` on {meta['date']} ({results['plan']} run, {scales}). Do not edit "
        "by hand: run it again (see [How to run](#how-to-run)). Raw figures: `bench/results.json`.",
        "",
        "Four systems answer the same queries over the same data: **icskg** over HTTP as README "
        "starts it; **rdflib-endpoint**, the Python endpoint people would pick instead; the **raw "
        "engine** (pyoxigraph in-process, no web layer: the limit); and **rdflib** in-process (the "
        "floor).",
        "",
        "icskg runs twice: as README starts it, with its answer cache on (**icskg, cached**: a repeated "
        "query is answered from memory), and with the cache off (**icskg uncached**, "
        "`ICSKG_ANSWER_CACHE_BYTES=0`: every request works its answer out). Every target that compares "
        "icskg's own work with another system is judged on the uncached figure, with the cached one "
        "beside it, labelled; so are the ratios in the tables under Results. icskg uncached runs every "
        "query at the scales where rdflib-endpoint runs (the geometric mean is over the whole mix) and, "
        "above them, the mix's own queries and those taking 10 ms or more on the raw engine: the other "
        "competency questions are sub-millisecond lookups that the smaller scales already show, and "
        "leaving them out keeps the full run about 6 minutes longer instead of 7.5 (estimated from the "
        "figures of the 2026-12-04 run, 48 minutes). A different text each request is timed on the "
        "cached server, where it never hits the cache.",
        "",
        "## Targets",
        "",
        *_targets(results),
        "",
        "³ rdflib and rdflib-endpoint hold the whole graph as Python objects: at x10 each needed about "
        "the memory and load time shown under [Server costs](#server-costs), and both grow linearly, so "
        "x100 would take about ten times as much on this 24 GiB machine shared with other work. They "
        "are run up to `--rdflib-max-scale` (10 in the full run).",
        "",
        "⁴ The **bare stack** (`bench/bare.py`) is gunicorn and Flask exactly as `icskg serve` runs them "
        "(gthread workers, the same workers and threads, access log on) answering each query with icskg's "
        "stored answer bytes: no engine, no checks, no headers of ours. No server built on that stack can "
        "answer faster, so its throughput over rdflib-endpoint's is the largest lead such a server could "
        "show on the same queries. It parses nothing, so its one-client rate also stands against "
        "rdflib-endpoint's distinct-text rate.",
        "",
        f"![How each cost grows with the data]({plot})",
        "",
        "## Data",
        "",
        "x1 is the real graph. xN is a deterministic synthetic copy (`bench/synth.py`): the graphs built "
        "from the source tables are written N times, copy k giving every entity they describe a fresh "
        "IRI ending `-ck` and keeping every literal, so lookups by code or label find N times as many "
        "things and the shape of the data stays the same. The ontology, policy and provenance graphs "
        "are written once.",
        "",
        *_data(results),
        "",
        "## Query mix",
        "",
        *_mix(results),
        "",
        "## Results",
        "",
        *[line for s in results["scales"] for line in (*_scale(results, s), "")],
        "## Server costs",
        "",
        *_costs(results),
        "",
        "## Caching: ETag and 304",
        "",
        *_etags(results),
        "",
        "## Validation",
        "",
        *_validation(results),
        "",
        "## Where the time goes",
        "",
        "A request to icskg goes: gunicorn accepts it on a gthread worker and logs it; Flask routes it; "
        "the ETag is computed from the dataset version; the query is checked (length, nesting, no "
        "SERVICE); a free query process is taken from the worker's pool and the query sent to it over a "
        "pipe; the child runs it on its read-only store and sends the answer back as TSV or N-Triples; "
        "the worker parses that and serialises the format asked for. Samples of the server while one "
        "client repeats a cheap and an expensive query:",
        "",
        *_breakdown(results),
        *_profile(results),
        "## Gaps and what limits them",
        "",
        *_gaps(results),
        "",
        "## Findings",
        "",
        *_findings(results),
        "",
        "## How it was measured",
        "",
        *_method(results),
        "",
        "## How to run",
        "",
        *_commands(results),
        "",
        "`python -m bench run --quick` runs the same suite on x1 and x2 with short windows in under two "
        "minutes (its report goes to `bench/.work/quick/report/`); `tests/test_bench_smoke.py` runs it "
        "so that the suite keeps working. Options: `--scales`, `--rdflib-max-scale`, `--queries`, "
        "`--no-pin`, `--out`.",
        "",
    ]
    return "\n".join(out)


def plot(results: dict, target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scales = sorted(results["scales"], key=int)
    quads = [results["load"][s]["quads"] for s in scales]
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))

    ax = axes[0][0]
    ax.plot(quads, [results["load"][s]["seconds"] for s in scales], "o-",
            label="serve --data: load to first 200")
    ax.plot(quads, [results["export"].get(s, {}).get("seconds", math.nan) for s in scales], "s-",
            label="export (N-Quads)")
    ax.plot(quads, [quads[0] and results["load"][scales[0]]["seconds"] * q / quads[0] for q in quads], ":",
            color="grey", label="linear from x1")
    ax.set(xscale="log", yscale="log", xlabel="quads", ylabel="seconds", title="One-off costs")
    ax.legend(fontsize=8)

    ax = axes[0][1]
    ax.plot(quads, [results["load"][s]["store_bytes"] / 1e6 for s in scales], "o-", label="store on disk")
    for key, label in (("rss_mb", "icskg server RSS (sum)"), ("pss_mb", "icskg server PSS (sum)")):
        ax.plot(quads, [results["scales"][s]["memory"].get("icskg", {}).get(key, math.nan) for s in scales],
                "s-", label=label)
    for system in ("rdflib-endpoint", "rdflib"):
        points = [(q, results["scales"][s]["memory"][system]["rss_mb"])
                  for q, s in zip(quads, scales, strict=True) if system in results["scales"][s]["memory"]]
        if points:
            ax.plot(*zip(*points, strict=True), "^--", label=f"{system} RSS")
    ax.set(xscale="log", yscale="log", xlabel="quads", ylabel="MB", title="Memory and disk")
    ax.legend(fontsize=8)

    ax = axes[1][0]
    mix = [q for q in results["queries"] if not q.startswith("cq:")]
    for i, q in enumerate(mix):
        for system, style in (("ours", "o-"), ("raw", "x:")):
            points = [(qd, _p(results["scales"][s], own(results["scales"][s]) if system == "ours" else system,
                              q, "p50_ms"))
                      for qd, s in zip(quads, scales, strict=True)]
            points = [(x, y) for x, y in points if y]
            if points:
                ax.plot(*zip(*points, strict=True), style, color=f"C{i % 10}",
                        label=q if system == "ours" else None)
    ax.set(xscale="log", yscale="log", xlabel="quads", ylabel="p50 ms, one client",
           title="Latency: icskg uncached over HTTP (solid), raw engine (dotted)")
    ax.legend(fontsize=7, ncol=2)

    ax = axes[1][1]
    names = list(results["queries"])
    for versus, c, style, label in (("rdflib-endpoint", 1, "o-", "÷ rdflib-endpoint, 1 client"),
                                    ("rdflib-endpoint", 4, "s-", "÷ rdflib-endpoint, 4 clients"),
                                    ("rdflib-endpoint", "fresh", "^-", "÷ rdflib-endpoint, distinct texts"),
                                    ("raw", 1, "o--", "÷ raw engine, 1 client"),
                                    ("raw", 4, "s--", "÷ raw engine, 4 clients")):
        points = [(qd, geomean(list(ratios(results["scales"][s], versus, c, names,
                                           "icskg" if c == "fresh" else own(results["scales"][s])).values())))
                  for qd, s in zip(quads, scales, strict=True) if versus in results["scales"][s]["systems"]]
        points = [(x, y) for x, y in points if y]
        if points:
            ax.plot(*zip(*points, strict=True), style, label=label)
    ax.axhline(THROUGHPUT_TARGET, color="grey", linestyle=":", label="target ÷ rdflib-endpoint (20)")
    ax.axhline(1, color="black", linewidth=0.5)
    ax.set(xscale="log", yscale="log", xlabel="quads",
           ylabel="icskg uncached throughput ÷ other, geometric mean",
           title="icskg's throughput as a multiple of the others'")
    ax.legend(fontsize=7)

    fig.suptitle(f"icskg benchmarks, {results['meta']['date']} ({results['plan']} run)", fontsize=11)
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=90)
    plt.close(fig)


def write(results: dict, markdown_path: Path, plot_path: Path) -> None:
    plot(results, plot_path)
    relative = os.path.relpath(plot_path, markdown_path.parent)
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    text = markdown(results, relative)
    kept = kept_sections(markdown_path)
    if kept:  # sections other commands write (python -m bench oxigraph), before the method
        text = text.replace("\n## How it was measured", "\n" + kept + "\n## How it was measured", 1)
    markdown_path.write_text(text, encoding="utf-8")


KEPT = re.compile(r"<!-- kept: (\S+) -->.*?<!-- /kept: \1 -->\n?", re.S)


def kept_sections(path: Path) -> str:
    """The sections of ``path`` another bench command wrote and a full run keeps."""
    if not path.exists():
        return ""
    return "".join(m.group(0) for m in KEPT.finditer(path.read_text(encoding="utf-8")))
