"""Finding things without SPARQL, over HTTP: the header on every page, search by name or code,
classes and their instances page by page, named graphs' pages, downloads and the rules."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from icskg import search
from icskg.namespaces import BASE, GRAPH, ICS
from icskg.web.browse import PAGE_SIZE

SECTIONS = ["Query", "Browse", "Ontology", "Validate", "Compliance", "Downloads", "API"]


class Links(HTMLParser):
    """The links of a page: (href, text), and which element id they sit under."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, tuple[str, ...]]] = []
        self._open: list[str] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self._href, self._text = attrs.get("href"), ""
        elif tag not in ("br", "img", "input", "link", "meta"):
            self._open.append(attrs.get("id") or "")

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join(self._text.split()), tuple(self._open)))
            self._href = None
        elif tag not in ("br", "img", "input", "link", "meta") and self._open:
            self._open.pop()

    def handle_data(self, data):
        if self._href is not None:
            self._text += data


def links(html: str, under: str | None = None) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(html)
    return [(h, t) for h, t, ids in parser.links if under is None or under in ids]


def html(client, url: str) -> str:
    answer = client.get(url, headers={"Accept": "text/html"})
    assert answer.status_code == 200, (url, answer.get_data(as_text=True)[:300])
    return answer.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/query", "/def/", "/validate", "/id/org/QYG", "/browse",
                                 "/search?q=wirral", "/graph/icbs", "/downloads", "/shapes/",
                                 "/browse/IntegratedCareBoard", "/id/nothing-here"])
def test_every_page_has_the_site_header_and_its_links_answer(client, url):
    answer = client.get(url, headers={"Accept": "text/html"})
    nav = links(answer.get_data(as_text=True), under="site-nav")
    assert [text for _, text in nav] == SECTIONS
    assert 'id="site-search"' in answer.get_data(as_text=True)
    if url == "/":
        for href, text in nav:
            if href != "/compliance":  # computed from the whole graph: its own tests cover it
                answer = client.get(href.split("#")[0], headers={"Accept": "text/html"})
                assert answer.status_code == 200, text


def test_home_page_links_classes_and_graphs(client, select):
    page = html(client, "/")
    hrefs = {h for h, _ in links(page)}
    assert "/browse/IntegratedCareBoard" in hrefs and "/def/IntegratedCareBoard" in hrefs
    graphs = [row["g"] for row in select("SELECT ?g WHERE { GRAPH graph:meta { ?g a prov:Entity } }")]
    assert len(graphs) >= 8
    for graph in graphs:
        assert "/" + graph[len(BASE):] in hrefs
        assert client.get("/" + graph[len(BASE):], headers={"Accept": "text/html"}).status_code == 200


# -- search -------------------------------------------------------------------------------------

def found(client, text: str, **params) -> dict:
    answer = client.get("/search", query_string={"q": text, "format": "json", **params})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def test_search_by_name_finds_each_kind_of_thing_with_counts(client, select):
    answer = found(client, "Wirral")
    assert answer["results"][0]["iri"] in (BASE + "id/area/E08000015", BASE + "id/la/E08000015")
    assert answer["total"] == sum(answer["counts"].values())
    assert answer["counts"]["area"] >= 1 and answer["counts"]["organisation"] >= 1
    # Everything whose name or code has a word starting "wirral", by the graph itself:
    expected = select("""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
      ?s rdfs:label|skos:prefLabel|dcterms:title|foaf:name|ics:odsCode|ics:gssCode|skos:notation
         |dcterms:identifier ?l
      FILTER(isIRI(?s) && REGEX(STR(?l), "(^|[^A-Za-z0-9])wirral", "i")) }""")
    assert answer["total"] == int(expected[0]["n"])


@pytest.mark.parametrize("text, iri, kind", [
    ("qyg", BASE + "id/org/QYG", "organisation"),
    ("E08000015", BASE + "id/area/E08000015", "area"),
    ("icb-const-exists", BASE + "shapes/ICBHasOneConstitutionInForce", "rule"),
    ("Integrated Care Board", str(ICS.IntegratedCareBoard), "term"),
])
def test_search_by_code_or_term_puts_the_match_first(client, text, iri, kind):
    answer = found(client, text)
    first = answer["results"][0]
    assert (first["iri"], first["kind"]) == (iri, kind) or any(
        r["iri"] == iri and r["kind"] == kind for r in answer["results"][:3])


def test_search_finds_people_and_documents(client, select):
    person = select("SELECT ?p ?name WHERE { ?p a foaf:Person ; foaf:name|rdfs:label ?name } LIMIT 1")[0]
    people = found(client, person["name"], kind="person")
    assert person["p"] in [r["iri"] for r in people["results"]]
    assert all(r["kind"] == "person" for r in people["results"])
    assert found(client, "Health and Care Act")["counts"].get("document", 0) >= 1


def test_search_pages_and_filters_by_kind(client):
    everything = found(client, "nhs")
    organisations = everything["counts"]["organisation"]
    assert organisations > search.PAGE_SIZE
    first = found(client, "nhs", kind="organisation")
    second = found(client, "nhs", kind="organisation", page=2)
    assert len(first["results"]) == search.PAGE_SIZE
    assert {r["kind"] for r in first["results"] + second["results"]} == {"organisation"}
    assert not {r["iri"] for r in first["results"]} & {r["iri"] for r in second["results"]}


def test_search_page_shows_typed_results_and_says_when_nothing_is_found(client):
    page = html(client, "/search?q=Wirral")
    assert re.search(r"\d+ results? for\s+<strong>Wirral</strong>", page)
    assert 'data-kind="area"' in page and 'href="/id/area/E08000015"' in page
    page = html(client, "/search?q=zzqqxx")
    assert "Nothing is called or coded" in page


