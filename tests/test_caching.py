"""Answers carry ETag, Last-Modified and Cache-Control; a matching If-None-Match gets 304; CORS."""

from __future__ import annotations

from icskg.config import load_settings
from icskg.web import create_app

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_query_results_carry_validators_and_304_on_match(client):
    first = client.get("/sparql", query_string={"query": COUNT})
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Last-Modified"]
    assert "max-age=" in first.headers["Cache-Control"]
    again = client.get("/sparql", query_string={"query": COUNT}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag


def test_etag_differs_by_query_and_by_accept(client):
    a = client.get("/sparql", query_string={"query": COUNT}).headers["ETag"]
    b = client.get("/sparql", query_string={"query": COUNT + " LIMIT 1"}).headers["ETag"]
    c = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "text/csv"}).headers["ETag"]
    assert len({a, b, c}) == 3


def test_pages_are_cacheable_too(client):
    page = client.get("/")
    assert client.get("/", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304


def test_errors_and_health_are_not_cached(client):
    assert "ETag" not in client.get("/sparql", query_string={"query": "nonsense"}).headers
    assert "ETag" not in client.get("/healthz").headers


def test_cors_allows_any_origin_by_default(client):
    response = client.get("/sparql", query_string={"query": COUNT},
                          headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_cors_can_be_limited_or_turned_off(data_dir, store):
    limited = create_app(load_settings({"data_dir": data_dir, "cors_origins": "https://a.example"},
                                       environ={})).test_client()
    ok = limited.get("/healthz", headers={"Origin": "https://a.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert "Access-Control-Allow-Origin" not in limited.get(
        "/healthz", headers={"Origin": "https://b.example"}).headers
    off = create_app(load_settings({"data_dir": data_dir, "cors_origins": ""}, environ={})).test_client()
    assert "Access-Control-Allow-Origin" not in off.get(
        "/healthz", headers={"Origin": "https://a.example"}).headers


def test_new_code_invalidates_old_etags(client, monkeypatch):
    """A release that changes a reader, template or shape but not the data must not be answered
    with a 304 for what the old code said."""
    page = client.get("/")
    monkeypatch.setattr("icskg.web.caching.code_fingerprint", lambda: "a-newer-release")
    assert client.get("/", headers={"If-None-Match": page.headers["ETag"]}).status_code == 200


def test_the_code_fingerprint_covers_templates(tmp_path, monkeypatch):
    import shutil

    from icskg import fingerprint

    package = tmp_path / "icskg"
    shutil.copytree(fingerprint._PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "_PACKAGE_DIR", package)
    fingerprint._read.cache_clear()
    before = fingerprint.code_fingerprint()
    (package / "web" / "templates" / "home.html").write_text("changed", encoding="utf-8")
    fingerprint._read.cache_clear()
    try:
        assert fingerprint.code_fingerprint() != before
    finally:
        monkeypatch.undo()
        fingerprint._read.cache_clear()
