"""The 42 Integrated Care Boards, their systems, partnerships, areas and NHS England regions (icb.csv)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import ORG, RDF, RDFS, SKOS

from icskg.namespaces import AREA, HEALTH_AND_CARE_ACT_2022, ICP_ID, ICS, ICS_ID, NHS_ENGLAND
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

TITLE = "Integrated Care Boards with their systems, partnerships, areas and NHS England regions"
FILES = ("icb.csv",)
COLUMNS = (
    "ods_code", "ons_code", "ons_code_2022", "name", "short_name", "nhs_region_ods",
    "nhs_region_ons", "nhs_region_name", "established",
)


def build(directory: Path) -> Graph:
    g = new_graph()
    for row in read_rows(directory / FILES[0], COLUMNS):
        icb = ods_org(row["ods_code"], f"icb.csv {row['name']}")
        gss, short = row["ons_code"], row["short_name"]
        system, partnership = ICS_ID[gss], ICP_ID[gss]
        region = ods_org(row["nhs_region_ods"], "icb.csv region")
        area = add_area(g, gss, f"{short} ICB area")

        g.add((icb, RDF.type, ICS.IntegratedCareBoard))
        add_label(g, icb, row["name"])
        g.add((icb, SKOS.altLabel, Literal(short, lang="en")))
        add_ods_code(g, icb, row["ods_code"])
        g.add((icb, ICS.startDate, date(row["established"])))
        g.add((icb, ICS.coversArea, area))
        g.add((icb, ICS.inRegion, region))
        g.add((icb, RDFS.seeAlso, HEALTH_AND_CARE_ACT_2022))

        g.add((system, RDF.type, ICS.IntegratedCareSystem))
        add_label(g, system, f"{short} Integrated Care System")
        g.add((system, ICS.hasIntegratedCareBoard, icb))
        g.add((system, ICS.hasIntegratedCarePartnership, partnership))
        g.add((system, ORG.hasMember, icb))
        g.add((system, ORG.hasMember, partnership))
        g.add((system, ICS.coversArea, area))
        g.add((system, ICS.startDate, date(row["established"])))

        g.add((partnership, RDF.type, ICS.IntegratedCarePartnership))
        add_label(g, partnership, f"{short} Integrated Care Partnership")
        g.add((partnership, ORG.hasMember, icb))
        g.add((partnership, ICS.coversArea, area))

        g.add((region, RDF.type, ICS.NHSEnglandRegion))
        g.add((region, ORG.unitOf, NHS_ENGLAND))
        g.add((NHS_ENGLAND, ORG.hasUnit, region))
        add_label(g, region, f"NHS England {row['nhs_region_name']}")
        g.add((region, SKOS.altLabel, Literal(row["nhs_region_name"], lang="en")))
        add_ods_code(g, region, row["nhs_region_ods"])
        region_area = add_area(g, row["nhs_region_ons"], f"{row['nhs_region_name']} NHS region")
        g.add((region, ICS.coversArea, region_area))
        g.add((area, ICS.withinArea, region_area))

        if row["ons_code_2022"] and row["ons_code_2022"] != gss:
            replaced_area(g, row["ons_code_2022"], gss)
            old_label = Literal(f"{short} ICB area (2022 boundary)", lang="en")
            g.add((AREA[row["ons_code_2022"]], RDFS.label, old_label))
    return g
