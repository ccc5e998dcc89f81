"""Find things by name or code: a full-text index of every labelled or coded resource and every rule.

A graph engine finds ``"QYG"`` through its indexes but can only find *Wirral* inside a longer label
by reading every label, which on the x100 synthetic graph (a million labels) takes seconds. So the
labels and codes are read out of the store once per dataset version, with three SPARQL queries, into
an SQLite FTS5 index (``{data_dir}/search/{version}.sqlite``), which answers a word or prefix in
milliseconds. The index is written when the store is built or loaded, and otherwise on the first
search; it is written to a temporary file and renamed, so a reader never sees half an index.

Each result has a *kind* (organisation, area, person, document, rule, term, other), from its
types and the class hierarchy, and the label of its most specific type.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF, RDFS, SH

from icskg.namespaces import BASE, ICSH, PREFIXES, sparql_prologue
from icskg.resources import SHAPES_DIR
from icskg.store import Store

log = logging.getLogger(__name__)
KINDS = ("organisation", "area", "person", "document", "rule", "term", "other")
KIND_NAMES = {"organisation": "Organisations", "area": "Areas", "person": "People",
              "document": "Documents", "rule": "Rules", "term": "Ontology terms", "other": "Other"}
# A type under one of these classes makes its instances that kind; the first kind listed wins.
KIND_ROOTS = {
    "person": ("foaf:Person",),
    "organisation": ("org:Organization", "org:FormalOrganization", "org:OrganizationalUnit",
                     "org:OrganizationalCollaboration", "foaf:Organization"),
    "area": ("ics:Area", "dcterms:Location", "schema:Place"),
    "document": ("foaf:Document", "ics:PolicyDocument", "ics:LegislativeProvision",
                 "ics:GovernanceDocument"),
}
# The properties as VALUES, not a path of alternatives: the engine reads the same rows about a
# third faster (a path also drops a pair two properties give, which the index drops anyway).
LABELS = """SELECT ?s ?label WHERE {
  VALUES ?p { rdfs:label skos:prefLabel dcterms:title foaf:name }
  ?s ?p ?label . FILTER(isIRI(?s))
}"""
CODES = """SELECT ?s ?code WHERE {
  VALUES ?p { ics:odsCode ics:gssCode skos:notation dcterms:identifier }
  ?s ?p ?code . FILTER(isIRI(?s) && isLiteral(?code))
}"""
TYPES = "SELECT ?s ?type WHERE { ?s a ?type . FILTER(isIRI(?s) && isIRI(?type)) }"
CLASSES = """SELECT ?class ?root (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?super) AS ?depth) WHERE {
  VALUES ?root { $roots }
  ?class rdfs:subClassOf* ?root .
  OPTIONAL { ?class rdfs:subClassOf* ?super }
  OPTIONAL { ?class rdfs:label ?l FILTER(LANG(?l) IN ("", "en")) }
} GROUP BY ?class ?root"""
TYPE_LABELS = """SELECT ?class (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?super) AS ?depth) WHERE {
  ?class rdfs:label ?l . { ?class a owl:Class } UNION { ?class a rdfs:Class }
  FILTER(LANG(?l) IN ("", "en"))
  OPTIONAL { ?class rdfs:subClassOf* ?super }
} GROUP BY ?class"""
SCHEMA = """
CREATE TABLE entity (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, label TEXT NOT NULL, kind TEXT NOT NULL,
                     type_label TEXT, codes TEXT NOT NULL DEFAULT '');
CREATE VIRTUAL TABLE text USING fts5(label, codes, kind, content='',
                                     tokenize='unicode61 remove_diacritics 2');
