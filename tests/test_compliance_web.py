"""``/compliance`` over HTTP: worked out by ``icskg build``, never on a first visit; days only inside
the data's range, computed in the background once, one computation at a time, bounded on disk; the
page and its CSV and JSON."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from icskg.cli import main
from icskg.config import load_settings
from icskg.store import EmbeddedStore
from icskg.validation import compliance_cache
from icskg.web import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A data directory made by ``icskg build``, as an operator makes one."""
    data_dir = tmp_path_factory.mktemp("compliance-var")
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), "build"])
    assert result.exit_code == 0, result.output
    assert "Compliance picture as of" in result.output
    return data_dir


def client_for(data_dir: Path, **settings):
    app = create_app(load_settings({"data_dir": data_dir, **settings}, environ={}), EmbeddedStore(data_dir))
    return app.test_client()


@pytest.fixture(scope="module")
def client(built):
    return client_for(built)


def matrix_files(data_dir: Path) -> dict[str, bytes]:
    """The files and what they hold (a read marks a file used by its modification time)."""
    return {p.name: p.read_bytes() for p in (data_dir / "compliance").iterdir()}


def test_the_first_visit_is_answered_from_the_file_the_build_wrote(built, client):
    before = matrix_files(built)
    assert any(name.endswith(f"{date.today().isoformat()}.json") for name in before)
    response = client.get("/compliance")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "worked out when the store was built" in html
    assert html.count('<th scope="row">') == 42
    # Nothing was computed: no file was written, and no computation took the lock.
    assert matrix_files(built) == before
    assert "compute.lock" not in before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2022-06-30"])
def test_a_day_outside_the_datas_range_is_refused_with_the_range(client, built, day):
    before = matrix_files(built)
    response = client.get(f"/compliance?as_of={day}")
    assert response.status_code == 400
    message = response.get_data(as_text=True)
    assert f"as_of={day} is outside the data's range" in message
    assert "2022-07-01" in message  # the first ICBs' establishment, from the data
    assert matrix_files(built) == before


def test_a_day_that_is_not_a_date_is_refused(client):
    response = client.get("/compliance.csv?as_of=soon")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)


def test_findings_are_grouped_and_every_link_stays_on_this_server(client):
    html = client.get("/compliance").get_data(as_text=True)
    rule_heads = re.findall(r'<span class="sev sev-(\w+)">\w+</span>\s*<code class="rule-id">([^<]+)</code>',
                            html)
    assert rule_heads and len(rule_heads) == len(set(rule_heads))  # one group per rule (and severity)
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert not [h for h in hrefs if "w3id.org" in h]
    assert '<a href="/id/org/QYG">Cheshire and Merseyside</a>' in html
    assert 'href="/id/doc/ics-boundaries-decision-2021"' in html  # a provision on this server
    assert re.search(r"System and areas\s+42 of 42 ICBs \([\d,]+ facts\)", html)
    assert re.search(r"governance:\s+[\d,]+ facts about \d+ of 42 ICBs,\s+from \d+ dated public pages", html)
    assert "verdict" in html and "published record" in html


def test_families_without_data_are_folded_and_the_others_state_their_coverage(client):
    data = client.get("/compliance.json").get_json()
    html = client.get("/compliance").get_data(as_text=True)
    columns = re.findall(r'<th scope="col" class="family" title="([^:"]+):', html)
    for family, label in data["families"]:
        covered = data["coverage"][family]["icbs"]
        if covered:
            assert label in columns
            assert f"{label}\n{covered} of 42 ICBs" in html
        else:
            assert label not in columns
            assert f"{label}: 0 of 42 ICBs have published data in the graph" in html


def test_violations_come_only_from_what_the_published_governance_record_shows(client):
    """The reference areas give Warnings (split councils); Violations need a published record."""
    data = client.get("/compliance.json").get_json()
    outcomes = {(family, cell["outcome"]) for row in data["rows"] for family, cell in row["cells"].items()}
    assert ("family-system", "Warning") in outcomes
    assert {family for family, outcome in outcomes if outcome == "Violation"} <= {
        "family-board", "family-constitution", "family-committees", "family-partnership"}


