"""The board's companion CSV templates (register of interests, meetings, plans and reports): each
documented example validates, the rows become the records vocabulary, and a board checked together
with its records is one graph, where a breach that spans two files is found."""

from __future__ import annotations

import csv
import io
import re

import pytest
from click.testing import CliRunner
from rdflib import Literal
from rdflib.namespace import ORG, RDF

from icskg import resources
from icskg.cli import main
from icskg.namespaces import ICS, INTEREST_KIND
from icskg.validation import records_csv, validate
from icskg.validation.inputs import Input, InputError, load
from tests.test_validate_inputs import upload

EXAMPLES = resources.EXAMPLES_DIR
BOARD = EXAMPLES / "icb-board.csv"
RECORDS = [EXAMPLES / "icb-interests.csv", EXAMPLES / "icb-meetings.csv", EXAMPLES / "icb-plans.csv"]
REGIMES = ["hca2022", "guidance", "data-quality"]
DAY = "2024-01-01"


def edited(path, change) -> bytes:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows = [r for r in (change(dict(r)) for r in rows) if r is not None]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("path", RECORDS, ids=[p.name for p in RECORDS])
def test_each_documented_example_validates(path):
    report = validate(path, REGIMES, DAY)
    assert report.counts()["Violation"] == 0, [(f.rule, f.message) for f in report.findings]
    assert report.triples > 20


def test_a_board_and_its_records_checked_together_conform():
    report = validate([BOARD, *RECORDS], REGIMES, DAY)
    assert report.counts()["Violation"] == 0 and report.counts()["Warning"] == 0
    alone = validate(EXAMPLES / "icb-meetings.csv", REGIMES, DAY)
    # the meetings file alone knows no chair of the audit committee; with the board it does
    assert "ICB-COMMITTEE-CHAIRS" in {f.rule for f in alone.findings}


def test_rows_become_the_records_vocabulary():
    graph = load([Input(p.read_bytes(), p.name) for p in [BOARD, *RECORDS]])
    declarations = set(graph.subjects(RDF.type, ICS.Declaration))
    assert len(declarations) == 11
    assert len({d for d in declarations if graph.value(d, ICS.interestKind) == INTEREST_KIND["nil"]}) == 4
    register = next(graph.objects(None, ICS.hasRegisterOfInterests))
    assert len(set(graph.objects(register, ICS.covers))) == 3
    assert str(graph.value(register, ICS.publishedAt)).startswith("https://")
    # each declaration is by a board member: the same person, joined by the id column
    members = set(graph.objects(None, ORG.member))
    assert {graph.value(d, ICS.declaredBy) for d in declarations} <= members
    meetings = set(graph.subjects(RDF.type, ICS.Meeting))
    assert len(meetings) == 3
    private = [m for m in meetings if graph.value(m, ICS.heldInPublic) == Literal(False)]
    assert len(private) == 1 and str(graph.value(graph.value(private[0], ICS.meetingOf), ICS.committeeKind)
                                     ).endswith("/audit")
    excluded = [m for m in meetings if graph.value(m, ICS.publicExcludedBy) is not None]
    assert len(excluded) == 1
    plan = next(graph.subjects(RDF.type, ICS.JointForwardPlan))
    assert graph.value(plan, ICS.horizonYears) == Literal(5)
    assert str(graph.value(plan, ICS.financialYear)) == "2023/24"
    assert len(set(graph.objects(plan, ICS.preparedBy))) == 3
    assert len(set(graph.objects(plan, ICS.covers))) == 6


def test_a_breach_across_two_files_is_found():
    """A board member with no declaration: found only when the board and the register meet."""
    register = edited(RECORDS[0], lambda r: None if r["name"] == "Jordan Sample" else r)
    icb = b"<urn:icskg:local:icb> a <https://w3id.org/icskg/def/IntegratedCareBoard> .\n"
    inputs = [Input(BOARD.read_bytes(), "board.csv"), Input(register, "interests.csv"), Input(icb, "icb.ttl")]
    found = [f for f in validate(inputs, "hca2022", DAY).findings
             if f.rule == "ICB-REGISTER-OF-INTERESTS"]
    assert [f.focus_label for f in found] == ["Jordan Sample: Partner member for local authorities"]
    assert "Jordan Sample has no declaration" in found[0].message
    complete = [Input(BOARD.read_bytes(), "board.csv"), Input(RECORDS[0].read_bytes(), "interests.csv"),
                Input(icb, "icb.ttl")]
    assert not [f for f in validate(complete, "hca2022", DAY).findings
                if f.rule == "ICB-REGISTER-OF-INTERESTS"]


@pytest.mark.parametrize(("path", "change", "message"), [
    (RECORDS[0], lambda r: dict(r, **{"interest kind": "gift"}) if r["id"] == "NV-0004" else r,
     "interests.csv row 5: unknown interest kind 'gift'; use one of: financial, indirect, nil"),
    (RECORDS[0], lambda r: dict(r, **{"recorded on": "soon"}) if r["id"] == "NV-0002" else r,
     "row 3 recorded on: 'soon' is not a date"),
    (RECORDS[1], lambda r: dict(r, **{"held in public": "partly"}) if r["date"] == "2023-10-10" else r,
     "meetings.csv row 4: held in public is 'partly'; write yes or no"),
    (RECORDS[1], lambda r: dict(r, papers="board papers folder") if r["date"] == "2023-09-12" else r,
     "row 2 papers: 'board papers folder' is not a web address"),
    (RECORDS[2], lambda r: dict(r, kind="Business plan") if r["kind"] == "Annual Report" else r,
     "plans.csv row 4: unknown kind 'Business plan'; use one of: annual accounts, annual report"),
])
def test_errors_name_the_row_and_what_to_fix(path, change, message):
    name = path.name.removeprefix("icb-")
    with pytest.raises(InputError, match=re.escape(message)):
        load([Input(edited(path, change), name)])


def test_a_csv_that_matches_no_template_lists_them():
    with pytest.raises(InputError, match=r"matches none of the CSV templates.*register of interests: name, "
                                         r"interest kind, recorded on"):
        load([Input(b"who,what\nA,B\n", "notes.csv")])


def test_the_cli_and_the_web_take_the_four_files_together(client):
    result = CliRunner().invoke(main, ["validate", str(BOARD), *map(str, RECORDS), "-r", "hca2022",
                                       "-r", "guidance", "--as-of", DAY])
    assert result.exit_code == 0, result.output
    assert "0 Violations, 0 Warnings" in result.output
    response = upload(client, f"/validate?regime=hca2022&regime=guidance&as_of={DAY}",
                      *((p.name, p.read_bytes()) for p in [BOARD, *RECORDS]))
    body = response.get_json()
    assert response.status_code == 200 and body["summary"]["Violation"] == 0
    assert body["triples"] == validate([BOARD, *RECORDS], "hca2022", DAY).triples
    pasted = client.post("/validate", data={"data": RECORDS[1].read_text(encoding="utf-8"),
                                            "regime": "guidance", "as_of": DAY})
    assert pasted.status_code == 200 and pasted.get_json()["triples"] > 20  # recognised as the meetings CSV


def test_templates_are_documented_with_their_columns():
    docs = (resources.PROJECT_DIR / "docs" / "validation.md").read_text(encoding="utf-8")
    for _, required, _reader in records_csv.READERS:
        assert ", ".join(required) in docs
    for path in RECORDS:
        assert f"data/examples/{path.name}" in docs
