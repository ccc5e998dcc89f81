"""The board CSV template: what a governance team fills in from its web page, read into the
governance vocabulary and checked like any RDF, with errors that name the row and column."""

from __future__ import annotations

import csv
import io

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import FOAF, ORG, RDF

from icskg import resources
from icskg.namespaces import ICS, MEMBERSHIP, ORG_ID, PERSON, ROLE
from icskg.validation import board_csv, validate
from icskg.validation.inputs import Input, InputError
from icskg.validation.render import render

TEMPLATE = resources.EXAMPLES_DIR / "icb-board.csv"
DAY = "2024-01-01"


def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(TEMPLATE.read_text(encoding="utf-8"))))


def as_csv(table: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]))
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue().encode("utf-8")


def check(table, regime="hca2022"):
    return validate(Input(as_csv(table), "board.csv"), regime, DAY)


def test_the_documented_template_conforms():
    report = validate(TEMPLATE, ["hca2022", "guidance", "data-quality"], DAY)
    assert report.findings == []
    assert report.triples > 100


def seat_of(graph, name: str):
    """The board seat of the person named ``name`` (found through the data, not the IRI)."""
    person = next(graph.subjects(FOAF.name, Literal(name)))
    return next(s for s in graph.subjects(ORG.member, person) if (s, RDF.type, ICS.BoardMembership) in graph)


def test_rows_become_seats_with_roles_dates_and_appointers():
    graph = board_csv.read(TEMPLATE.read_bytes(), "icb-board.csv")
    seats = set(graph.subjects(RDF.type, ICS.BoardMembership))
    assert len(seats) == 11
    frankie = seat_of(graph, "Frankie Sample")
    assert set(graph.objects(frankie, ORG.role)) == {
        ROLE["non-executive-member"], ROLE["deputy-chair"], ROLE["senior-non-executive-member"]}
    assert str(graph.value(frankie, ICS.startDate)) == "2022-07-01"  # written 01/07/2022
    assert str(graph.value(frankie, ICS.fitAndProperTestPassedOn)) == "2022-06-20"
    assert ROLE["digital-lead"] in set(graph.objects(seat_of(graph, "Ellis Sample"), ORG.role))
    ceo = seat_of(graph, "Blake Sample")
    appointer = graph.value(ceo, ICS.appointedBy)
    assert str(graph.value(appointer, FOAF.name)) == "Kai Sample"
    assert graph.value(ceo, ICS.approvedBy) == ORG_ID["X24"]
    harper = seat_of(graph, "Harper Sample")
    constituency = graph.value(harper, ICS.nominatedBy)
    assert graph.value(constituency, ICS.nominatesToRole) == ROLE["partner-member-trusts"]


def test_committee_chairs_become_committees_and_their_chairs():
    graph = board_csv.read(TEMPLATE.read_bytes(), "icb-board.csv")
    chairs = {}
    for chair in graph.subjects(RDF.type, ICS.CommitteeMembership):
        committee = graph.value(chair, ORG.organization)
        assert (None, ICS.hasCommittee, committee) in graph
        assert graph.value(chair, ORG.role) == ROLE["committee-chair"]
        chairs[str(graph.value(committee, ICS.committeeKind)).rsplit("/", 1)[-1]] = str(
            graph.value(graph.value(chair, ORG.member), FOAF.name))
    assert chairs == {"audit": "Gray Sample", "remuneration": "Frankie Sample"}


def test_people_are_named_by_their_id_or_their_seat_never_by_their_name():
    table = [dict(row, icb="QYG") for row in rows()]
    graph = board_csv.read(as_csv(table), "board.csv")
    assert (ORG_ID["QYG"], ICS.hasBoard, URIRef(ORG_ID["QYG"] + "/board")) in graph
    avery = PERSON["QYG/nv-0002"]
    assert (avery, FOAF.name, Literal("Avery Sample")) in graph
    assert (MEMBERSHIP["board/QYG/nv-0002/chair/2023-04-01"], ORG.member, avery) in graph
    # without ids: a hash of the board and the seat, the same however the names are spelt
    anonymous = [dict(row, id="") for row in table]
    renamed = [dict(row, name=row["name"].upper()) for row in anonymous]
    for table_ in (anonymous, renamed):
        iris = {str(p) for p in board_csv.read(as_csv(table_), "board.csv").subjects(RDF.type, FOAF.Person)}
        assert len(iris) == 11
        assert not any("sample" in iri.lower() for iri in iris)
        if table_ is anonymous:
            first = iris
    assert iris == first
    # two non-executives starting the same day in the same role are still two people
    twins = [*anonymous, dict(anonymous[7], name="Gray Twin")]
    assert len(set(board_csv.read(as_csv(twins), "board.csv").subjects(RDF.type, FOAF.Person))) == 12
    # one id on two rows is one person, whatever the name
    again = [*table, dict(table[0], name="K. Sample", start="2023-04-02", end="")]
    people = set(board_csv.read(as_csv(again), "board.csv").subjects(RDF.type, FOAF.Person))
    assert len(people) == 11