CREATE TABLE code (code TEXT NOT NULL COLLATE NOCASE, id INTEGER NOT NULL);
"""
# What the ontology's own terms are, named here since no graph labels OWL's and SKOS's classes.
TERM_TYPES = {"owl:Class": "Class", "owl:ObjectProperty": "Object property",
              "owl:DatatypeProperty": "Datatype property", "owl:AnnotationProperty": "Annotation property",
              "skos:Concept": "Concept", "skos:ConceptScheme": "Concept scheme", "owl:Ontology": "Ontology"}
WORD = re.compile(r"\w+")
PAGE_SIZE = 20


@dataclass
class Hit:
    iri: str
    label: str
    kind: str
    type_label: str | None
    codes: list[str]
    exact: bool = False


@dataclass
class Answer:
    text: str
    counts: dict[str, int] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    kind: str | None = None
    page: int = 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shown_total(self) -> int:
        return self.counts.get(self.kind, 0) if self.kind else self.total


def index_path(data_dir: Path, version: str) -> Path:
    """Where the index of a dataset version lives; a change of its layout is a new file."""
    layout = hashlib.sha256(SCHEMA.encode()).hexdigest()[:8]
    return Path(data_dir) / "search" / f"{version}-{layout}.sqlite"


def _rows(store: Store, query: str) -> Iterator[tuple[str | None, ...]]:
    return store.query(sparql_prologue() + query).rows()


def _class_kinds(store: Store) -> dict[str, tuple[int, str]]:
    """class IRI -> (rank of its kind, kind), the first kind of :data:`KIND_ROOTS` winning."""
    order = list(KIND_ROOTS)
    roots = {_expand(c): kind for kind, curies in KIND_ROOTS.items() for c in curies}
    values = " ".join(f"<{iri}>" for iri in roots)
    kinds: dict[str, tuple[int, str]] = {}
    for cls, root, _label, _depth in _rows(store, CLASSES.replace("$roots", values)):
        if cls and root:
            kind = roots[root]
            candidate = (order.index(kind), kind)
            kinds[cls] = min(kinds.get(cls, candidate), candidate)
    return kinds


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local


def _rules() -> Iterator[tuple[str, str, str]]:
    """(IRI, label, identifier) of every shape with an identifier, from ``shapes/``."""
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    for shape in set(graph.subjects(RDF.type, SH.NodeShape)):
        identifier = graph.value(shape, DCTERMS.identifier)
        if identifier is not None and str(shape).startswith(str(ICSH)):
            label = graph.value(shape, RDFS.label)
            yield str(shape), str(label or identifier), str(identifier)


def build_index(store: Store, target: Path) -> Path:
    """Write the search index of ``store`` to ``target`` (atomically) and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                         "CREATE TEMP TABLE l (s TEXT, label TEXT); CREATE TEMP TABLE c (s TEXT, code TEXT);"
                         "CREATE TEMP TABLE t (s TEXT, type TEXT);"
                         "CREATE TEMP TABLE k (class TEXT PRIMARY KEY, rank INTEGER, kind TEXT);"
                         "CREATE TEMP TABLE tl (class TEXT PRIMARY KEY, label TEXT, depth INTEGER);" + SCHEMA)
        db.executemany("INSERT INTO l VALUES (?, ?)", _rows(store, LABELS))
        db.executemany("INSERT INTO c VALUES (?, ?)", _rows(store, CODES))
        db.executemany("INSERT INTO t VALUES (?, ?)", _rows(store, TYPES))
        db.executemany("INSERT INTO k VALUES (?, ?, ?)",
                       ((cls, rank, kind) for cls, (rank, kind) in _class_kinds(store).items()))
        db.executemany("INSERT OR IGNORE INTO tl VALUES (?, ?, ?)",
                       ((cls, label, int(depth or 0)) for cls, label, depth in _rows(store, TYPE_LABELS)))
        db.executemany("INSERT OR IGNORE INTO tl VALUES (?, ?, -1)",
                       ((_expand(c), label) for c, label in TERM_TYPES.items()))
        terms = BASE + "def/"
        db.executescript(f"""
            CREATE INDEX temp.l_s ON l(s); CREATE INDEX temp.c_s ON c(s); CREATE INDEX temp.t_s ON t(s);
            CREATE TEMP TABLE subjects AS SELECT s FROM l UNION SELECT s FROM c;
            INSERT INTO entity (iri, label, kind, type_label, codes)
            SELECT s.s,
                   COALESCE((SELECT label FROM l WHERE l.s = s.s ORDER BY length(label) LIMIT 1),
                            (SELECT code FROM c WHERE c.s = s.s LIMIT 1)),
                   CASE WHEN s.s LIKE '{terms}%' THEN 'term'
                        ELSE COALESCE((SELECT k.kind FROM t JOIN k ON k.class = t.type
                                       WHERE t.s = s.s ORDER BY k.rank LIMIT 1), 'other') END,
                   (SELECT tl.label FROM t JOIN tl ON tl.class = t.type WHERE t.s = s.s
                    ORDER BY tl.depth DESC, tl.label LIMIT 1),
                   COALESCE((SELECT group_concat(DISTINCT code) FROM c WHERE c.s = s.s), '')
            FROM subjects s;
            INSERT INTO text (rowid, label, codes, kind)
            SELECT e.id, (SELECT group_concat(DISTINCT label) FROM l WHERE l.s = e.iri), e.codes, e.kind
            FROM entity e;
            INSERT INTO code SELECT c.code, e.id FROM c JOIN entity e ON e.iri = c.s;
        """)
        for iri, label, identifier in _rules():
            cursor = db.execute("INSERT INTO entity (iri, label, kind, type_label, codes) "
                                "VALUES (?, ?, 'rule', 'Rule', ?)", (iri, label, identifier))
            db.execute("INSERT INTO text (rowid, label, codes, kind) VALUES (?, ?, ?, 'rule')",
                       (cursor.lastrowid, label, identifier))
            db.execute("INSERT INTO code VALUES (?, ?)", (identifier, cursor.lastrowid))
        db.executescript("CREATE INDEX code_code ON code(code);"
                         "CREATE INDEX entity_label ON entity(label COLLATE NOCASE);"
                         "INSERT INTO text(text) VALUES('optimize');")
        db.commit()
    finally:
        db.close()
    os.replace(partial, target)
    _prune(target)
    return target


