"""What the page of one resource shows: its label, types, properties, inbound links, provenance.

Every query here takes the resource's IRI only through :func:`iri_ref`, which refuses anything that
is not a well-formed IRI, so text from a URL can never change a query's meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from string import Template
from urllib.parse import urlsplit

import pyoxigraph as ox

from icskg.links import TARGETS, target_of
from icskg.namespaces import BASE, ICS, PREFIXES, sparql_prologue
from icskg.store import Store

# Characters IRIREF excludes (SPARQL 1.1 grammar [139]); pyoxigraph checks the rest of RFC 3987.
NOT_IN_IRIREF = re.compile(r'[\x00-\x20<>"{}|^`\\]')
LOCAL_NAME = re.compile(r"[A-Za-z0-9_][\w.-]*")
INBOUND_SHOWN = 25
# Properties whose values go in the header rather than the property table.
HEADER_PROPERTIES = {PREFIXES["rdf"] + "type", PREFIXES["rdfs"] + "label"}
LABEL_PREFERENCE = ('"", "en", "en-gb"')
# Sites outside icskg's link targets (icskg.links) that still get a name of their own.
SITES = {
    "legislation.gov.uk": "legislation.gov.uk",
    "odsportal.digital.nhs.uk": "NHS Organisation Data Service",
}
PUBLISHER_ORDER = [t.publisher for t in TARGETS]


class InvalidIRI(ValueError):
    """The text is not an IRI that may appear in a query."""


def iri_ref(iri: str) -> str:
    """``<iri>`` for use in a query, after checking that ``iri`` is a well-formed absolute IRI."""
    if NOT_IN_IRIREF.search(iri):
        raise InvalidIRI(f"{iri!r} contains a character not allowed in an IRI.")
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise InvalidIRI(f"{iri!r} is not a valid IRI: {exc}") from None
    return f"<{iri}>"


def curie(iri: str) -> str | None:
    """``prefix:local`` for ``iri`` when one of the icskg prefixes fits it, else None."""
    best = None
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and LOCAL_NAME.fullmatch(iri[len(namespace):]):
            if best is None or len(namespace) > len(PREFIXES[best]):
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else None


def humanise(iri: str) -> str:
    """A readable name from an IRI's last segment: ``hasMember`` -> ``has member``."""
    name = re.split(r"[/#]", iri.rstrip("/#"))[-1] or iri
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()


def is_ours(iri: str) -> bool:
    """True for IRIs this server has pages for (``/id/``, ``/def/``, ``/graph/``, ``/shapes/``)."""
    return iri.startswith((BASE + "id/", BASE + "def/", BASE + "graph/", BASE + "shapes/"))


@dataclass
class Value:
    """One object of a property: an IRI (with its label), a literal, or a blank node."""

    kind: str  # "iri", "literal" or "blank"
    text: str
    iri: str | None = None
    label: str | None = None
    lang: str | None = None
    datatype: str | None = None
    children: list[Property] = field(default_factory=list)

    @property
    def ours(self) -> bool:
        return self.iri is not None and is_ours(self.iri)

    @property
    def linkable(self) -> bool:
        """Only web addresses become links (never ``javascript:`` or other schemes from the data)."""
        return self.iri is not None and self.iri.startswith(("http://", "https://"))

    @property
    def site(self) -> str | None:
        """Who publishes the resource: a link target's publisher, else a named site or the host."""
        if self.iri is None or self.ours:
            return None
        target = target_of(self.iri)
        if target is not None:
            return target.publisher
        host = urlsplit(self.iri).hostname or ""
        return SITES.get(host, host)


@dataclass
class Property:
    iri: str
    label: str
    values: list[Value] = field(default_factory=list)
    count: int = 0
    """Inbound only: how many subjects link here with this property (``values`` is a sample)."""

    @property
    def curie(self) -> str | None:
        return curie(self.iri)

    @property
    def ours(self) -> bool:
        return is_ours(self.iri)


