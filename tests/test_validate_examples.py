"""The example datasets in data/examples/, each checked against the regimes it was written for and
the ones it was not, with the outcome each should have (the comments at the top of each file)."""

from __future__ import annotations

import pytest

from icskg import resources
from icskg.validation import validate

EXAMPLES = resources.EXAMPLES_DIR
BREACHES_HCA2022 = {
    "ICB-CEO-APPOINTMENT", "ICB-CEO-EMPLOYEE", "ICB-PM-LOCAL-AUTHORITY",
    "ICB-BOARD-MENTAL-HEALTH-EXPERTISE", "ICB-STATUTORY-COMMITTEES", "ICB-CONST-VARIATION-APPROVED",
    "ICB-CHAIR-APPOINTMENT-REMOVAL", "ICP-MEMBER-FROM-EACH-LA",
}
OUTCOMES = [
    # file, regime, day checked, (rule, severity) pairs expected
    ("icb-complete.ttl", "hca2022", "2024-01-01", set()),
    ("icb-complete.ttl", "guidance", "2024-01-01", set()),
    ("icb-complete.ttl", "data-quality", None, set()),
    ("icb-breaches.ttl", "hca2022", "2024-01-01", {(rule, "Violation") for rule in BREACHES_HCA2022}),
    ("icb-breaches.ttl", "guidance", "2024-01-01",
     {("ICB-BOARD-MIN10", "Warning"), ("ICB-DEPUTY-CHAIR-SENIOR-NEM", "Warning")}),
    ("icb-breaches.ttl", "data-quality", None, {("DQ-LABEL", "Violation")}),
    ("ics-option1.ttl", "opt1", "2021-06-01", set()),
    ("ics-option1.ttl", "opt2", "2021-06-01", {("OPT2-STATUTORY-NHS-BODY", "Violation")}),
    ("ics-option2.ttl", "opt2", "2021-06-01", set()),
    ("ics-option2.ttl", "opt1", "2021-06-01", {("OPT1-STATUTORY-JOINT-COMMITTEE", "Violation")}),
]


@pytest.mark.parametrize(("name", "regime", "day", "expected"), OUTCOMES,
                         ids=[f"{o[0]}-{o[1]}" for o in OUTCOMES])
def test_example_has_its_expected_outcome(name, regime, day, expected):
    report = validate(EXAMPLES / name, regime, day)
    assert {(f.rule, f.severity) for f in report.findings} == expected
    assert report.conforms == (not any(severity == "Violation" for _, severity in expected))


def test_each_breach_is_reported_once_with_its_provision():
    report = validate(EXAMPLES / "icb-breaches.ttl", "hca2022", "2024-01-01")
    assert sorted(f.rule for f in report.findings) == sorted(BREACHES_HCA2022)
    for finding in report.findings:
        assert finding.citations and finding.citation_text and finding.message
    ceo = next(f for f in report.findings if f.rule == "ICB-CEO-APPOINTMENT")
    assert ceo.focus_label == "Blake Sample: Chief executive"
    assert "NHS England" in ceo.message  # the IRI in the message is replaced by its name
    assert ceo.citations[0].url == "https://www.legislation.gov.uk/ukpga/2006/41/schedule/1B/paragraph/7"


def test_the_complete_board_breaks_the_rules_on_a_day_when_it_was_not_yet_full():
    """On 2022-12-01 the partner members (from 2023-04-01) had not yet joined."""
    report = validate(EXAMPLES / "icb-complete.ttl", "hca2022", "2022-12-01")
    rules = {f.rule for f in report.findings}
    assert {"ICB-PM-TRUST", "ICB-PM-PRIMARY-CARE", "ICB-PM-LOCAL-AUTHORITY",
            "ICB-BOARD-MENTAL-HEALTH-EXPERTISE"} <= rules
    assert "ICB-BOARD-CHAIR" not in rules  # the first chair was in post


def test_option_scenarios_differ_exactly_where_the_options_differ():
    one = validate(EXAMPLES / "ics-option1.ttl", ["opt1", "opt2"], "2021-06-01")
    two = validate(EXAMPLES / "ics-option2.ttl", ["opt1", "opt2"], "2021-06-01")
    assert {f.regime for f in one.findings} == {"opt2"}
    assert {f.regime for f in two.findings} == {"opt1"}
    assert {f.message for f in two.findings} == {
        "Under Option 1 exactly one CCG is aligned to each system.",
        "Under Option 1 the system has exactly one statutory joint committee "
        "(a member typed ics:JointCommittee).",
    }