@pytest.mark.parametrize("query, message", [
    ({"q": "x", "kind": "planet"}, "kind= must be one of"),
    ({"q": "x", "page": "0"}, "page= must be a whole number"),
    ({"q": "x" * 201}, "at most 200 characters"),
])
def test_search_refuses_bad_parameters_with_a_clear_400(client, query, message):
    answer = client.get("/search", query_string=query)
    assert answer.status_code == 400 and message in answer.get_data(as_text=True)


def test_search_ignores_query_syntax_in_the_text(client):
    for text in ['"', "NEAR(", "a OR", "*", "-", "QYG)"]:
        assert client.get("/search", query_string={"q": text, "format": "json"}).status_code == 200


# -- browse -------------------------------------------------------------------------------------

def test_browse_lists_classes_with_their_counts(client, select):
    page = html(client, "/browse")
    count = int(select("SELECT (COUNT(?i) AS ?n) WHERE { ?i a ics:GPPractice }")[0]["n"])
    assert re.search(r'href="/browse/GPPractice">GP Practice</a>.*?' + f"{count:,}", page, re.S)


def test_a_class_lists_its_instances_page_by_page(client, select):
    practices = {r["p"] for r in select("SELECT ?p WHERE { ?p a ics:GPPractice }")}
    page = html(client, "/browse/GPPractice")
    assert f"{len(practices):,} in the graph" in page
    pages = -(-len(practices) // PAGE_SIZE)
    seen: list[str] = []
    for number in (1, 2, pages):
        listed = [BASE + h[1:] for h, _ in links(html(client, f"/browse/GPPractice?page={number}"),
                                                 under="instances")]
        assert len(listed) == (PAGE_SIZE if number < pages else len(practices) - PAGE_SIZE * (pages - 1))
        seen += listed
    assert len(set(seen)) == len(seen) and set(seen) <= practices
    assert client.get(f"/browse/GPPractice?page={pages + 1}").status_code == 404
    assert client.get("/browse/GPPractice?page=x").status_code == 400


def test_instances_are_sorted_by_name(client):
    names = [t for _, t in links(html(client, "/browse/IntegratedCareBoard"), under="instances")]
    assert len(names) == 42 and names == sorted(names, key=str.casefold)


# -- graphs, downloads, rules -------------------------------------------------------------------

def test_a_graph_page_gives_provenance_counts_and_downloads(client, select, store):
    page = html(client, "/graph/icbs")
    triples = store.info()["graph_triples"][str(GRAPH.icbs)]
    assert f"{triples:,}" in page
    assert "icb.csv" in page or "/id/source/icb.csv" in page
    icbs = int(select("SELECT (COUNT(?i) AS ?n) WHERE { GRAPH graph:icbs { ?i a ics:IntegratedCareBoard } }"
                      )[0]["n"])
    assert re.search(r"Integrated Care Board.*?" + str(icbs), page, re.S)
    downloads = [h for h, _ in links(page, under="graph-downloads")]
    assert len(downloads) == 6
    turtle = client.get(downloads[0])
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"


def test_a_graph_iri_sends_rdf_clients_to_its_download(client):
    answer = client.get("/graph/icbs", headers={"Accept": "text/turtle"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/download/graph/icbs.ttl")
    assert client.get("/graph/nothing", headers={"Accept": "text/html"}).status_code == 404


def test_downloads_page_links_every_graph(client, store):
    page = html(client, "/downloads")
    for graph in store.graphs():
        assert f'href="/{graph[len(BASE):]}"' in page


def test_rules_are_listed_and_each_has_a_page(client):
    page = html(client, "/shapes/")
    rules = [h for h, _ in links(page) if h.startswith("/shapes/") and h != "/shapes/"]
    assert len(rules) >= 60
    rule = html(client, "/shapes/ICBHasOneConstitutionInForce")
    assert "ICB-CONST-EXISTS" in rule and "legislation.gov.uk" in rule
    assert client.get("/shapes/NoSuchRule").status_code == 404


def test_a_missing_index_is_built_in_the_background_and_search_says_so_meanwhile(store, tmp_path):
    """A store filled some other way has no index yet: the first search starts building it and
    answers 503 with Retry-After, never a request that waits minutes; then searches answer."""
    import time

    from icskg.config import load_settings
    from icskg.web import create_app

    client = create_app(load_settings({"data_dir": tmp_path}, environ={}), store).test_client()
    first = client.get("/search", query_string={"q": "QYG", "format": "json"})
    assert first.status_code == 503 and first.headers["Retry-After"]
    assert "being built" in first.get_data(as_text=True)
    target = search.index_path(tmp_path, store.info()["version"])
    deadline = time.monotonic() + 300
    while not target.is_file():  # waits for the builder; fails only if it never finishes
        assert time.monotonic() < deadline, "the index was never built"
        time.sleep(0.2)
    answer = client.get("/search", query_string={"q": "QYG", "format": "json"})
    assert answer.status_code == 200 and answer.get_json()["results"][0]["iri"].endswith("/id/org/QYG")


def test_class_counts_agree_with_counting_distinct_instances(client, select):
    """The pages count with COUNT(*) (a second at x100 instead of a minute): each instance once."""
    expected = {r["c"]: int(r["n"]) for r in select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c")}
    page = html(client, "/browse")
    shown = dict(re.findall(r'<code>ics:(\w+)</code></a></td>\s*<td class="n">([\d,]+)</td>', page))
    assert len(shown) > 40
    for local, count in shown.items():
        assert int(count.replace(",", "")) == expected[str(ICS._NS) + local], local
