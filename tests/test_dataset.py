"""The service describes itself (Service Description, VoID, DCAT) and offers downloads."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, VOID

from icskg.namespaces import ICS

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATASET = URIRef("https://w3id.org/icskg/id/dataset/icskg")


def parse(response) -> Graph:
    assert response.status_code == 200, response.get_data(as_text=True)
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt"}[response.mimetype]
    return Graph().parse(data=response.get_data(as_text=True), format=fmt)


def test_service_description_at_sparql_without_query(client, store):
    sd = parse(client.get("/sparql", headers={"Accept": "text/turtle"}))
    service = sd.value(predicate=RDF.type, object=SD.Service)
    assert str(service) == "http://127.0.0.1:8000/sparql"
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in sd
    assert (service, SD.feature, SD.UnionDefaultGraph) in sd
    assert (service, SD.resultFormat, URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON")) in sd
    names = {str(n) for n in sd.objects(None, SD.name)}
    assert names == set(store.graphs())


def test_browsers_asking_sparql_without_query_get_the_query_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/query")


def test_void_describes_the_live_dataset(client, store):
    void = parse(client.get("/.well-known/void"))
    counts = store.info()["graph_triples"]
    assert void.value(DATASET, VOID.triples).toPython() == sum(counts.values())
    for name, count in counts.items():
        assert (DATASET, VOID.subset, URIRef(name)) in void
        assert void.value(URIRef(name), VOID.triples).toPython() == count
    trusts = URIRef("https://w3id.org/icskg/graph/trusts")
    assert void.value(trusts, DCTERMS.license) is not None
    assert void.value(trusts, DCTERMS.source) is not None
    assert (DATASET, VOID.sparqlEndpoint, URIRef("http://127.0.0.1:8000/sparql")) in void
    linksets = set(void.subjects(RDF.type, VOID.Linkset))
    targets = {str(void.value(ls, VOID.objectsTarget)) for ls in linksets}
    assert targets == {"http://statistics.data.gov.uk/", "http://www.legislation.gov.uk/",
                       "https://directory.spineservices.nhs.uk/ORD/2-0-0/",
                       "https://www.gov.uk/government/organisations", "https://www.cqc.org.uk/"}
    assert all(void.value(ls, VOID.triples).toPython() > 0 for ls in linksets)
    assert len(list(void.objects(DATASET, VOID.exampleResource))) >= 3
    dumps = {str(d) for d in void.objects(DATASET, VOID.dataDump)}
    assert dumps == {"http://127.0.0.1:8000/download/icskg.trig", "http://127.0.0.1:8000/download/icskg.nq"}
    assert void.value(predicate=RDF.type, object=DCAT.DataService) is not None


def linkset_counts(void: Graph) -> dict[tuple[str, str], int]:
    """(target, predicate) -> the number of links VoID gives."""
    return {(str(void.value(ls, VOID.objectsTarget)), str(void.value(ls, VOID.linkPredicate))):
            void.value(ls, VOID.triples).toPython()
            for ls in void.subjects(RDF.type, VOID.Linkset)}


def test_void_counts_each_link_set_as_the_store_holds_it(client, select):
    """Each link set's count is the number of links a query over the store finds, and the link
    sets cover every organisation with an ODS code and every area with its GSS code."""
    counts = linkset_counts(parse(client.get("/.well-known/void")))
    see_also, same_as = str(RDFS.seeAlso), "http://www.w3.org/2002/07/owl#sameAs"
    ods_codes = select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ics:odsCode ?c }")[0]["n"]
    assert counts["https://directory.spineservices.nhs.uk/ORD/2-0-0/", see_also] == int(ods_codes)
    areas = select("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ics:Area ; ics:gssCode ?c }")[0]["n"]
    assert counts["http://statistics.data.gov.uk/", same_as] == int(areas)
    trusts = select("SELECT (COUNT(*) AS ?n) WHERE { ?t a/rdfs:subClassOf* ics:NHSProviderTrust }")[0]["n"]
    assert counts["https://www.cqc.org.uk/", see_also] == int(trusts)
    assert counts["https://www.gov.uk/government/organisations", see_also] == 4
    legislation = "http://www.legislation.gov.uk/"
    assert counts[legislation, see_also] >= 42  # at least each ICB to the Health and Care Act 2022
    duties = select("SELECT (COUNT(*) AS ?n) WHERE { ?d ics:legalBasis ?p "
                    'FILTER(STRSTARTS(STR(?p), "http://www.legislation.gov.uk/id/")) }')[0]["n"]
    assert counts[legislation, str(ICS.legalBasis)] == int(duties) > 0


def test_void_counts_the_codes_typed_with_the_nhs_identifier_system(client, select):
    """ODS codes typed with the NHS FHIR identifier system are not links (the object is a literal),
    so VoID lists them as a subset of their own: the system, its documentation and their count."""
    void = parse(client.get("/.well-known/void"))
    system = URIRef("https://fhir.nhs.uk/Id/ods-organization-code")
    subsets = [s for s in void.subjects(DCTERMS.conformsTo, system) if (DATASET, VOID.subset, s) in void]
    assert len(subsets) == 1
    subset = subsets[0]
    assert (subset, RDF.type, VOID.Linkset) not in void
    assert void.value(subset, VOID.property) == URIRef("http://www.w3.org/2004/02/skos/core#notation")
    assert str(void.value(subset, RDFS.seeAlso)).startswith("https://simplifier.net/guide/UKNamingSystems/")
    typed = select("SELECT (COUNT(*) AS ?n) WHERE { ?s skos:notation ?c "
                   "FILTER(DATATYPE(?c) = <https://fhir.nhs.uk/Id/ods-organization-code>) }")[0]["n"]
    assert void.value(subset, VOID.triples).toPython() == int(typed) > 8000


def test_void_names_the_documentation_of_each_link_target(client):
    """Every target but the CQC's names the page that documents its pattern (for the CQC's provider
    pages none was found: docs/ontology.md says what was searched)."""
    void = parse(client.get("/.well-known/void"))
    targets = {void.value(ls, VOID.objectsTarget) for ls in void.subjects(RDF.type, VOID.Linkset)}
    documented = {str(t) for t in targets if void.value(t, RDFS.seeAlso) is not None}
    assert documented == {str(t) for t in targets} - {"https://www.cqc.org.uk/"}
    legislation = URIRef("http://www.legislation.gov.uk/")
    assert str(void.value(legislation, RDFS.seeAlso)) == "https://www.legislation.gov.uk/developer/uris"


def test_void_in_other_formats(client):
    response = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert client.get("/.well-known/void", query_string={"format": "nt"}).mimetype == "application/n-triples"


@pytest.mark.parametrize("path,graph", [
    ("/download/icskg.nq", None),
    ("/download/graph/trusts.nq", "https://w3id.org/icskg/graph/trusts"),
])
def test_downloads_hold_the_dataset(client, store, path, graph):
    response = client.get(path)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    quads = list(ox.parse(response.data, format=ox.RdfFormat.N_QUADS))
    counts = store.info()["graph_triples"]
    assert len(quads) == (counts[graph] if graph else sum(counts.values()))
    assert {q.graph_name.value for q in quads} == ({graph} if graph else set(counts))


def test_each_graph_downloads_in_each_format(client):
    for extension in ("ttl", "nt", "trig", "jsonld", "rdf"):
        response = client.get(f"/download/graph/icb-leaders.{extension}")
        assert response.status_code == 200, extension
        assert len(response.data) > 1000


def test_unknown_downloads_are_404(client):
    assert client.get("/download/graph/nope.ttl").status_code == 404
    assert client.get("/download/icskg.exe").status_code == 404
    assert client.get("/download/graph/trusts.exe").status_code == 404


def test_void_licence_literal_is_not_lost(client):
    void = parse(client.get("/.well-known/void"))
    leaders = URIRef("https://w3id.org/icskg/graph/icb-leaders")
    assert isinstance(void.value(leaders, DCTERMS.rights), Literal)


def test_downloads_are_built_once_per_version_and_served_from_a_file(client, store, settings):
    """Issue 17: sixteen downloads at once each rebuilt the dataset (1.8 s apiece) and held the
    threads. A download is now written once per dataset version and served from that file."""
    first = client.get("/download/icskg.trig")
    assert first.status_code == 200
    files = list((settings.data_dir / "downloads").glob("*/icskg.trig"))
    assert len(files) == 1
    built = files[0].stat()
    again = client.get("/download/icskg.trig")
    assert again.get_data() == first.get_data() == files[0].read_bytes()
    assert files[0].stat().st_ino == built.st_ino and files[0].stat().st_mtime_ns == built.st_mtime_ns
    assert int(again.headers["Content-Length"]) == len(again.get_data())
    assert again.headers["Content-Disposition"] == 'attachment; filename="icskg.trig"'


def test_downloads_come_gzipped_to_clients_that_accept_it(client):
    """Issue 15: downloads were not compressed (and serving them from files had lost it again)."""
    import gzip

    plain = client.get("/download/icskg.trig")
    packed = client.get("/download/icskg.trig", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert int(packed.headers["Content-Length"]) == len(packed.get_data()) < len(plain.get_data()) / 3
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get("/download/icskg.trig", headers={"Accept-Encoding": "gzip",
                                                         "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
