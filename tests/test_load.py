"""A short bounded load test against the real server: while expensive queries run into their
time limit, cheap queries all succeed and nothing but the intended 503 appears."""

from __future__ import annotations

import pytest
from bench.load import run

pytestmark = [pytest.mark.slow, pytest.mark.server]


def test_mixed_load_has_no_errors(live_server):
    outcome = run(live_server, clients=6, seconds=6, timeout_s=1.0)
    summary = outcome.summary()
    assert outcome.errors == [], summary
    assert summary["cheap_requests"] > 20, summary
    assert summary["statuses"].get("expensive 503", 0) > 0, summary