@dataclass
class SourceTable:
    iri: str
    title: str | None
    vintage: str | None
    licence: str | None
    completeness: str | None
    doubts: list[str] = field(default_factory=list)


@dataclass
class GraphProvenance:
    iri: str
    label: str | None
    tables: list[SourceTable] = field(default_factory=list)


@dataclass
class Description:
    iri: str
    label: str
    types: list[Value]
    properties: list[Property]
    inbound: list[Property]
    provenance: list[GraphProvenance]
    links_out: list[Value]

    def has_type(self, type_iri: str) -> bool:
        return any(t.iri == type_iri for t in self.types)

    @property
    def links_by_publisher(self) -> list[tuple[str, list[Value]]]:
        """The links out grouped by who publishes them: icskg's link targets first, in the
        order of icskg.links, then other sites by name."""
        groups: dict[str, list[Value]] = {}
        for value in self.links_out:
            groups.setdefault(value.site or "", []).append(value)

        def rank(site: str) -> tuple[int, str]:
            known = site in PUBLISHER_ORDER
            return (PUBLISHER_ORDER.index(site) if known else len(PUBLISHER_ORDER), site.casefold())

        return [(site, groups[site]) for site in sorted(groups, key=rank)]


# The kind of term ?o is, as a plain string (stores spell boolean results differently).
KIND = 'IF(isIRI(?o), "iri", IF(isBlank(?o), "blank", "literal"))'
EXISTS = Template("ASK { { $this ?p ?o } UNION { ?s ?p $this } }")
HAS_TYPE = Template("ASK { $this a $type }")
OUTGOING = Template(f"""
SELECT ?p ?o ?kind ?datatype ?lang (SAMPLE(?pl) AS ?plabel) (SAMPLE(?ol) AS ?olabel) WHERE {{
  $this ?p ?o .
  BIND({KIND} AS ?kind) BIND(DATATYPE(?o) AS ?datatype) BIND(LANG(?o) AS ?lang)
  OPTIONAL {{ ?p rdfs:label ?pl FILTER(LANG(?pl) IN ({LABEL_PREFERENCE})) }}
  OPTIONAL {{ ?o rdfs:label ?ol FILTER(LANG(?ol) IN ({LABEL_PREFERENCE})) }}
}} GROUP BY ?p ?o ?kind ?datatype ?lang
""")
BLANK_CHILDREN = Template(f"""
SELECT ?b ?p ?o ?kind ?datatype ?lang (SAMPLE(?pl) AS ?plabel) (SAMPLE(?ol) AS ?olabel) WHERE {{
  $this ?via ?b . FILTER(isBlank(?b))
  ?b ?p ?o .
  BIND({KIND} AS ?kind) BIND(DATATYPE(?o) AS ?datatype) BIND(LANG(?o) AS ?lang)
  OPTIONAL {{ ?p rdfs:label ?pl FILTER(LANG(?pl) IN ({LABEL_PREFERENCE})) }}
  OPTIONAL {{ ?o rdfs:label ?ol FILTER(LANG(?ol) IN ({LABEL_PREFERENCE})) }}
}} GROUP BY ?b ?p ?o ?kind ?datatype ?lang
""")
INBOUND_COUNTS = Template(f"""
SELECT ?p (SAMPLE(?pl) AS ?plabel) (COUNT(DISTINCT ?s) AS ?n) WHERE {{
  ?s ?p $this . FILTER(!isBlank(?s))
  OPTIONAL {{ ?p rdfs:label ?pl FILTER(LANG(?pl) IN ({LABEL_PREFERENCE})) }}
}} GROUP BY ?p ORDER BY ?p
""")
INBOUND_SAMPLE = Template(f"""
SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{
  ?s $property $this . FILTER(!isBlank(?s))
  OPTIONAL {{ ?s rdfs:label ?l FILTER(LANG(?l) IN ({LABEL_PREFERENCE})) }}
}} GROUP BY ?s ORDER BY ?label ?s LIMIT {INBOUND_SHOWN}
""")
# Sorting thousands of subjects takes the engine most of a second: past this many, show a few
# in the store's own order (the query page lists them all, sorted).
INBOUND_SAMPLE_UNSORTED = Template(f"""
SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{
  {{ SELECT DISTINCT ?s WHERE {{ ?s $property $this . FILTER(!isBlank(?s)) }} LIMIT {INBOUND_SHOWN} }}
  OPTIONAL {{ ?s rdfs:label ?l FILTER(LANG(?l) IN ({LABEL_PREFERENCE})) }}
}} GROUP BY ?s
""")
SORT_BY_LABEL_UP_TO = 1000
INBOUND_ALL = Template("""SELECT ?s ?label WHERE {
  ?s $property $this .
  OPTIONAL { ?s rdfs:label ?label }
} ORDER BY ?label""")
PROVENANCE = Template("""
SELECT ?g ?glabel ?table ?title ?vintage ?licence ?completeness ?doubt WHERE {
  { SELECT DISTINCT ?g WHERE {
      { GRAPH ?g { $this ?p ?o } }
      UNION  # a resource only referred to: the graphs that refer to it
      { GRAPH ?g { ?s ?p $this } FILTER NOT EXISTS { $this ?q ?r } }
  } }
  GRAPH graph:meta {
    OPTIONAL { ?g rdfs:label ?glabel }
    OPTIONAL {
      ?g prov:wasDerivedFrom ?table .
      # A source is described in graph:meta (tables) or in the graph it feeds (documents).
      OPTIONAL { GRAPH ?g1 { ?table dcterms:title ?title } }
      OPTIONAL { GRAPH ?g2 { ?table ics:vintage ?vintage } }
      OPTIONAL { GRAPH ?g3 { ?table dcterms:license|dcterms:rights ?licence } }
      OPTIONAL { GRAPH ?g4 { ?table ics:completeness ?completeness } }
      OPTIONAL { GRAPH ?g5 { ?table ics:doubt ?doubt } }
    }
  }
} ORDER BY ?g ?table
""")
# Links out of the areas a body covers count as the body's own (an ICB's ONS area code).
AREA_LINKS = Template(f"""
SELECT DISTINCT ?o (SAMPLE(?ol) AS ?olabel) WHERE {{
  $this <{ICS.coversArea}> ?area . ?area ?p ?o . FILTER(isIRI(?o) && !STRSTARTS(STR(?o), "{BASE}"))
  FILTER(?p != rdf:type)
  OPTIONAL {{ ?o rdfs:label ?ol }}
}} GROUP BY ?o
""")