def test_csv_and_json_downloads_hold_the_same_findings(client):
    data = client.get("/compliance.json")
    assert data.status_code == 200
    assert "attachment" in data.headers["Content-Disposition"]
    matrix = json.loads(data.get_data(as_text=True))
    assert len(matrix["rows"]) == 42
    table = client.get("/compliance.csv")
    assert table.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True))))
    assert {r["icb"] for r in rows} == {r["icb"] for r in matrix["rows"]}
    findings = sum(len(c["findings"]) for r in matrix["rows"] for c in r["cells"].values()
                   if c["outcome"] != "nodata")
    assert sum(1 for r in rows if r["rule"]) == findings
    assert {r["outcome"] for r in rows} <= {"Violation", "Warning", "Info", "ok", "nodata"}


def test_another_day_waits_for_no_one_while_a_computation_runs(built, client):
    """The lock of a running computation makes a second day's request a 503, at once."""
    folder = built / "compliance"
    with (folder / "compute.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        response = client.get("/compliance?as_of=2024-01-01")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "being computed" in response.get_data(as_text=True)


def test_a_day_is_computed_under_a_memory_limit(built):
    small = client_for(built, query_memory_mb=200)
    started = small.get("/compliance?as_of=2023-01-02")
    assert started.status_code == 503 and started.headers["Retry-After"]
    assert started.headers["Refresh"] == started.headers["Retry-After"], "a browser reloads by itself"
    compliance_cache.wait_for_computations()
    response = small.get("/compliance?as_of=2023-01-02")
    assert response.status_code == 503
    assert "200 MB of memory" in response.get_data(as_text=True)


def test_the_same_day_asked_twice_is_computed_once_and_no_request_waits_for_it(built, client):
    """The request that starts a day's computation is answered at once (503, come back soon), as is
    a second request for the same day meanwhile; a worker computes it once, and then it is served."""
    folder = built / "compliance"
    name = next(folder.glob("*-range.json")).name.replace("range", "2023-06-01")
    first = client.get("/compliance?as_of=2023-06-01")
    second = client.get("/compliance?as_of=2023-06-01")
    for response in (first, second):
        assert response.status_code == 503, response.get_data(as_text=True)
        assert "being computed" in response.get_data(as_text=True) and response.headers["Retry-After"]
    compliance_cache.wait_for_computations()
    assert client.get("/compliance?as_of=2023-06-01").status_code == 200
    assert client.get("/compliance.json?as_of=2023-06-01").get_json()["computed"] == "request"
    assert compliance_cache.computations[name] == 1


def test_other_days_are_computed_once_and_kept_within_the_bound(built, client):
    folder = built / "compliance"
    fingerprint = next(folder.glob("*-range.json")).name.removesuffix("-range.json")
    # Days asked for earlier, as if by other visitors (the oldest first).
    for i in range(compliance_cache.MAX_DAYS + 3):
        earlier = folder / f"{fingerprint}-{date(2023, 1, 1) + timedelta(days=i)}.json"
        earlier.write_text("{}")
        os.utime(earlier, (1_700_000_000 + i, 1_700_000_000 + i))
    default = next(p for p in folder.glob(f"{fingerprint}-20*.json")
                   if json.loads(p.read_text()).get("computed") == "build")
    assert client.get("/compliance?as_of=2024-01-01").status_code == 503  # computed meanwhile
    compliance_cache.wait_for_computations()
    response = client.get("/compliance?as_of=2024-01-01")
    assert response.status_code == 200
    assert "as of <strong>2024-01-01</strong>" in response.get_data(as_text=True)
    days = [p for p in folder.glob(f"{fingerprint}-*.json") if not p.name.endswith("-range.json")]
    assert len(days) == compliance_cache.MAX_DAYS + 1  # the bound, plus the build's default day
    assert default in days and folder / f"{fingerprint}-2024-01-01.json" in days
    assert folder / f"{fingerprint}-2023-01-01.json" not in days  # the oldest went first
    again = matrix_files(built)
    assert client.get("/compliance?as_of=2024-01-01").status_code == 200
    assert matrix_files(built) == again  # the second visit read the file
