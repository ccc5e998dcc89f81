"""Primary care networks and their member GP practices, current and past.

Read from pcn.csv and pcn_practice_membership.csv.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import ORG, RDF, SDO

from icskg.namespaces import ICS, MEMBERSHIP, ORG_ID
from icskg.sources.common import add_label, add_ods_code, date, new_graph, ods_org, read_rows

TITLE = "Primary care networks and their member GP practices, current and past"
FILES = ("pcn.csv", "pcn_practice_membership.csv", "sub_icb_location.csv")
PCN_COLUMNS = ("pcn_code", "pcn_name", "sub_icb_ods", "icb_ods", "open_date", "close_date", "postcode")
MEMBER_COLUMNS = (
    "practice_code", "practice_name", "practice_sub_icb_ods", "pcn_code", "start_date", "end_date",
)


def build(directory: Path) -> Graph:
    """Build the PCN graph.

    Closed PCNs still name pre-2022 CCG codes; only real sub-ICB locations are linked.
    """
    sub_icb_codes = {r["ods_code"] for r in read_rows(directory / FILES[2], ("ods_code",))}
    g = new_graph()
    for row in read_rows(directory / FILES[0], PCN_COLUMNS):
        hint = f"pcn.csv {row['pcn_code']}"
        pcn = ods_org(row["pcn_code"], hint)
        g.add((pcn, RDF.type, ICS.PrimaryCareNetwork))
        add_label(g, pcn, row["pcn_name"])
        add_ods_code(g, pcn, row["pcn_code"])
        if row["sub_icb_ods"] in sub_icb_codes:
            g.add((pcn, ICS.withinSubICBLocation, ORG_ID[row["sub_icb_ods"]]))
        if row["icb_ods"]:
            g.add((pcn, ICS.withinIntegratedCareBoard, ods_org(row["icb_ods"], hint)))
        if row["open_date"]:
            g.add((pcn, ICS.startDate, date(row["open_date"])))
        if row["close_date"]:
            g.add((pcn, ICS.endDate, date(row["close_date"])))
        if row["postcode"]:
            g.add((pcn, SDO.postalCode, Literal(row["postcode"])))

    for row in read_rows(directory / FILES[1], MEMBER_COLUMNS):
        hint = f"pcn_practice_membership.csv {row['practice_code']}"
        practice, pcn = ods_org(row["practice_code"], hint), ods_org(row["pcn_code"], hint)
        g.add((practice, RDF.type, ICS.GPPractice))
        add_label(g, practice, row["practice_name"])
        add_ods_code(g, practice, row["practice_code"])
        if row["practice_sub_icb_ods"] in sub_icb_codes:
            g.add((practice, ICS.withinSubICBLocation, ORG_ID[row["practice_sub_icb_ods"]]))
        membership = MEMBERSHIP[f"pcn/{row['practice_code']}-{row['pcn_code']}-{row['start_date']}"]
        g.add((membership, RDF.type, ICS.PracticeMembership))
        g.add((membership, ORG.member, practice))
        g.add((membership, ORG.organization, pcn))
        if row["start_date"]:
            g.add((membership, ICS.startDate, date(row["start_date"])))
        if row["end_date"]:
            g.add((membership, ICS.endDate, date(row["end_date"])))
        else:
            g.add((pcn, ORG.hasMember, practice))
    return g