def _prune(keep: Path, newest: int = 3) -> None:
    """Remove all but the ``newest`` few indexes (older dataset versions)."""
    indexes = sorted(keep.parent.glob("*.sqlite"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in indexes[newest:]:
        if old != keep:
            old.unlink(missing_ok=True)


def ensure_index(store: Store, data_dir: Path) -> Path:
    """The index of the store's current version, built first if there is none (one builder at a
    time: the others wait for it, then use its file). For ``build`` and ``serve``, before serving."""
    target = index_path(data_dir, store.info()["version"])
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.is_file():
            build_index(store, target)
    return target


def ready_index(store: Store, data_dir: Path) -> Path | None:
    """The index of the store's current version, or None while it is being built. A missing index
    (a store filled some other way, a remote server) is built in a background thread of one
    process, so no request waits for it (on a large graph that would outlast a worker's time)."""
    target = index_path(data_dir, store.info()["version"])
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = open(target.parent / ".lock", "w")  # held, then closed, by the builder thread
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()  # another process or thread is building it
        return None
    if target.is_file():
        lock.close()
        return target

    def build() -> None:
        try:
            build_index(store, target)
        except Exception:
            log.exception("the search index could not be built")
        finally:
            lock.close()

    threading.Thread(target=build, name="search-index", daemon=True).start()
    return None


def fts_query(text: str) -> str | None:
    """Every word of ``text`` as a prefix of a word of a label or code, all required
    (``{label codes} : ("wirr"*)``); None if it has no words."""
    words = WORD.findall(text.casefold())
    return "{label codes} : (" + " ".join(f'"{w}"*' for w in words[:12]) + ")" if words else None


class Index:
    """A read-only connection to one index file (one per thread: SQLite connections are not shared).

    Every step is one of the index's own lookups, so a common word costs little more on the
    x100 graph than on the real one: counts by kind are seven full-text counts (the kind is a
    column of the full-text index), exact codes and names come from B-tree indexes, and the
    rest of a page is the full-text index's own ranking with a LIMIT.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def close(self) -> None:
        self.db.close()

    def _count(self, match: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM text WHERE text MATCH ?", (match,)).fetchone()[0]

    def search(self, text: str, kind: str | None = None, page: int = 1,
               page_size: int = PAGE_SIZE) -> Answer:
        """Matches of ``text`` by kind (counts) and one page of them: exact codes, then exact
        names, then the rest by relevance."""
        answer = Answer(text=text, kind=kind, page=page)
        match = fts_query(text)
        if match is None:
            return answer
        counts = {k: self._count(f"{match} AND kind : {k}") for k in KINDS}
        answer.counts = {k: n for k, n in counts.items() if n}
        scope = match if kind is None else f"{match} AND kind : {kind}"
        wanted = text.strip()
        same_kind = "" if kind is None else " AND e.kind = ?"
        params = () if kind is None else (kind,)
        exact = [row[0] for row in self.db.execute(
            "SELECT c.id FROM code c JOIN entity e ON e.id = c.id WHERE c.code = ?" + same_kind +
            " UNION ALL SELECT e.id FROM entity e WHERE e.label = ? COLLATE NOCASE" + same_kind,
            (wanted, *params, wanted, *params))]
        exact = list(dict.fromkeys(exact))  # codes first, then names, each once
        first, last = (page - 1) * page_size, page * page_size
        ids = exact[first:last]
        if len(ids) < page_size:
            skip = ",".join(str(i) for i in exact) or "0"
            ids += [row[0] for row in self.db.execute(
                f"SELECT rowid FROM text WHERE text MATCH ? AND rowid NOT IN ({skip}) "
                "ORDER BY rank LIMIT ? OFFSET ?",
                (scope, page_size - len(ids), max(0, first - len(exact))))]
        rows = {row[0]: row for row in self.db.execute(
            f"SELECT id, iri, label, kind, type_label, codes FROM entity WHERE id IN "
            f"({','.join('?' * len(ids))})", ids)} if ids else {}
        exact_codes = set(exact) & {row[0] for row in self.db.execute(
            "SELECT id FROM code WHERE code = ?", (wanted,))}
        answer.hits = [Hit(iri, label, k, type_label, [c for c in codes.split(",") if c], id_ in exact_codes)
                       for id_, iri, label, k, type_label, codes in (rows[i] for i in ids if i in rows)]
        return answer


def kinds_of(counts: dict[str, int]) -> Iterable[tuple[str, str, int]]:
    """(kind, its name, count) in display order."""
    return ((k, KIND_NAMES[k], counts[k]) for k in KINDS if k in counts)
