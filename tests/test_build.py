"""The built graph holds the real 42 systems and everything the source tables say, with provenance."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode

from icskg import resources
from icskg.build import BuildError, build_graphs, build_store
from icskg.namespaces import GRAPH
from icskg.sources import READERS
from icskg.store import EmbeddedStore, StoreError
from icskg.store.embedded import SPAN, compact

TABLES = resources.SOURCE_TABLES_DIR


def rows(table: str) -> list[dict[str, str]]:
    with (TABLES / table).open(newline="") as handle:
        return list(csv.DictReader(handle))


def count(select, where: str) -> int:
    return int(select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}")[0]["n"])


def test_42_icbs_each_with_a_system_and_a_partnership(select):
    assert count(select, "?x a ics:IntegratedCareBoard") == 42
    assert count(select, "?s ics:hasIntegratedCareBoard ?x ; ics:hasIntegratedCarePartnership ?p") == 42
    assert count(select, "?x a ics:IntegratedCarePartnership") == 42


def test_106_sub_icb_locations_each_in_exactly_one_icb(select):
    assert count(select, "?x a ics:SubICBLocation") == 106
    per_location = select("""
        SELECT ?x (COUNT(DISTINCT ?icb) AS ?n) WHERE {
          ?x a ics:SubICBLocation . OPTIONAL { ?x org:unitOf ?icb . ?icb a ics:IntegratedCareBoard }
        } GROUP BY ?x""")
    assert len(per_location) == 106
    assert {row["n"] for row in per_location} == {"1"}


def test_every_icb_in_one_of_the_seven_regions(select):
    regions = select("""
        SELECT ?icb (COUNT(DISTINCT ?region) AS ?n) WHERE {
          ?icb a ics:IntegratedCareBoard .
          OPTIONAL { ?icb ics:inRegion ?region . ?region a ics:NHSEnglandRegion }
        } GROUP BY ?icb""")
    assert {row["n"] for row in regions} == {"1"}
    assert count(select, "?icb a ics:IntegratedCareBoard ; ics:inRegion ?x") == 7


def test_wirral_lies_in_cheshire_and_merseyside(select):
    found = select("""
        SELECT ?ods ?gss WHERE {
          ?la ics:gssCode "E08000015" ; ics:coversArea ?area .
          ?area ics:withinArea ?icbArea .
          ?icb a ics:IntegratedCareBoard ; ics:coversArea ?icbArea ; ics:odsCode ?ods .
          ?icbArea ics:gssCode ?gss .
        }""")
    assert found == [{"ods": "QYG", "gss": "E54000008"}]


def test_ccgs_end_the_day_before_sub_icb_locations_begin(select):
    dates = select("""
        SELECT DISTINCT ?end ?start WHERE {
          ?loc a ics:SubICBLocation ; ics:predecessor ?ccg ; ics:startDate ?start .
          ?ccg a ics:ClinicalCommissioningGroup ; ics:endDate ?end .
        }""")
    assert dates == [{"end": "2022-06-30", "start": "2022-07-01"}]
    assert count(select, "?x a ics:ClinicalCommissioningGroup") == 106


def test_twelve_districts_split_between_icbs(select):
    split = count(select, """
        ?la a ics:LowerTierLocalAuthority ; ics:coversArea ?area .
        ?area ics:partlyWithinArea ?icbArea . ?icb a ics:IntegratedCareBoard ; ics:coversArea ?icbArea .
        BIND(?la AS ?x)""")
    assert split == 12
    assert count(select, "?x a ics:LowerTierLocalAuthority") == 296
    assert count(select, "?x a ics:UpperTierLocalAuthority") == len(
        {r["utla_code"] for r in rows("utla_to_icb.csv")})


def test_trust_and_pcn_counts_match_the_tables(select):
    trusts = rows("trusts.csv")
    assert count(select, "?x a ics:NHSFoundationTrust") == sum(
        r["is_foundation_trust"] == "true" for r in trusts)
    assert count(select, "?x a ics:NHSTrust") == sum(r["is_foundation_trust"] == "false" for r in trusts)
    assert count(select, "?x ics:trustType ?type") == len(trusts)
    pcns = rows("pcn.csv")
    assert count(select, "?x a ics:PrimaryCareNetwork") == len(pcns)
    assert count(select, "?x a ics:PrimaryCareNetwork FILTER NOT EXISTS { ?x ics:endDate ?e }") == sum(
        r["is_open"] == "true" for r in pcns)
    members = rows("pcn_practice_membership.csv")
    assert count(select, "?x a ics:PracticeMembership") == len(members)
    assert count(select, "?x a ics:PracticeMembership FILTER NOT EXISTS { ?x ics:endDate ?e }") == sum(
        r["is_current"] == "true" for r in members)
    assert count(select, "?x a ics:GPPractice") == len({r["practice_code"] for r in members})


def test_leadership_rows_are_marked_partial_with_their_source(select):
    reports = select("""
        SELECT ?r ?source ?on WHERE { ?r a ics:ReportedLeadershipRole ;
          ics:completeness "partial" ; dcterms:source ?source ; ics:reportedOn ?on }""")
    assert len(reports) == len(rows("icb_leaders_partial.csv"))


def test_links_out_to_ons_and_the_ods_identifier_system(select):
    wirral = select("""SELECT ?ons WHERE { area:E08000015 owl:sameAs ?ons }""")
    assert wirral == [{"ons": "http://statistics.data.gov.uk/id/statistical-geography/E08000015"}]
    typed = select("""SELECT ?dt WHERE { nhsorg:QYG skos:notation ?code BIND(DATATYPE(?code) AS ?dt) }""")
    assert typed == [{"dt": "https://fhir.nhs.uk/Id/ods-organization-code"}]
    assert count(select, "?x rdfs:seeAlso <http://www.legislation.gov.uk/id/ukpga/2022/31>") >= 42


def test_every_body_with_an_ods_code_links_to_its_ods_record(select):
    unlinked = select("""SELECT ?body WHERE { ?body ics:odsCode ?code
        FILTER NOT EXISTS { ?body rdfs:seeAlso ?record
          FILTER(?record = IRI(CONCAT(STR(odsrecord:), ?code))) } }""")
    assert unlinked == []
    x24 = select("SELECT ?g WHERE { GRAPH ?g { nhsorg:X24 rdfs:seeAlso odsrecord:X24 } }")
    assert x24 == [{"g": str(GRAPH.policy)}]
    untyped = select("""SELECT ?body WHERE { ?body ics:odsCode ?code
        FILTER NOT EXISTS { ?body skos:notation ?typed
          FILTER(DATATYPE(?typed) = <https://fhir.nhs.uk/Id/ods-organization-code>
                 && STR(?typed) = ?code) } }""")
    assert untyped == []


def test_publishers_link_to_their_govuk_pages_and_each_is_described(select):
    rows = select("""SELECT ?publisher ?label ?page WHERE {
        GRAPH graph:govuk-organisations { ?publisher rdfs:seeAlso ?page }
        OPTIONAL { ?publisher rdfs:label ?label } } ORDER BY ?page""")
    assert [r["page"].rsplit("/", 1)[1] for r in rows] == [
        "department-of-health-and-social-care", "nhs-commissioning-board", "nhs-improvement",
        "the-national-archives"]
    assert all(r["label"] for r in rows), "a GOV.UK link names a publisher the policy data lacks"


def test_every_named_graph_has_its_provenance(select, store):
    # graph/policy comes from curated Turtle, not tables: tests/test_policy.py checks its provenance.
    curated = (str(GRAPH.meta), str(GRAPH.ontology), str(GRAPH.policy))
    data_graphs = [g for g in store.graphs() if g not in curated]
    assert len(data_graphs) == len(READERS)
    for graph in data_graphs:
        facts = select(f"""
            SELECT ?table ?licence ?vintage ?upstream ?sha WHERE {{ GRAPH graph:meta {{
              <{graph}> prov:wasDerivedFrom ?table ; ics:vintage ?vintage ; dcterms:source ?upstream .
              OPTIONAL {{ <{graph}> dcterms:license|dcterms:rights ?licence }}
              ?table ics:sha256 ?sha }} }}""")
        assert facts, f"{graph} has no provenance"
        assert all(row["licence"] for row in facts), f"{graph} has no licence or rights statement"


def test_same_inputs_give_the_same_version():
    assert build_graphs()[0] == build_graphs()[0]


def copy_inputs(tmp_path: Path) -> Path:
    sources = tmp_path / "sources"
    shutil.copytree(TABLES, sources)
    return sources


def test_a_malformed_table_fails_the_build_and_keeps_the_previous_store(tmp_path, store):
    sources = copy_inputs(tmp_path)
    target = EmbeddedStore(tmp_path / "var")
    build_store(target, sources_dir=sources)
    before = target.info()["version"]
    (sources / "trusts.csv").write_text("ods_code,name\nR0A,Somewhere\n")
    with pytest.raises(BuildError, match=r"trusts\.csv: missing column"):
        build_store(target, sources_dir=sources)
    (sources / "icb.csv").unlink()
    with pytest.raises(BuildError, match=r"icb\.csv"):
        build_store(target, sources_dir=sources)
    assert target.info()["version"] == before
    assert target.query("ASK { ?s a <https://w3id.org/icskg/def/IntegratedCareBoard> }").serialize


def test_a_bad_code_in_a_table_is_named_in_the_error(tmp_path):
    sources = copy_inputs(tmp_path)
    text = (sources / "icb.csv").read_text()
    (sources / "icb.csv").write_text(text.replace("E54000008", "not-a-code", 1))
    with pytest.raises(BuildError, match="'not-a-code' is not a GSS code"):
        build_graphs(sources_dir=sources)


def test_a_rebuild_swaps_the_store_and_readers_follow(tmp_path):
    target = EmbeddedStore(tmp_path / "var")
    with pytest.raises(StoreError, match="icskg build"):
        target.graphs()
    graphs = len(build_store(target).graphs)
    first = target.link.resolve()
    assert len(target.graphs()) == graphs
    build_store(target)
    assert target.link.resolve() != first
    assert len(target.graphs()) == graphs
    assert not list((tmp_path / "var" / "builds").glob(".staging-*"))


def test_no_triple_is_in_two_named_graphs(select):
    # The default graph is the union of the named graphs; a triple held by two of them would be
    # counted twice there by pyoxigraph 0.5 (a bag union), unlike an RDF merge.
    shared = select("""
        SELECT ?s ?p ?o (GROUP_CONCAT(STR(?g); SEPARATOR=" ") AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } }
        GROUP BY ?s ?p ?o HAVING (COUNT(?g) > 1)""")
    assert shared == []


def test_counting_the_default_graph_counts_each_triple_once(select, build_result):
    counted = int(select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])
    distinct = int(select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")[0]["n"])
    assert counted == distinct
    assert build_result.triples == distinct, "icskg build reports more triples than the dataset holds"


def test_no_blank_node_is_in_two_named_graphs():
    # A store loads each graph of a build on its own (a GraphSource), which scopes its blank-node
    # labels to that graph: a blank node the build put in two graphs would be served as two.
    seen: dict[BNode, set[str]] = {}
    for name, graph in build_graphs()[1].items():
        for node in {term for triple in graph for term in triple if isinstance(term, BNode)}:
            seen.setdefault(node, set()).add(name)
    assert {node: graphs for node, graphs in seen.items() if len(graphs) > 1} == {}


def test_compacting_a_store_leaves_exactly_its_data(tmp_path):
    # compact() adds a triple to every graph and deletes it again so that RocksDB rewrites every
    # index: nothing of it may stay, in the named graphs or in a default graph that holds data,
    # and data that holds that triple itself keeps it.
    store = ox.Store(str(tmp_path / "store"))
    store.bulk_load(b'<urn:a> <urn:p> _:x .\n_:x <urn:p> "1" .\n', format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode("urn:g1"))
    store.bulk_load(b'<urn:b> <urn:p> <urn:c> <urn:g2> .\n<urn:d> <urn:p> "default" .\n',
                    format=ox.RdfFormat.N_QUADS)
    store.add(ox.Quad(SPAN, SPAN, SPAN, ox.NamedNode("urn:g2")))  # data that happens to hold it
    before = set(store)
    compact(store)
    assert set(store) == before
    assert [q.graph_name for q in store.quads_for_pattern(SPAN, None, None, None)] == [ox.NamedNode("urn:g2")]
    assert set(store.named_graphs()) == {ox.NamedNode("urn:g1"), ox.NamedNode("urn:g2")}
