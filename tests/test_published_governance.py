"""The published record of the ICBs' governance: every row of the table is in its own named graph
with the page it came from and the date that page states, its provenance is in graph/meta, it is
validated like any upload, and /compliance finds data where the record has some."""

from __future__ import annotations

import csv
import re
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from icskg import resources
from icskg.build import BuildError, build_graphs
from icskg.namespaces import GRAPH
from icskg.sources import published_governance
from icskg.validation.compliance import Matrix, matrix

TABLE = resources.SOURCE_TABLES_DIR / published_governance.TABLE
GOVERNANCE = str(GRAPH["published-governance"])
# Which /compliance family each kind of fact gives evidence to.
FAMILY = {"constitution": "family-constitution", "board-member": "family-board",
          "committee": "family-committees", "partnership-member": "family-partnership"}


def rows() -> list[dict[str, str]]:
    with TABLE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_every_row_is_in_the_graph_with_its_page_and_date(select):
    found = select(f"""
        SELECT ?fact ?page ?date WHERE {{ GRAPH <{GOVERNANCE}> {{
          ?fact dcterms:source ?page . ?page a foaf:Document ; dcterms:date ?date . }} }}""")
    cited = {(row["page"], row["date"]) for row in found}
    for row in rows():
        assert (row["source_url"], row["source_date"]) in cited, row
    # Each kind of fact is written in the governance vocabulary, one node per row at most.
    kinds = select(f"""
        SELECT ?type (COUNT(DISTINCT ?fact) AS ?n) WHERE {{ GRAPH <{GOVERNANCE}> {{
          ?fact dcterms:source ?page ; a ?type }} }} GROUP BY ?type""")
    counted = {row["type"].rsplit("/", 1)[-1]: int(row["n"]) for row in kinds}
    table = defaultdict(int)
    for row in rows():
        table[row["fact"]] += 1
    assert counted["BoardMembership"] == table["board-member"]
    assert counted["PartnershipMembership"] == table["partnership-member"]
    assert counted["Constitution"] == table["constitution"]
    assert counted["MembershipRequirement"] == table["board-seats"]


def test_every_icb_fact_has_a_source_and_a_date(select):
    undated = select(f"""
        SELECT ?fact WHERE {{ GRAPH <{GOVERNANCE}> {{
          ?fact a ?type . FILTER (?type IN (ics:BoardMembership, ics:PartnershipMembership,
                                            ics:Constitution, ics:Committee, ics:MembershipRequirement))
          FILTER NOT EXISTS {{ ?fact dcterms:source ?page . ?page dcterms:date ?date }} }} }}""")
    assert undated == []
    # Every fact is about one of the 42 ICBs, reached the way /compliance reaches it.
    orphans = select(f"""
        SELECT ?fact WHERE {{ GRAPH <{GOVERNANCE}> {{ ?fact dcterms:source ?page }}
          FILTER NOT EXISTS {{
            ?icb a ics:IntegratedCareBoard .
            {{ ?icb ics:hasBoard ?b . ?fact org:organization|ics:appliesTo ?b }}
            UNION {{ ?icb ics:hasConstitution|ics:hasCommittee ?fact }}
            UNION {{ ?s ics:hasIntegratedCareBoard ?icb ; ics:hasIntegratedCarePartnership ?p .
                     ?fact org:organization ?p }} }} }}""")
    assert orphans == []


def test_provenance_is_in_the_meta_graph(select):
    meta = select(f"""
        SELECT ?table ?rows ?sha ?vintage ?doubt ?rights WHERE {{ GRAPH graph:meta {{
          <{GOVERNANCE}> prov:wasDerivedFrom ?table ; ics:vintage ?vintage ; ics:completeness "partial" ;
            dcterms:rights ?rights .
          ?table ics:rowCount ?rows ; ics:sha256 ?sha ; ics:doubt ?doubt }} }}""")
    assert {row["table"].rsplit("/", 1)[-1] for row in meta} == {published_governance.TABLE}
    assert {int(row["rows"]) for row in meta} == {len(rows())}
    pages = {row["page"] for row in select(f"""
        SELECT ?page WHERE {{ GRAPH graph:meta {{ <{GOVERNANCE}> dcterms:source ?page }} }}""")}
    assert pages == {row["source_url"] for row in rows()}