def _select(store: Store, template: Template, **iris: str) -> list[dict[str, str | None]]:
    query = sparql_prologue() + template.substitute({k: iri_ref(v) for k, v in iris.items()})
    result = store.query(query)
    names = result.variables()
    return [dict(zip(names, row, strict=True)) for row in result.rows()]


def _ask(store: Store, query: str) -> bool:
    return next(store.query(query).rows())[0] in ("true", "1")


def exists(store: Store, iri: str) -> bool:
    return _ask(store, EXISTS.substitute(this=iri_ref(iri)))


def has_type(store: Store, iri: str, type_iri: str) -> bool:
    return _ask(store, HAS_TYPE.substitute(this=iri_ref(iri), type=iri_ref(type_iri)))


def _value(row: dict[str, str | None]) -> Value:
    text = row["o"] or ""
    if row.get("kind") == "iri":
        return Value("iri", text, iri=text, label=row.get("olabel"))
    if row.get("kind") == "blank":
        return Value("blank", text)
    datatype = row.get("datatype")
    plain = datatype in (None, PREFIXES["xsd"] + "string", PREFIXES["rdf"] + "langString")
    return Value("literal", text, lang=row.get("lang") or None,
                 datatype=None if plain else (curie(datatype) or datatype))


def _group(rows: list[dict[str, str | None]]) -> list[Property]:
    """Rows of (?p, ?o, ...) as properties with their values, ours first, then by label."""
    by_iri: dict[str, Property] = {}
    for row in rows:
        p = row["p"] or ""
        prop = by_iri.setdefault(p, Property(p, row.get("plabel") or humanise(p)))
        prop.values.append(_value(row))
    for prop in by_iri.values():
        prop.values.sort(key=lambda v: ((v.label or v.text).casefold(), v.text))
    return sorted(by_iri.values(), key=lambda p: (not p.ours, p.label.casefold()))


