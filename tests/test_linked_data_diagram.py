"""The system diagram is a picture people can read: every box inside the picture, none overlapping."""

from __future__ import annotations

from itertools import combinations
from xml.etree import ElementTree

import pytest

from icskg.web import ics_diagram
from icskg.web.ics_diagram import Node, Place, System, Trust

SVG = "{http://www.w3.org/2000/svg}"


def boxes(svg: str) -> list[tuple[str, float, float, float, float]]:
    """(link, x, y, width, height) of every linked box (the first rect inside each link)."""
    found = []
    for link in ElementTree.fromstring(svg).iter(SVG + "a"):
        rect = link.find(SVG + "rect")
        if rect is not None:
            found.append((link.get("href"), *(float(rect.get(k)) for k in ("x", "y", "width", "height"))))
    return found


def assert_readable(svg: str) -> None:
    root = ElementTree.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    found = boxes(svg)
    for href, x, y, w, h in found:
        assert 0 <= x and x + w <= width and 0 <= y and y + h <= height, f"{href} outside the picture"
    for a, b in combinations(found, 2):
        apart = a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1] or a[2] + a[4] <= b[2] or b[2] + b[4] <= a[2]
        assert apart, f"{a[0]} overlaps {b[0]}"


def test_every_systems_diagram_is_readable(store, select):
    systems = [r["s"] for r in select("SELECT ?s WHERE { ?s a ics:IntegratedCareSystem }")]
    assert len(systems) == 42
    for iri in systems:
        system = ics_diagram.gather(store, iri)
        svg = str(ics_diagram.draw(system, lambda i: i))
        assert_readable(svg)
        linked = {href for href, *_ in boxes(svg)}
        expected = {iri, system.icb.iri, system.icp.iri} | {n.iri for n in system.councils} \
            | {p.iri for p in system.places} | {t.iri for t in system.trusts} \
            | {n.iri for n in system.collaboratives} | {n.iri for n in system.place_partnerships}
        assert linked == expected, iri


def test_partnerships_and_collaboratives_are_drawn_when_the_data_has_them():
    long_name = "Provider Collaborative for Mental Health, Learning Disability and Autism Services " * 2
    system = System(
        Node("urn:ics", "Exampleshire Integrated Care System"), Node("urn:icb", "NHS Exampleshire ICB"),
        Node("urn:icp", "Exampleshire Integrated Care Partnership"),
        councils=[Node(f"urn:la{i}", f"Council {i}") for i in range(3)],
        places=[Place(f"urn:p{i}", f"Place {i}", "code", [Node("urn:d", "District & Town <b>")])
                for i in range(5)],
        trusts=[Trust(f"urn:t{i}", f"Trust {i} NHS Foundation Trust", "", kind, kind, i % 2 == 0)
                for i, kind in enumerate(["acute", "ambulance", "weird", "acute"])],
        collaboratives=[Node("urn:pc1", long_name, "3 trusts of this ICB"), Node("urn:pc2", "Short")],
        place_partnerships=[Node(f"urn:pp{i}", f"Place partnership {i}") for i in range(9)],
    )
    svg = str(ics_diagram.draw(system, lambda i: i))
    assert_readable(svg)
    text = "".join(ElementTree.fromstring(svg).itertext())
    assert "PROVIDER COLLABORATIVES (2)" in text and "PLACE PARTNERSHIPS (9)" in text
    assert "District & Town <b>" in text  # escaped in the markup, intact as text
    assert "2 PARTNERS BASED ELSEWHERE" in text


@pytest.mark.parametrize("text, width", [("a b c d e f g h", 30), ("Averyveryverylongword and more", 40)])
def test_wrap_keeps_every_word_and_fits_where_it_can(text, width):
    lines = ics_diagram.wrap(text, width, 12)
    assert " ".join(lines) == text
    assert all(ics_diagram.text_width(line, 12) <= width or " " not in line for line in lines)