@pytest.mark.parametrize("change,message", [
    ({"source_date": "summer 2024"}, "source_date"),
    ({"source_url": "www.example.org/board"}, "source_url"),
    ({"date_basis": "retrieved"}, "date_basis"),
    ({"fact": "board-members"}, "fact"),
    ({"role": "vice-chair"}, "role"),
    ({"icb_ods": "not a code"}, "ODS"),
])
def test_a_bad_row_stops_the_build_with_a_message(tmp_path: Path, change, message):
    sources = tmp_path / "sources"
    shutil.copytree(resources.SOURCE_TABLES_DIR, sources)
    table = rows()
    board = next(i for i, row in enumerate(table) if row["fact"] == "board-member")
    table[board] = table[board] | change
    with (sources / published_governance.TABLE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    with pytest.raises(BuildError, match=message):
        build_graphs(sources_dir=sources)


def test_one_page_cannot_state_two_dates(tmp_path: Path):
    sources = tmp_path / "sources"
    shutil.copytree(resources.SOURCE_TABLES_DIR, sources)
    table = rows()
    first = table[0]
    table.append(first | {"value": "Someone Else", "source_date": "1999"})
    with (sources / published_governance.TABLE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(first))
        writer.writeheader()
        writer.writerows(table)
    with pytest.raises(BuildError, match="two dates"):
        build_graphs(sources_dir=sources)


@pytest.fixture(scope="module")
def compliance(store) -> Matrix:
    """The /compliance matrix of the built graph, as of one day (computed once: it validates all)."""
    return matrix(store, date(2024, 1, 1))


def test_compliance_finds_data_where_the_record_has_some(compliance):
    """Before the record, the board, constitution, committee and partnership families were
    "no data" for all 42 ICBs; now every ICB with a fact of a kind is checked for that family,
    and only those: no other input gives evidence for these families."""
    covered = {(row["icb_ods"], FAMILY[row["fact"]]) for row in rows() if row["fact"] in FAMILY}
    cells = {(icb.rsplit("/", 1)[-1], family): cell.outcome
             for icb, _, row in compliance.rows for family, cell in row.items()}
    for pair in covered:
        assert cells[pair] != "nodata", pair
    nodata = sum(1 for (icb, family), outcome in cells.items()
                 if family in FAMILY.values() and outcome == "nodata")
    assert nodata == 4 * 42 - len(covered)


def board_findings(compliance: Matrix) -> dict[str, list[str]]:
    return {icb.rsplit("/", 1)[-1]: [f.message for f in row["family-board"].findings]
            for icb, _, row in compliance.rows}


def test_the_published_record_is_validated_like_an_upload(compliance):
    """The statutory shapes run over the record: the minutes of Derby and Derbyshire's board of
    17 November 2022 name a chair, a chief executive and partner members of all three kinds, so no
    composition rule finds anything there; where the record names a chair but no chief executive,
    that is what the finding says."""
    findings = board_findings(compliance)
    composition = ("has no chair", "no chief executive", "ordinary member(s) on the day",
                   "has no partner member")
    assert not [m for m in findings["QJ2"] if any(c in m for c in composition)]
    named = defaultdict(set)
    for row in rows():
        if row["fact"] == "board-member":
            named[row["icb_ods"]].update(row["role"].split(";"))
    chair_only = [icb for icb, roles in named.items() if "chair" in roles and "chief-executive" not in roles]
    assert chair_only
    for icb in chair_only:
        assert any("no chief executive" in m for m in findings[icb]), icb


def test_sources_md_states_the_coverage_the_table_has():
    """SOURCES.md says how many facts, ICBs and pages the record holds and which ICBs have none."""
    text = (resources.SOURCE_TABLES_DIR / "SOURCES.md").read_text(encoding="utf-8")
    table = rows()
    covered = {row["icb_ods"] for row in table}
    pages = {row["source_url"] for row in table}
    assert (f"**{len(table)} facts about {len(covered)} of the 42 ICBs, from {len(pages)} pages**"
            in " ".join(text.split()))
    with (resources.SOURCE_TABLES_DIR / "icb.csv").open(newline="", encoding="utf-8") as handle:
        all_icbs = {row["ods_code"] for row in csv.DictReader(handle)}
    section = text[text.index("No public page with a date was found for"):]
    section = section[:section.index("no data")]
    assert set(re.findall(r"\((Q[A-Z0-9]{2})\)", section)) == all_icbs - covered


def test_coverage_counts_what_the_table_holds(store):
    """The counts /compliance can show beside the matrix: facts, ICBs covered and pages cited."""
    from icskg.validation.published_record import coverage

    table = rows()
    assert coverage(store) == {"facts": len(table), "icbs": len({row["icb_ods"] for row in table}),
                               "pages": len({row["source_url"] for row in table})}
