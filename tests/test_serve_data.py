"""``icskg serve --data``: the files a user gives, read into the store it serves, with RDF 1.1's
blank-node scope: a blank node belongs to its document, so the same label in two files names two
nodes, and one node may sit in several named graphs of one TriG, N-Quads or JSON-LD file."""

from __future__ import annotations

from pathlib import Path

import pytest

from icskg.cli import _load_files
from icskg.store import EmbeddedStore

# One blank node in two named graphs and, as an object, in the file's default graph.
SHARED = {
    "nq": """\
_:b <urn:ex:p> "1" <urn:ex:g1> .
_:b <urn:ex:q> "2" <urn:ex:g2> .
<urn:ex:a> <urn:ex:r> _:b .
""",
    "trig": """\
<urn:ex:g1> { _:b <urn:ex:p> "1" . }
<urn:ex:g2> { _:b <urn:ex:q> "2" . }
<urn:ex:a> <urn:ex:r> _:b .
""",
    "jsonld": """\
[{"@id": "urn:ex:g1", "@graph": [{"@id": "_:b", "urn:ex:p": "1"}]},
 {"@id": "urn:ex:g2", "@graph": [{"@id": "_:b", "urn:ex:q": "2"}]},
 {"@id": "urn:ex:a", "urn:ex:r": {"@id": "_:b"}}]
""",
}

# A blank node labelled b1, named NAME: two such files are two documents, so two nodes.
LABELLED = {
    "nq": '_:b1 <urn:ex:name> "NAME" .\n',
    "trig": '_:b1 <urn:ex:name> "NAME" .\n',
    "ttl": '_:b1 <urn:ex:name> "NAME" .\n',
    "nt": '_:b1 <urn:ex:name> "NAME" .\n',
    "rdf": """\
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:ex:">
  <rdf:Description rdf:nodeID="b1"><ex:name>NAME</ex:name></rdf:Description>
</rdf:RDF>
""",
    "jsonld": '{"@id": "_:b1", "urn:ex:name": "NAME"}\n',
}


def serve_data(tmp_path: Path, *specs: str) -> EmbeddedStore:
    """The store ``icskg serve --data SPEC...`` serves (it loads the files this way first)."""
    data_dir = tmp_path / "served"
    problem = _load_files(data_dir, specs)
    assert problem is None, problem
    return EmbeddedStore(data_dir)


def rows(store: EmbeddedStore, query: str) -> list[tuple[str | None, ...]]:
    return list(store.query(query).rows())


@pytest.mark.parametrize("syntax", sorted(SHARED))
def test_a_blank_node_in_several_graphs_of_one_file_is_one_node(tmp_path, syntax):
    path = tmp_path / f"shared.{syntax}"
    path.write_text(SHARED[syntax], encoding="utf-8")
    store = serve_data(tmp_path, str(path))
    joined = rows(store, f"""SELECT ?b WHERE {{
        GRAPH <urn:ex:g1> {{ ?b <urn:ex:p> "1" }}
        GRAPH <urn:ex:g2> {{ ?b <urn:ex:q> "2" }}
        GRAPH <{path.resolve().as_uri()}> {{ <urn:ex:a> <urn:ex:r> ?b }} }}""")
    assert len(joined) == 1, joined
    assert rows(store, "SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { GRAPH ?g { "
                       "{ ?b ?p ?o } UNION { ?s ?p ?b } FILTER isBlank(?b) } }") == [("1",)]


@pytest.mark.parametrize("syntax", sorted(LABELLED))
def test_the_same_label_in_two_files_is_two_nodes(tmp_path, syntax):
    specs = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.{syntax}"
        path.write_text(LABELLED[syntax].replace("NAME", name), encoding="utf-8")
        specs.append(f"urn:ex:g={path}")
    store = serve_data(tmp_path, *specs)
    found = rows(store, "SELECT ?b ?name WHERE { GRAPH <urn:ex:g> { ?b <urn:ex:name> ?name } }")
    assert sorted(name for _, name in found) == ["one", "two"]
    assert len({b for b, _ in found}) == 2, found


def test_a_label_used_twice_in_one_file_is_one_node(tmp_path):
    path = tmp_path / "one.ttl"
    path.write_text('_:b1 <urn:ex:name> "one" .\n_:b1 <urn:ex:code> "1" .\n', encoding="utf-8")
    store = serve_data(tmp_path, str(path))
    assert rows(store, "SELECT ?code WHERE { ?b <urn:ex:name> \"one\" ; <urn:ex:code> ?code }") == [("1",)]


@pytest.mark.parametrize("name,text,message", [
    ("bad.ttl", '<urn:ex:a> <urn:ex:b> "unclosed .\n', "bad.ttl: not valid Turtle"),
    ("bad.jsonld", '{"@id": "urn:ex:a", "urn:ex:b": [', "bad.jsonld: not valid JSON-LD"),
    ("bad.csv", "a,b\n", "bad.csv: unknown RDF syntax; use one of these extensions"),
])
def test_a_file_that_cannot_be_read_is_named_and_nothing_is_served(tmp_path, name, text, message):
    good = tmp_path / "good.nt"
    good.write_text('<urn:ex:a> <urn:ex:b> "1" .\n', encoding="utf-8")
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    problem = _load_files(tmp_path / "served", (str(good), str(bad)))
    assert problem is not None and message in problem, problem
    assert not EmbeddedStore(tmp_path / "served").exists()
    assert not list((tmp_path / "served").glob("builds/.staging-*"))


def test_a_missing_file_or_a_graph_name_that_is_no_iri_is_named(tmp_path):
    good = tmp_path / "good.nt"
    good.write_text('<urn:ex:a> <urn:ex:b> "1" .\n', encoding="utf-8")
    assert "missing.nt: no such file" in _load_files(tmp_path / "served", (str(tmp_path / "missing.nt"),))
    problem = _load_files(tmp_path / "served", (f"urn:ex:a b={good}",))
    assert problem is not None and problem.startswith("urn:ex:a b: not an IRI"), problem


def test_a_load_says_where_its_time_went(tmp_path, capsys):
    """A slow ``serve --data`` (minutes at x100) names the seconds of each of its steps."""
    data = tmp_path / "data.nq"
    data.write_text(SHARED["nq"], encoding="utf-8")
    serve_data(tmp_path, str(data))
    said = capsys.readouterr().err
    assert "Loaded 1 file(s) into 3 named graph(s) in " in said
    for step in ("checksum", "bulk load", "compaction", "count", "search index"):
        assert f"{step} " in said, said
