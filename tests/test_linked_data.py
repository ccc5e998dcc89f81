"""Every /id/ and /def/ IRI dereferences: HTML for people, RDF for programs, 404 for unknown IRIs."""

from __future__ import annotations

import json
import re
from html import unescape

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from icskg.namespaces import BASE, ICS, ORG_ID
from icskg.web.describe import InvalidIRI, curie, iri_ref

QYG = ORG_ID["QYG"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
EXTENSIONS = {"ttl": "text/turtle", "jsonld": "application/ld+json", "rdf": "application/rdf+xml",
              "nt": "application/n-triples"}


def text_of(response) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def parse(data: bytes, media_type: str) -> Graph:
    """The document as an rdflib graph (JSON-LD through pyoxigraph: rdflib's parser warns)."""
    if media_type == "application/ld+json":
        ntriples = ox.serialize(ox.parse(data, format=ox.RdfFormat.JSON_LD), format=ox.RdfFormat.N_TRIPLES)
        return Graph().parse(data=ntriples, format="nt")
    return Graph().parse(data=data, format=RDF_TYPES[media_type])


def stored_triples(select, iri: str) -> set[tuple[str, str]]:
    return {(r["p"], r["o"]) for r in select(f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}")}


@pytest.mark.parametrize("media_type", sorted(RDF_TYPES))
def test_rdf_by_accept_holds_exactly_the_stored_description(client, select, media_type):
    response = client.get("/id/org/QYG", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary
    graph = parse(response.data, media_type)
    assert {(str(p), str(o)) for p, o in graph.predicate_objects(URIRef(str(QYG)))} \
        == stored_triples(select, str(QYG))
    assert set(graph.subjects()) == {URIRef(str(QYG))}


@pytest.mark.parametrize("extension", sorted(EXTENSIONS))
def test_file_extension_chooses_the_format_whatever_the_accept_header(client, extension):
    response = client.get(f"/id/org/QYG.{extension}", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == EXTENSIONS[extension]
    graph = parse(response.data, EXTENSIONS[extension])
    assert (URIRef(str(QYG)), RDFS.label,
            Literal("NHS Cheshire and Merseyside Integrated Care Board", lang="en")) in graph


def test_turtle_uses_the_icskg_prefixes(client):
    body = client.get("/id/org/QYG.ttl").get_data(as_text=True)
    assert "@prefix nhsorg: <https://w3id.org/icskg/id/org/> ." in body
    assert "nhsorg:QYG " in body
    assert "@prefix icsh:" not in body  # only the prefixes the document uses


def test_jsonld_needs_no_remote_context(client):
    document = json.loads(client.get("/id/org/QYG.jsonld").data)
    contexts = [d.get("@context") for d in (document if isinstance(document, list) else [document])]
    assert all(c is None or isinstance(c, dict) for c in contexts)  # never a URL to fetch


def test_browsers_get_html_with_label_types_and_alternates(client):
    response = client.get("/id/org/QYG", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    header = response.get_data(as_text=True).split('id="resource"')[1].split("</h1>")[0]
    assert '<a href="/def/IntegratedCareBoard">Integrated Care Board</a>' in header  # its type
    assert header.endswith("<h1>NHS Cheshire and Merseyside Integrated Care Board")
    assert '<link rel="alternate" type="text/turtle" href="/id/org/QYG.ttl">' in response.get_data(True)
    assert '</id/org/QYG.ttl>; rel="alternate"; type="text/turtle"' in response.headers["Link"]


def test_no_accept_header_and_html_extension_get_html(client):
    assert client.get("/id/org/QYG").mimetype == "text/html"
    html = client.get("/id/org/QYG.html", headers={"Accept": "text/turtle"})
    assert html.status_code == 200 and html.mimetype == "text/html"


def test_unacceptable_accept_is_406_naming_what_is_offered(client):
    response = client.get("/id/org/QYG", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


def test_page_shows_properties_with_local_links_and_inbound_links(client):
    response = client.get("/id/org/QYG", headers={"Accept": BROWSER})
    html = response.get_data(as_text=True)
    assert 'href="/id/area/E54000008"' in html  # covers area: our IRI, our page
    assert 'href="/id/org/RWW"' in html  # a trust headquartered here links in
    text = text_of(response)
    assert "Warrington and Halton Teaching Hospitals NHS Foundation Trust" in text
    assert "headquarters within" in text.lower()


def test_page_of_many_inbound_links_offers_them_all_in_the_query_page(client, select):
    response = client.get("/def/GPPractice", headers={"Accept": BROWSER})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    practices = int(select("SELECT (COUNT(*) AS ?n) WHERE { ?p a ics:GPPractice }")[0]["n"])
    assert f"All {practices:,} in the query page" in text_of(response)
    link = unescape(re.search(r'href="(/query\?query=[^"]+)"', html).group(1))
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(link).query)["query"][0]
    answer = client.post("/sparql", data={"query": query, "format": "csv"})
    assert answer.status_code == 200
    assert len(answer.get_data(as_text=True).strip().splitlines()) == practices + 1


def links_out(html: str) -> dict[str, list[str]]:
    """Publisher -> the addresses the page's links-out section lists under it."""
    section = html.split('<section id="links-out">')[1].split("</section>")[0]
    groups = re.findall(r'<div class="publisher"><dt>([^<]*)</dt>(.*?)</div>', section, re.S)
    return {unescape(name): re.findall(r'href="([^"]+)"', body) for name, body in groups}


def test_links_out_are_in_one_place_grouped_by_publisher(client):
    icb = links_out(client.get("/id/org/QYG", headers={"Accept": BROWSER}).get_data(as_text=True))
    assert list(icb)[:3] == ["ONS statistical geography", "NHS Organisation Data Service",
                             "legislation.gov.uk"]
    assert icb["ONS statistical geography"] == [
        "http://statistics.data.gov.uk/id/statistical-geography/E54000008"]
    assert icb["NHS Organisation Data Service"] == [
        "https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/QYG"]
    assert icb["legislation.gov.uk"] == ["http://www.legislation.gov.uk/id/ukpga/2022/31"]
    council = links_out(client.get("/id/la/E08000015", headers={"Accept": BROWSER}).get_data(as_text=True))
    assert "http://statistics.data.gov.uk/id/statistical-geography/E08000015" in council[
        "ONS statistical geography"]
    trust = links_out(client.get("/id/org/RBL", headers={"Accept": BROWSER}).get_data(as_text=True))
    assert trust["Care Quality Commission"] == ["https://www.cqc.org.uk/provider/RBL"]
    assert trust["NHS Organisation Data Service"] == [
        "https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/RBL"]
    publisher = links_out(client.get("/id/agent/dhsc", headers={"Accept": BROWSER}).get_data(as_text=True))
    assert publisher == {"GOV.UK": [
        "https://www.gov.uk/government/organisations/department-of-health-and-social-care"]}


def test_practices_and_pcns_link_to_their_ods_records(client):
    for code in ("A81001", "U89141"):
        page = links_out(client.get(f"/id/org/{code}", headers={"Accept": BROWSER}).get_data(as_text=True))
        assert page["NHS Organisation Data Service"] == [
            f"https://directory.spineservices.nhs.uk/ORD/2-0-0/organisations/{code}"]


def test_provenance_names_graph_source_table_vintage_and_licence(client):
    text = text_of(client.get("/id/org/RWW", headers={"Accept": BROWSER}))
    section = text.split("Where these facts come from")[1]
    assert "graph:trusts" in section
    assert "NHS trusts and foundation trusts in England" in section
    assert "ODS etr extract of early 2025" in section
    assert "Open Government Licence v3.0" in section


def test_provenance_links_to_the_named_graph_download(client):
    html = client.get("/id/org/RWW", headers={"Accept": BROWSER}).get_data(as_text=True)
    link = re.search(r'href="(/download/graph/trusts\.ttl)"', html).group(1)
    with client.get(link) as download:
        assert download.status_code == 200
        graph = Graph().parse(data=download.data, format="turtle")
    assert (URIRef(str(ORG_ID["RWW"])), RDFS.label, None) in graph


def test_ontology_terms_dereference_with_blank_node_restrictions(client):
    response = client.get("/def/PracticeMembership", headers={"Accept": BROWSER})
    assert response.status_code == 200
    text = text_of(response)
    assert "Practice Membership" in text
    assert "on property" in text and "all values from" in text  # the restriction, not a bnode id
    turtle = Graph().parse(data=client.get("/def/PracticeMembership.ttl").data, format="turtle")
    restrictions = list(turtle.objects(URIRef(str(ICS.PracticeMembership)), RDFS.subClassOf))
    assert any(list(turtle.predicate_objects(r)) for r in restrictions)  # closed over blank nodes


@pytest.mark.parametrize("path", ["/id/org/NOPE", "/id/org/NOPE.ttl", "/def/NoSuchTerm", "/id/"])
def test_unknown_iris_are_404(client, path):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_browsers_get_an_html_404_naming_the_iri(client):
    response = client.get("/id/org/NOPE", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "https://w3id.org/icskg/id/org/NOPE" in text_of(response)


@pytest.mark.parametrize("path", [
    "/id/org/QYG%3E%20%3Fp%20%3Fo%20%7D%20%23",  # QYG> ?p ?o } #
    "/id/org/a%20b", "/id/org/%7Bx%7D", "/id/org/Q%22G", "/id/org/Q%5CG", "/id/org/%00",
])
def test_addresses_that_are_not_iris_are_404_not_queries(client, path):
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 404


@pytest.mark.parametrize("bad", [
    BASE + "id/org/QYG> ?p ?o", BASE + "id/a b", BASE + "id/{x}", BASE + 'id/"', "not an iri", "",
])
def test_iri_ref_refuses_what_could_escape_the_brackets(bad):
    with pytest.raises(InvalidIRI):
        iri_ref(bad)


def test_iri_ref_and_curie():
    assert iri_ref(str(QYG)) == f"<{QYG}>"
    assert curie(str(QYG)) == "nhsorg:QYG"
    assert curie(str(ICS.coversArea)) == "ics:coversArea"
    assert curie(BASE + "id/membership/pcn/x") is None


def test_ics_page_has_a_diagram_of_the_system(client, select):
    response = client.get("/id/ics/E54000008", headers={"Accept": BROWSER})
    html = response.get_data(as_text=True)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    for iri in ("/id/org/QYG", "/id/icp/E54000008", "/id/la/E08000015", "/id/org/RWW", "/id/org/01F"):
        assert f'href="{iri}"' in svg, iri
    trusts = select("""SELECT DISTINCT ?t WHERE {
        ?t ics:headquartersWithin|ics:partnerOfIntegratedCareBoard nhsorg:QYG }""")
    assert sum(f'href="{t["t"].replace(BASE, "/")}"' in svg for t in trusts) == len(trusts)
    assert "Wirral" in svg and "Halton" in svg


def test_ics_diagram_alone_as_svg(client):
    response = client.get("/id/ics/E54000008.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    from xml.etree import ElementTree

    root = ElementTree.fromstring(response.data)  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert 'href="http://127.0.0.1:8000/id/org/QYG"' in response.get_data(as_text=True)
    assert client.get("/id/org/QYG.svg").status_code == 404  # only systems have diagrams


def test_resource_pages_keep_the_strict_content_security_policy(client):
    csp = client.get("/id/ics/E54000008").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "default-src 'self'" in csp


def _dataset_part_page(client, select, path: str, count_query: str) -> str:
    """The page of one part of the dataset description; it shows the count the store holds."""
    html = client.get(path, headers={"Accept": BROWSER})
    assert html.status_code == 200
    text = unescape(html.get_data(as_text=True))
    assert f">{select(count_query)[0]['n']}<" in text.replace(",", "")
    return text


def test_each_link_set_has_a_page_with_its_count_and_target(client, select):
    text = _dataset_part_page(client, select, "/id/dataset/icskg/linkset/ods-seealso",
                              "SELECT (COUNT(*) AS ?n) WHERE { ?s rdfs:seeAlso ?o "
                              "FILTER(STRSTARTS(STR(?o), STR(odsrecord:))) }")
    assert "https://directory.spineservices.nhs.uk/ORD/2-0-0/" in text
    assert "Links to NHS Organisation Data Service by seeAlso" in text


def test_the_typed_ods_codes_have_a_page_with_their_count_and_identifier_system(client, select):
    text = _dataset_part_page(
        client, select, "/id/dataset/icskg/codes/ods-organization-code",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s skos:notation ?c "
        "FILTER(DATATYPE(?c) = <https://fhir.nhs.uk/Id/ods-organization-code>) }")
    assert "https://fhir.nhs.uk/Id/ods-organization-code" in text
    assert "ODS codes typed with the NHS ODS organisation code identifier system" in text
