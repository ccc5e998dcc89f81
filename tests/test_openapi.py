"""The OpenAPI description is valid and says only what the app really serves."""

from __future__ import annotations

import re

import pytest


@pytest.fixture()
def spec(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_it_is_openapi_3_1_with_the_package_version(spec):
    from icskg import __version__

    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["version"] == __version__
    assert spec["servers"] == [{"url": "http://127.0.0.1:8000"}]


def test_it_passes_an_openapi_validator(spec):
    from openapi_spec_validator import validate

    validate(spec)


def test_every_documented_path_is_served(app, spec):
    rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()}
    for path, operations in spec["paths"].items():
        assert path in rules, f"{path} is documented but not served"
        for method in operations:
            served = {m.lower() for r in app.url_map.iter_rules()
                      if re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) == path for m in r.methods}
            assert method in served, f"{method.upper()} {path} is documented but not served"


def test_documented_statuses_are_real(client):
    assert client.get("/sparql", query_string={"query": "nonsense"}).status_code == 400
    assert client.post("/sparql", data="ASK {}", content_type="text/plain").status_code == 415
