"""Issue 18: repeated /sparql requests are answered from a bounded cache of complete answers,
keyed by dataset version, query, dataset parameters and format."""

from __future__ import annotations

import pytest

from icskg.config import load_settings
from icskg.store import EmbeddedStore, GraphSource
from icskg.web import create_app

QYG = "SELECT ?p ?o WHERE { <https://w3id.org/icskg/id/org/QYG> ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}


def cache_stats(client) -> dict:
    """What this app's cache holds (each web worker has its own)."""
    return client.application.extensions["icskg.answers"].stats()


def test_a_repeat_is_answered_from_the_cache(client):
    first = client.get("/sparql", query_string={"query": QYG}, headers=JSON)
    hits = cache_stats(client)["hits"]
    again = client.get("/sparql", query_string={"query": QYG}, headers=JSON)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.headers["X-ICSKG-Cache"] == "miss" and again.headers["X-ICSKG-Cache"] == "hit"
    assert again.get_data() == first.get_data()
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert cache_stats(client)["hits"] == hits + 1


@pytest.mark.parametrize("form", ["form", "sparql-query"])
def test_post_repeats_are_answered_from_the_cache_too(client, form):
    text = QYG + f" # posted as {form}"

    def post():
        if form == "form":
            return client.post("/sparql", data={"query": text}, headers=JSON)
        return client.post("/sparql", data=text, content_type="application/sparql-query", headers=JSON)

    first, again = post(), post()
    assert first.headers["X-ICSKG-Cache"] == "miss" and again.headers["X-ICSKG-Cache"] == "hit"
    assert again.get_json() == first.get_json()


def test_another_format_or_dataset_is_not_served_the_cached_answer(client):
    text = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g # formats"
    first = client.get("/sparql", query_string={"query": text}, headers=JSON)
    assert first.headers["X-ICSKG-Cache"] == "miss"
    as_csv = client.get("/sparql", query_string={"query": text}, headers={"Accept": "text/csv"})
    assert as_csv.headers["X-ICSKG-Cache"] == "miss" and as_csv.mimetype == "text/csv"
    as_tsv = client.get("/sparql", query_string={"query": text, "format": "tsv"}, headers=JSON)
    assert as_tsv.headers["X-ICSKG-Cache"] == "miss" and as_tsv.mimetype == "text/tab-separated-values"

    union = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o } # dataset"
    everything = client.get("/sparql", query_string={"query": union}, headers=JSON)
    icbs = client.get("/sparql", query_string={"query": union, "default-graph-uri":
                                               "https://w3id.org/icskg/graph/icbs"}, headers=JSON)
    assert icbs.headers["X-ICSKG-Cache"] == "miss"
    count = [int(r.get_json()["results"]["bindings"][0]["n"]["value"]) for r in (everything, icbs)]
    assert 0 < count[1] < count[0]
    named = client.get("/sparql", query_string={"query": union, "named-graph-uri":
                                                "https://w3id.org/icskg/graph/icbs"}, headers=JSON)
    assert named.headers["X-ICSKG-Cache"] == "miss"
    assert client.get("/sparql", query_string={"query": union, "default-graph-uri":
                                                "https://w3id.org/icskg/graph/icbs"},
                      headers=JSON).headers["X-ICSKG-Cache"] == "hit"


def test_errors_and_cut_answers_are_not_kept(data_dir, store):
    app = create_app(load_settings({"data_dir": data_dir, "max_rows": 5}, environ={}),
                     EmbeddedStore(data_dir, query_processes=1))
    client = app.test_client()
    for _ in range(2):
        bad = client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x"})
        assert bad.status_code == 400 and "X-ICSKG-Cache" not in bad.headers
    cut = "SELECT ?pcn WHERE { ?pcn a <https://w3id.org/icskg/def/PrimaryCareNetwork> }"
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": cut}, headers=JSON)
        assert response.headers["X-ICSKG-Limit"] == "rows=5"
        assert response.headers["X-ICSKG-Cache"] == "miss"
    assert cache_stats(client)["entries"] == 0


def _dataset(store: EmbeddedStore, version: str, label: str) -> None:
    triple = f'<urn:x> <http://www.w3.org/2000/01/rdf-schema#label> "{label}" .\n'
    store.replace_dataset([GraphSource("urn:g", triple.encode())], {"version": version})


def test_a_rebuilt_dataset_is_never_answered_from_the_old_cache(tmp_path, settings):
    store = EmbeddedStore(tmp_path, query_processes=1)
    _dataset(store, "first", "before")
    client = create_app(settings, store).test_client()
    text = "SELECT ?l WHERE { <urn:x> ?p ?l }"

    def label() -> tuple[str, str]:
        response = client.get("/sparql", query_string={"query": text}, headers=JSON)
        return response.get_json()["results"]["bindings"][0]["l"]["value"], response.headers["X-ICSKG-Cache"]

    assert label() == ("before", "miss")
    assert label() == ("before", "hit")
    _dataset(store, "second", "after")
    assert label() == ("after", "miss")
    assert label() == ("after", "hit")
    assert cache_stats(client)["entries"] == 1, "the old version's answers were dropped"


def test_the_cache_stays_within_its_bound(data_dir, store):
    bound = 40_000
    app = create_app(load_settings({"data_dir": data_dir, "answer_cache_bytes": bound}, environ={}),
                     EmbeddedStore(data_dir, query_processes=1))
    client = app.test_client()
    sizes = []
    for i in range(40):  # each answer about 3 KB: the bound holds about a dozen
        response = client.get("/sparql", query_string={"query": f"{QYG} # {i}"}, headers=JSON)
        sizes.append(len(response.get_data()))
        stats = cache_stats(client)
        assert stats["bytes"] <= bound
    assert 3 < stats["entries"] < 40
    assert sum(sizes[-stats["entries"]:]) <= bound
    # the most recent is kept, the first was pushed out
    assert client.get("/sparql", query_string={"query": f"{QYG} # 39"},
                      headers=JSON).headers["X-ICSKG-Cache"] == "hit"
    assert client.get("/sparql", query_string={"query": f"{QYG} # 0"},
                      headers=JSON).headers["X-ICSKG-Cache"] == "miss"
    # an answer over a quarter of the bound is never kept
    big = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 2000"
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": big}, headers=JSON)
        assert len(response.get_data()) > bound // 4 and response.headers["X-ICSKG-Cache"] == "miss"
    assert cache_stats(client)["bytes"] <= bound


def test_the_cache_can_be_turned_off(data_dir, store):
    app = create_app(load_settings({"data_dir": data_dir, "answer_cache_bytes": 0}, environ={}),
                     EmbeddedStore(data_dir, query_processes=1))
    client = app.test_client()
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": QYG}, headers=JSON)
        assert response.status_code == 200 and "X-ICSKG-Cache" not in response.headers
    assert cache_stats(client)["entries"] == 0
