"""Input that never misleads: every bad input gets exit 2 (CLI) or 400 (web) with what to fix, and
data that loops or nests deeply is handled, never an endless recursion, a traceback or exit 1."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from icskg import resources
from icskg.cli import main
from icskg.validation import validate
from icskg.validation.board_csv import TEMPLATE_HEADER
from icskg.validation.inputs import InputError

EXAMPLES = resources.EXAMPLES_DIR
HEADER = "name,role,nominated by,appointed by,start,end\n"
GOOD_ROW = "Avery Sample,chair,NHS England,NHS England,2022-07-01,\n"
LONG = "x" * 200_000
TURTLE = (EXAMPLES / "icb-breaches.ttl").read_text(encoding="utf-8")


def _nested_jsonld(depth: int) -> bytes:
    return ('{"e:p":' * depth + '{"@id": "http://example.org/x"}' + "}" * depth).encode()


def _nested_rdfxml(depth: int) -> bytes:
    return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:e="http://example.org/"><e:n>' + "<e:p><e:n>" * depth + "</e:n></e:p>" * depth
            + "</e:n></rdf:RDF>").encode()


# (file name, bytes, what the message must say)
BAD = [
    ("empty.ttl", b"", "empty.ttl: the file is empty; there is no data to check"),
    ("blank.csv", b"\r\n  \n", "blank.csv: the file is empty"),
    ("prefixes.ttl", b"@prefix ex: <http://example.org/> .\n",
     "holds no triples, so there is no data to check"),
    ("nothing.jsonld", b"{}", "holds no triples"),
    ("board.csv", TEMPLATE_HEADER.encode() + b"\n", "has a header but no rows"),
    ("utf16-no-bom.csv", (HEADER + GOOD_ROW).encode("utf-16-le"), "UTF-16 without a byte-order mark"),
    ("utf16-no-bom.ttl", TURTLE.encode("utf-16-be"), "UTF-16 without a byte-order mark"),
    ("utf32.ttl", TURTLE.encode("utf-32"), "UTF-32"),
    ("latin.csv", (HEADER + GOOD_ROW.replace("Avery", "Zoë")).encode("cp1252"),
     "not UTF-8 text: byte 0xEB on line 2"),
    ("stray-quote.csv", (HEADER + GOOD_ROW + f'Blake Sample,"chief executive,{LONG},ICB,2022-07-01,\n'
                         + GOOD_ROW * 3).encode(), "stray-quote.csv row 3: a cell is longer than 131,072"),
    ("unclosed.csv", (HEADER + GOOD_ROW + 'Blake Sample,"chief executive,ICB,ICB,2022-07-01,\n').encode(),
     "unclosed.csv row 3: a quote (\") opened in this row is never closed"),
    ("huge-cell.csv", (HEADER + GOOD_ROW + GOOD_ROW + f"{LONG},chair,ICB,ICB,2022-07-01,\n").encode(),
     "huge-cell.csv row 4: a cell is longer than 131,072"),
    ("deep.jsonld", _nested_jsonld(50_000), "nests more than 500 levels deep"),
    ("deep.rdf", _nested_rdfxml(44_000), "nests more than 500 levels deep"),
]


def upload(client, url: str, *files: tuple[str, bytes], **fields: str):
    """A multipart upload built in memory (the test client spools big ones to a file it never closes)."""
    uploads = [("file", FileStorage(io.BytesIO(data), name)) for name, data in files]
    parts = MultiDict([*fields.items(), *uploads])
    boundary, body = encode_multipart(parts)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, ["validate", *args], input=input)


@pytest.mark.parametrize(("name", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_saying_what_to_fix(tmp_path: Path, name: str, data: bytes, message: str):
    path = tmp_path / name
    path.write_bytes(data)
    result = run(str(path))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an exception escaping


@pytest.mark.parametrize(("name", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_over_the_web_is_a_400_saying_what_to_fix(client, name: str, data: bytes, message: str):
    response = upload(client, "/validate", (name, data))
    text = response.get_data(as_text=True)
    assert response.status_code == 400, text
    assert message in text
    assert "memory" not in text


def test_an_empty_graph_is_not_a_pass():
    with pytest.raises(InputError, match="no data to check: the graph is empty"):
        validate(Graph())


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("utf-8"),
    lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    lambda text: text.encode("utf-16"),  # with its byte-order mark
    lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
], ids=["utf-8", "utf-8 with BOM", "utf-16le with BOM", "utf-16be with BOM"])
def test_every_accepted_encoding_gives_the_same_findings(tmp_path: Path, encode):
    expected = validate(EXAMPLES / "icb-breaches.ttl", "hca2022", "2024-01-01")
    path = tmp_path / "board.ttl"
    path.write_bytes(encode(TURTLE))
    report = validate(path, "hca2022", "2024-01-01")
    assert [(f.rule, f.focus) for f in report.findings] == [(f.rule, f.focus) for f in expected.findings]
    csv_text = (EXAMPLES / "icb-board.csv").read_text(encoding="utf-8")
    csv_path = tmp_path / "board.csv"
    csv_path.write_bytes(encode(csv_text))
    assert run(str(csv_path), "--as-of", "2024-01-01").exit_code == 0


def test_a_membership_that_is_its_own_member_is_reported(tmp_path: Path, client):
    cyclic = (b"@prefix org: <http://www.w3.org/ns/org#> . @prefix ics: <https://w3id.org/icskg/def/> .\n"
              b"<http://example.org/m> org:member <http://example.org/m> ; ics:odsCode \"not a code\" .\n")
    path = tmp_path / "cyclic.ttl"
    path.write_bytes(cyclic)
    result = run(str(path), "-r", "data-quality")
    assert result.exit_code == 1, result.output  # the data breaks DQ-ODS-CODE, and that is all
    assert "DQ-ODS-CODE" in result.output and "m: member" in result.output
    response = client.post("/validate?regime=data-quality", data=cyclic, content_type="text/turtle")
    assert response.status_code == 200
    assert response.get_json()["findings"][0]["focus_label"] == "m: member"


def test_deep_but_readable_data_is_validated(tmp_path: Path):
    """Nesting within the limit is read; Turtle, which pyoxigraph reads without recursing, at any depth."""
    shallow = tmp_path / "nested.jsonld"
    shallow.write_bytes(_nested_jsonld(400))
    assert run(str(shallow)).exit_code == 0
    deep = tmp_path / "deep.ttl"
    deep.write_text("<http://example.org/a> <http://example.org/p> " + "[ <http://example.org/p> " * 50_000
                    + "1" + " ]" * 50_000 + " .\n")
    result = run(str(deep))
    assert result.exit_code == 0 and "50,001 triples checked" in result.output


def test_a_failure_that_is_not_the_data_exits_2(tmp_path: Path):
    result = run(str(EXAMPLES / "icb-breaches.ttl"), "-o", str(tmp_path / "no-such-folder" / "report.txt"))
    assert result.exit_code == 2 and "No such file or directory" in result.output


def test_a_fault_in_icskg_exits_2_not_1(monkeypatch):
    """A fault inside the engine must never look like "the data breaks a rule" (exit 1)."""
    from icskg.validation import engine

    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(engine.Engine, "run", broken)
    result = run(str(EXAMPLES / "icb-breaches.ttl"))
    assert result.exit_code == 2
    assert "fault in icskg, not in the data" in result.output and "RecursionError" in result.output
