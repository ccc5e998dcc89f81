"""The targets of the full bench report (``python -m bench run``) that compare icskg's own work
with another system are judged on icskg with its answer cache off, with the cached figure shown
beside it, so that answers repeated from memory never pass for the server's work. Figures are
invented here; the real ones come from the bench."""

from __future__ import annotations

import pytest
from bench import report


def _entry(per_second: float, p50_ms: float) -> dict:
    stats = {"per_second": per_second, "p50_ms": p50_ms, "calls": 100, "errors": 0}
    return {"rows": 1, "stats": {"1": stats, "4": stats}}


@pytest.fixture
def results() -> dict:
    """x1: a cheap lookup and a heavy query; cached icskg repeats both from memory."""
    systems = {
        "raw": {"iri-lookup": _entry(10000.0, 0.08), "join-4": _entry(50.0, 20.0)},
        "icskg": {"iri-lookup": _entry(9000.0, 0.1), "join-4": _entry(9000.0, 0.1)},
        "icskg uncached": {"iri-lookup": _entry(2500.0, 0.4), "join-4": _entry(45.0, 22.0)},
        "rdflib-endpoint": {"iri-lookup": _entry(500.0, 2.0), "join-4": _entry(1.0, 900.0)},
    }
    return {
        "queries": {"iri-lookup": {"cheap": True}, "join-4": {"cheap": False}},
        "scales": {"1": {"systems": systems, "memory": {"icskg": {"rss_mb": 100.0, "processes": 5}}}},
        "build": {"seconds": 8.0},
        "load": {"1": {"seconds": 1.0, "quads": 1000, "store_bytes": 10**6}},
        "validation": {},
    }


def _row(results: dict, starts: str) -> tuple[str, str]:
    """The measured cell and the verdict of the row whose target starts with ``starts``."""
    for line in report._targets(results)[2:]:
        if line.startswith(f"| {starts}"):
            _, measured, met = line.strip("| ").rsplit(" | ", 2)
            return measured, met
    raise AssertionError(f"no target row starting {starts!r}")


def test_a_heavy_query_is_judged_uncached_with_the_cached_figure_beside(results):
    measured, met = _row(results, "Queries ≥ 10 ms")
    assert measured == "x1 join-4: 90% / 90% (cached 18,000% / 18,000%)"
    assert met == "**yes**"
    results["scales"]["1"]["systems"]["icskg uncached"]["join-4"]["stats"]["4"] = {
        "per_second": 30.0, "p50_ms": 30.0, "calls": 100, "errors": 0}
    assert _row(results, "Queries ≥ 10 ms")[1] == "**no**"  # the cached 18,000% does not carry it


def test_the_cheap_lookup_and_the_geometric_mean_are_uncached_too(results):
    measured, met = _row(results, "Cheap lookup: p50")
    assert measured.startswith("x1 iri-lookup: 0.400 vs 0.080 ms (+0.320; cached 0.100)") and met == "**yes**"
    measured, _ = _row(results, "HTTP throughput, geometric mean")
    # uncached: (2500/500 * 45/1) ** 0.5 = 15; cached: (9000/500 * 9000/1) ** 0.5 = 402
    times = report.TIMES
    assert measured.startswith(f"x1: 15.0{times} (1 client), 15.0{times} (4 clients) "
                               f"(cached 402{times} / 402{times})")


def test_a_run_without_uncached_figures_says_its_figures_are_cached(results):
    del results["scales"]["1"]["systems"]["icskg uncached"]
    for row in ("Queries ≥ 10 ms", "Cheap lookup: p50", "HTTP throughput, geometric mean"):
        measured, met = _row(results, row)
        assert "cached: this run did not measure icskg uncached" in measured, row
        assert met == "not measured (cached figures only)", row  # cached figures judge nothing


def test_an_uncached_answer_that_differs_is_icskgs_and_fails_the_agreement_row(results):
    results["scales"]["1"]["systems"]["icskg uncached"]["join-4"]["differs"] = "2 rows missing"
    measured, met = _row(results, "Answers agree")
    assert measured.startswith("icskg differs: x1 join-4 (icskg uncached (HTTP))") and met == "**no**"
