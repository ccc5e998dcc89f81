"""``/openapi.json``: an OpenAPI 3.1 description of the HTTP API, for people and client generators."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from icskg import __version__

bp = Blueprint("openapi", __name__)

_TEXT_ERROR = {"text/plain": {"schema": {"type": "string"}}}
_RESULTS = {
    media: {"schema": {"type": "string"}}
    for media in (
        "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
        "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
        "application/rdf+xml",
    )
}
_RDF = {m: {"schema": {"type": "string"}} for m in (
    "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")}


def _error(description: str) -> dict:
    return {"description": description, "content": _TEXT_ERROR}


_QUERY_PARAMETERS = [
    {"name": "query", "in": "query", "schema": {"type": "string"},
     "description": "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE)."},
    {"name": "default-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "explode": True, "description": "Named graphs of the store to merge as the default graph."},
    {"name": "named-graph-uri", "in": "query", "schema": {"type": "array", "items": {"type": "string"}},
     "explode": True, "description": "Named graphs of the store that GRAPH patterns may match."},
    {"name": "format", "in": "query", "schema": {"type": "string"},
     "description": "Result format, overriding Accept: json, xml, csv, tsv, turtle, ntriples, jsonld, "
                    "rdfxml."},
    {"name": "timeout", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0},
     "description": "Seconds the query may run, below the server's own limit."},
]
_QUERY_RESPONSES = {
    "200": {"description": "The results. X-ICSKG-Limit names a limit that cut them short.",
            "content": _RESULTS},
    "304": {"description": "Not modified since the ETag given in If-None-Match."},
    "400": _error("The query is malformed, uses SERVICE, or a parameter is wrong."),
    "403": _error("An update: the endpoint is read-only."),
    "406": _error("None of the accepted media types can hold this result."),
    "413": _error("The request body is over the size limit."),
    "415": _error("The request body is neither a SPARQL query nor a URL-encoded form, or not UTF-8."),
    "503": _error("The query ran past its time limit, or the service is busy."),
}


def document(server: str) -> dict:
    """The OpenAPI document, with ``server`` as the base URL."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "icskg",
            "version": __version__,
            "description": "The knowledge graph of England's NHS Integrated Care Systems: a read-only "
                           "SPARQL 1.1 endpoint, linked-data pages and downloads.",
            "license": {"name": "MIT (code); Open Government Licence v3.0 (data)"},
        },
        "servers": [{"url": server}],
        "paths": {
            "/sparql": {
                "get": {
                    "summary": "Run a query, or without one get the SPARQL Service Description",
                    "parameters": _QUERY_PARAMETERS,
                    "responses": _QUERY_RESPONSES,
                },
                "post": {
                    "summary": "Run a query sent as a form or as the request body",
                    "parameters": [p for p in _QUERY_PARAMETERS if p["name"] != "query"],
                    "requestBody": {"required": True, "content": {
                        "application/sparql-query": {"schema": {"type": "string"}},
                        "application/x-www-form-urlencoded": {"schema": {
                            "type": "object", "required": ["query"],
                            "properties": {"query": {"type": "string"},
                                           "default-graph-uri": {"type": "string"},
                                           "named-graph-uri": {"type": "string"},
                                           "timeout": {"type": "string"}}}},
                    }},
                    "responses": _QUERY_RESPONSES,
                },
            },
            "/.well-known/void": {"get": {
                "summary": "VoID and DCAT description of the dataset, its graphs, link sets and dumps",
                "responses": {"200": {"description": "The description", "content": _RDF}},
            }},
            "/download/icskg.{extension}": {"get": {
                "summary": "The whole dataset",
                "parameters": [{"name": "extension", "in": "path", "required": True,
                                "schema": {"enum": ["trig", "nq"]}}],
                "responses": {"200": {"description": "The dataset"}, "404": _error("Unknown format")},
            }},
            "/download/graph/{name}.{extension}": {"get": {
                "summary": "One named graph of the dataset",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "The graph's name after /graph/, e.g. trusts"},
                    {"name": "extension", "in": "path", "required": True,
                     "schema": {"enum": ["ttl", "nt", "nq", "trig", "jsonld", "rdf"]}},
                ],
                "responses": {"200": {"description": "The graph"}, "404": _error("No such graph")},
            }},
            "/id/{path}": {"get": {
                "summary": "A resource of the graph: an HTML page, or RDF by Accept or extension",
                "parameters": [{"name": "path", "in": "path", "required": True,
                                "schema": {"type": "string"}, "example": "org/QYG"}],
                "responses": {"200": {"description": "The resource"}, "404": _error("Unknown IRI")},
            }},
            "/query": {"get": {"summary": "The query page", "responses": {"200": {"description": "HTML"}}}},
            "/search": {"get": {
                "summary": "Organisations, areas, people, documents, rules and ontology terms by name "
                           "or code, with a count for each kind (JSON by Accept or format=json)",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
                     "example": "Wirral", "description": "Words (each a prefix) or a code."},
                    {"name": "kind", "in": "query", "description": "Only results of this kind.",
                     "schema": {"enum": ["organisation", "area", "person", "document", "rule",
                                         "term", "other"]}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "format", "in": "query", "schema": {"enum": ["json"]}},
                ],
                "responses": {"200": {"description": "Results", "content": {
                    "application/json": {"schema": {"type": "object"}}, "text/html": {}}},
                    "400": _error("A bad parameter")},
            }},
            "/graph/{name}": {"get": {
                "summary": "A named graph's page (provenance, counts, downloads); RDF clients are "
                           "redirected to its Turtle download",
                "parameters": [{"name": "name", "in": "path", "required": True,
                                "schema": {"type": "string"}, "example": "icbs"}],
                "responses": {"200": {"description": "HTML"}, "303": {"description": "To the download"},
                              "404": _error("No such graph")},
            }},
            "/healthz": {"get": {
                "summary": "Whether the store answers, and the dataset version",
                "responses": {"200": {"description": "Healthy"}, "503": {"description": "No store"}},
            }},
            "/openapi.json": {"get": {"summary": "This document",
                                      "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
    }


@bp.route("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(document(request.host_url.rstrip("/")))