def test_breaches_in_the_csv_are_found_like_breaches_in_rdf():
    """The Southmere breaches of icb-breaches.ttl, written as a CSV, give the same board findings."""
    table = [row for row in rows() if row["name"] != "Jordan Sample"]  # no local authority partner
    for row in table:
        if row["name"] == "Blake Sample":
            row.update({"appointed by": "NHS England", "employed by": ""})
        if row["name"] == "Avery Sample":
            row["approved by"] = ""
        if row["name"] == "Harper Sample":
            row["expertise"] = ""
    from_csv = {(f.rule, f.severity, f.focus_label) for f in check(table).findings}
    from_rdf = {(f.rule, f.severity, f.focus_label)
                for f in validate(resources.EXAMPLES_DIR / "icb-breaches.ttl", "hca2022", DAY).findings
                if f.family.endswith("family-board")}
    rename = {"Board described in board.csv": "Board of NHS Southmere Integrated Care Board"}
    assert {(rule, severity, rename.get(where, where)) for rule, severity, where in from_csv} == from_rdf


def test_an_ended_seat_is_not_counted():
    table = [dict(row) for row in rows()]
    for row in table:
        if row["name"] == "Avery Sample":
            row["end"] = "2023-12-31"
    assert {f.rule for f in check(table).findings} >= {"ICB-BOARD-CHAIR"}


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: [{k: v for k, v in r.items() if k != "appointed by"} for r in t], "needs the column"),
    (lambda t: [dict(r, role="Grand vizier") if r["name"] == "Casey Sample" else r for r in t],
     "row 5: unknown role 'Grand vizier'"),
    (lambda t: [dict(r, start="31/02/2023") if r["name"] == "Indy Sample" else r for r in t],
     "row 11 start: '31/02/2023' is not a date"),
    (lambda t: [dict(r, icb="QYG" if i else "QWO") for i, r in enumerate(t)], "more than one ICB"),
    (lambda t: [dict(r, expertise="astrology") if r["name"] == "Gray Sample" else r for r in t],
     "unknown expertise 'astrology'"),
])
def test_errors_name_the_row_and_what_to_fix(change, message):
    with pytest.raises(InputError, match=message):
        check(change(rows()))


def test_empty_and_spreadsheet_encodings():
    with pytest.raises(InputError, match="no rows"):
        board_csv.read(board_csv.TEMPLATE_HEADER.encode() + b"\n", "empty.csv")
    text = TEMPLATE.read_text(encoding="utf-8").replace("Avery Sample", "Avery Sämple")
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-16"),
                 b"\xfe\xff" + text.encode("utf-16-be")):
        graph = board_csv.read(data, "excel.csv")
        assert any(str(o) == "Avery Sämple" for o in graph.objects(None, URIRef("http://xmlns.com/foaf/0.1/name")))
    line = 1 + next(n for n, row in enumerate(text.splitlines()) if "Sämple" in row)
    # anything else is named, never guessed (a wrong guess reads every column as missing)
    with pytest.raises(InputError, match=f"not UTF-8 text: byte 0xE4 on line {line}.*Windows-1252"):
        board_csv.read(text.encode("cp1252"), "excel.csv")
    with pytest.raises(InputError, match="UTF-16 without a byte-order mark"):
        board_csv.read(text.encode("utf-16-le"), "excel.csv")


def test_csv_report_neutralises_formulas():
    evil = dict(rows()[1], name='=HYPERLINK("http://evil.example/","x")', start="2023-05-01", id="")
    evil["appointed by"] = "ICB"
    report = check([*rows(), evil])  # a second chair, not appointed by NHS England
    cells = [row for row in csv.reader(io.StringIO(render(report, "csv")))]
    names = [row[2] for row in cells[1:]]
    assert any(name.startswith("'=HYPERLINK") for name in names)
    assert not any(cell.startswith(("=", "+", "@")) for row in cells for cell in row)