def _title(iri: str, properties: list[Property]) -> str:
    for wanted in (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel",
                   PREFIXES["foaf"] + "name", PREFIXES["dcterms"] + "title",
                   PREFIXES["skos"] + "notation"):
        for prop in properties:
            if prop.iri == wanted and prop.values:
                preferred = [v for v in prop.values if v.lang in (None, "en", "en-gb")]
                return (preferred or prop.values)[0].text
    return iri.rsplit("/", 1)[-1]


def describe(store: Store, iri: str) -> Description:
    """Everything the resource page shows about ``iri`` (which must exist)."""
    properties = _group(_select(store, OUTGOING, this=iri))
    children: dict[str, list[dict[str, str | None]]] = {}
    if any(v.kind == "blank" for p in properties for v in p.values):
        for row in _select(store, BLANK_CHILDREN, this=iri):
            children.setdefault(row["b"] or "", []).append(row)
        for prop in properties:
            for value in prop.values:
                if value.kind == "blank":
                    value.children = _group(children.get(value.text, []))

    types = next((p.values for p in properties if p.iri == PREFIXES["rdf"] + "type"), [])
    shown = [p for p in properties if p.iri not in HEADER_PROPERTIES]

    inbound = []
    for row in _select(store, INBOUND_COUNTS, this=iri):
        prop = Property(row["p"] or "", row.get("plabel") or humanise(row["p"] or ""),
                        count=int(row["n"] or 0))
        sample = INBOUND_SAMPLE if prop.count <= SORT_BY_LABEL_UP_TO else INBOUND_SAMPLE_UNSORTED
        for s in _select(store, sample, this=iri, property=prop.iri):
            prop.values.append(Value("iri", s["s"] or "", iri=s["s"], label=s.get("label")))
        inbound.append(prop)
    inbound.sort(key=lambda p: (-p.count, p.label.casefold()))

    links_out = [v for p in shown for v in p.values if v.kind == "iri" and v.linkable and not v.ours
                 and p.iri != PREFIXES["rdf"] + "type"]
    seen = {v.iri for v in links_out}
    for row in _select(store, AREA_LINKS, this=iri):
        value = Value("iri", row["o"] or "", iri=row["o"], label=row.get("olabel"))
        if value.iri not in seen and value.linkable:
            links_out.append(value)

    return Description(iri, _title(iri, properties), types, shown, inbound,
                       _provenance(store, iri), links_out)


def inbound_query(iri: str, property_iri: str) -> str:
    """The query that lists every subject linking to ``iri`` with ``property_iri`` (for the query page)."""
    return INBOUND_ALL.substitute(this=iri_ref(iri), property=iri_ref(property_iri))


def _provenance(store: Store, iri: str) -> list[GraphProvenance]:
    graphs: dict[str, GraphProvenance] = {}
    tables: dict[tuple[str, str], SourceTable] = {}
    for row in _select(store, PROVENANCE, this=iri):
        g = row["g"] or ""
        graph = graphs.setdefault(g, GraphProvenance(g, row.get("glabel")))
        if not row.get("table"):
            continue
        key = (g, row["table"] or "")
        table = tables.get(key)
        if table is None:
            table = tables[key] = SourceTable(row["table"] or "", row.get("title"), row.get("vintage"),
                                              row.get("licence"), row.get("completeness"))
            graph.tables.append(table)
        if row.get("doubt") and row["doubt"] not in table.doubts:
            table.doubts.append(row["doubt"] or "")
    return list(graphs.values())
