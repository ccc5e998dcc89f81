"""Links come from configuration, never from the Host header; and the small things of issue 17:
405 says what is allowed, HEAD /sparql works, /healthz shows no process id, the CSP limits forms
and <base>."""

from __future__ import annotations

import pytest

from icskg.config import load_settings
from icskg.web import create_app

EVIL = "evil.example"


@pytest.fixture()
def public_client(settings, store):
    configured = load_settings({"data_dir": settings.data_dir, "public_url": "https://icskg.example.org"},
                               environ={})
    return create_app(configured, store).test_client()


@pytest.mark.parametrize("path,accept", [
    ("/", "text/html"),
    ("/query", "text/html"),
    ("/sparql", "text/turtle"),  # the service description
    ("/.well-known/void", "text/turtle"),
    ("/openapi.json", "application/json"),
])
def test_links_never_come_from_the_host_header(public_client, path, accept):
    response = public_client.get(path, headers={"Host": EVIL, "X-Forwarded-Host": EVIL, "Accept": accept},
                                 follow_redirects=True)
    assert response.status_code == 200, path
    body = response.get_data(as_text=True)
    assert EVIL not in body
    if path != "/":
        assert "https://icskg.example.org" in body


def test_redirects_and_relative_iris_use_the_configured_address(public_client):
    moved = public_client.get("/sparql", headers={"Host": EVIL, "Accept": "text/html"})
    assert EVIL not in moved.headers.get("Location", "")
    answer = public_client.get("/sparql", headers={"Host": EVIL},
                               query_string={"query": "SELECT (<id/org/QYG> AS ?iri) {}"})
    assert answer.get_json()["results"]["bindings"][0]["iri"]["value"] == (
        "https://icskg.example.org/id/org/QYG")


def test_the_default_address_is_the_configured_host_and_port(client):
    body = client.get("/sparql", headers={"Host": EVIL, "Accept": "text/turtle"}).get_data(as_text=True)
    assert EVIL not in body and "http://127.0.0.1:8000/sparql" in body


def test_a_public_url_that_is_not_http_is_refused(settings, store):
    with pytest.raises(ValueError, match="ICSKG_PUBLIC_URL"):
        create_app(load_settings({"data_dir": settings.data_dir, "public_url": "javascript:x"},
                                 environ={}), store)


def test_405_names_the_allowed_methods(client):
    response = client.put("/sparql")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST", "HEAD"}


def test_head_sparql_is_answered_like_get(client):
    query = {"query": "ASK {}"}
    head = client.head("/sparql", query_string=query)
    assert head.status_code == 200
    assert head.headers["Content-Type"] == client.get("/sparql", query_string=query).headers["Content-Type"]
    assert client.head("/sparql", headers={"Accept": "text/turtle"}).status_code == 200


def test_healthz_shows_no_process_id(client):
    assert set(client.get("/healthz").get_json()) == {"status", "version"}


def test_the_csp_limits_forms_and_base(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "form-action 'self'" in policy and "base-uri 'none'" in policy
    assert "form-action 'self'" in client.get("/query").headers["Content-Security-Policy"]
