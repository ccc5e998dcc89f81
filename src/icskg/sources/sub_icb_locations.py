"""The 106 sub-ICB locations and the clinical commissioning groups they replaced (sub_icb_location.csv)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.namespace import ORG, RDF

from icskg.namespaces import AREA, CCG, ICS
from icskg.sources.common import (
    add_area,
    add_label,
    add_ods_code,
    date,
    new_graph,
    ods_org,
    read_rows,
    replaced_area,
)

TITLE = "Sub-ICB locations and the clinical commissioning groups they replaced"
FILES = ("sub_icb_location.csv",)
COLUMNS = (
    "ods_code", "ons_code", "ons_code_2022", "name", "predecessor_ccg_ons_code",
    "predecessor_ccg_name", "icb_ods", "icb_ons",
)
CCG_LAST_DAY = "2022-06-30"
SUB_ICB_FIRST_DAY = "2022-07-01"


def build(directory: Path) -> Graph:
    g = new_graph()
    for row in read_rows(directory / FILES[0], COLUMNS):
        location = ods_org(row["ods_code"], f"sub_icb_location.csv {row['name']}")
        icb = ods_org(row["icb_ods"], f"sub_icb_location.csv {row['name']}")
        g.add((location, RDF.type, ICS.SubICBLocation))
        add_label(g, location, row["name"])
        add_ods_code(g, location, row["ods_code"])
        g.add((location, ORG.unitOf, icb))
        g.add((icb, ORG.hasUnit, location))
        g.add((location, ICS.startDate, date(SUB_ICB_FIRST_DAY)))
        area = add_area(g, row["ons_code"], f"{row['name']} area")
        g.add((location, ICS.coversArea, area))
        g.add((area, ICS.withinArea, AREA[row["icb_ons"]]))
        if row["ons_code_2022"] != row["ons_code"]:
            replaced_area(g, row["ons_code_2022"], row["ons_code"])

        ccg = CCG[row["predecessor_ccg_ons_code"]]
        g.add((ccg, RDF.type, ICS.ClinicalCommissioningGroup))
        add_label(g, ccg, row["predecessor_ccg_name"])
        g.add((ccg, ICS.endDate, date(CCG_LAST_DAY)))
        g.add((ccg, ICS.coversArea, add_area(g, row["predecessor_ccg_ons_code"])))
        g.add((location, ICS.predecessor, ccg))
    return g
