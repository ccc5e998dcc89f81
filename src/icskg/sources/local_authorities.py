"""Local authorities and how their areas lie in sub-ICB location and ICB areas.

Read from lad_to_icb.csv and utla_to_icb.csv.

Areas are related on LSOA best fit (SOURCES.md section 3): ``withinArea`` when every LSOA of the
authority lies in the other area, ``partlyWithinArea`` when only some do. Upper-tier authorities
are members of the Integrated Care Partnership of each ICB their area touches, because the Local
Government and Public Involvement in Health Act 2007 s.116ZA makes them its founders.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF

from icskg.namespaces import AREA, ICP_ID, ICS, LA
from icskg.sources.common import add_area, add_label, new_graph, read_rows, split_codes

TITLE = "Local authorities and the sub-ICB location and ICB areas they lie in"
FILES = ("lad_to_icb.csv", "utla_to_icb.csv")
LAD_COLUMNS = (
    "lad_code", "lad_name", "lad_type", "predecessor_lad_codes", "utla_code", "ons_region_code",
    "ons_region_name", "sub_icb_ons", "icb_ons", "lad_in_multiple_sub_icbs", "lad_in_multiple_icbs",
)
UTLA_COLUMNS = ("utla_code", "utla_name", "utla_type", "icb_ons", "utla_in_multiple_icbs")
# Unitary authorities, metropolitan districts and London boroughs are both tiers at once.
SINGLE_TIER_ENTITIES = ("E06", "E08", "E09")


def _authority(g: Graph, code: str, name: str, entity: str, tier: URIRef) -> URIRef:
    authority = LA[code]
    g.add((authority, RDF.type, tier))
    if entity in SINGLE_TIER_ENTITIES:
        g.add((authority, RDF.type, ICS.UpperTierLocalAuthority))
        g.add((authority, RDF.type, ICS.LowerTierLocalAuthority))
    add_label(g, authority, name)
    g.add((authority, ICS.gssCode, Literal(code)))
    g.add((authority, ICS.coversArea, add_area(g, code, name)))
    return authority


def _lies_in(g: Graph, area: URIRef, other: URIRef, split: str) -> None:
    g.add((area, ICS.partlyWithinArea if split == "true" else ICS.withinArea, other))


def build(directory: Path) -> Graph:
    g = new_graph()
    for row in read_rows(directory / FILES[0], LAD_COLUMNS):
        code = row["lad_code"]
        _authority(g, code, row["lad_name"], row["lad_type"], ICS.LowerTierLocalAuthority)
        area = AREA[code]
        _lies_in(g, area, AREA[row["sub_icb_ons"]], row["lad_in_multiple_sub_icbs"])
        _lies_in(g, area, AREA[row["icb_ons"]], row["lad_in_multiple_icbs"])
        region = add_area(g, row["ons_region_code"], f"{row['ons_region_name']} (ONS region)")
        g.add((area, ICS.withinArea, region))
        if row["utla_code"] != code:
            g.add((area, ICS.withinArea, AREA[row["utla_code"]]))
        for old in split_codes(row["predecessor_lad_codes"]):
            g.add((area, DCTERMS.replaces, add_area(g, old)))
            g.add((AREA[old], DCTERMS.isReplacedBy, area))

    for row in read_rows(directory / FILES[1], UTLA_COLUMNS):
        code = row["utla_code"]
        authority = _authority(g, code, row["utla_name"], row["utla_type"], ICS.UpperTierLocalAuthority)
        _lies_in(g, AREA[code], AREA[row["icb_ons"]], row["utla_in_multiple_icbs"])
        g.add((ICP_ID[row["icb_ons"]], ORG.hasMember, authority))
    return g
