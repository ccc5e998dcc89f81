"""The 2025-2026 changes to the ICBs are dated, sourced events with their doubts, and the vintage of
the ICB list is stated where people look first: the home page and the VoID description."""

from __future__ import annotations

from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, XSD

from icskg.namespaces import ICS

DATASET = URIRef("https://w3id.org/icskg/id/dataset/icskg")
EVENTS = ("2025-09-09-icb-clustering-and-new-footprints-announced", "2025-26-icbs-cluster",
          "2026-04-01-merged-icb-footprints", "2026-04-01-frimley-divided")


def test_the_changes_are_dated_sourced_events_with_their_doubts(select):
    found = select("""
        SELECT ?event ?date ?status ?comment (GROUP_CONCAT(?doubt; separator=" | ") AS ?doubts) WHERE {
          ?event a ics:PolicyEvent ; dcterms:date ?date ; ics:evidenceStatus ?status ; rdfs:comment ?comment ;
                 dcterms:source ?doc .
          OPTIONAL { ?doc ics:doubt ?doubt }
          FILTER (STRSTARTS(STR(?event), STR(event:2025)) || STRSTARTS(STR(?event), STR(event:2026)))
          FILTER (?event != event:2025-03-running-cost-reductions)
        } GROUP BY ?event ?date ?status ?comment""")
    events = {row["event"].rsplit("/", 1)[-1]: row for row in found}
    assert set(events) == set(EVENTS)
    assert events["2026-04-01-merged-icb-footprints"]["date"] == "2026-04-01"
    assert "not applied" in events["2026-04-01-merged-icb-footprints"]["comment"]
    assert "cut off" in events["2026-04-01-merged-icb-footprints"]["doubts"]
    assert events["2026-04-01-frimley-divided"]["status"].endswith("inferred")
    assert "Undated" in events["2026-04-01-frimley-divided"]["doubts"]
    # graph/meta says the policy graph is derived from the statement.
    meta = select("""SELECT ?g WHERE { GRAPH graph:meta {
        ?g prov:wasDerivedFrom doc:wms-icb-running-costs-boundaries-2025 } }""")
    assert [row["g"] for row in meta] == ["https://w3id.org/icskg/graph/policy"]


def test_no_icb_is_ended_by_the_planned_mergers(select):
    ended = select("SELECT ?icb WHERE { ?icb a ics:IntegratedCareBoard ; ics:endDate ?end }")
    assert ended == []


def test_home_page_states_the_vintage_of_the_icb_list(client):
    page = client.get("/").get_data(as_text=True)
    assert 'id="icb-vintage"' in page
    assert "1 July 2022 to 31 March 2026" in page
    assert "/id/event/2026-04-01-merged-icb-footprints" in page
    assert client.get("/id/event/2026-04-01-merged-icb-footprints").status_code == 200


def test_void_states_the_vintage_and_period_of_the_icb_list(client):
    void = Graph().parse(data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data,
                         format="turtle")
    assert "31 March 2026" in str(void.value(DATASET, ICS.vintage))
    period = void.value(DATASET, DCTERMS.temporal)
    assert void.value(period, DCAT.startDate) == Literal(date(2022, 7, 1), datatype=XSD.date)
    assert void.value(period, DCAT.endDate) == Literal(date(2026, 3, 31), datatype=XSD.date)
