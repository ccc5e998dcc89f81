"""A picture of one Integrated Care System, drawn as SVG on the server.

:func:`gather` asks the store for the system's parts (its board and partnership, the partnership's
local authorities, the board's places with their districts, the NHS trusts, and any provider
collaboratives or place partnerships); :func:`draw` lays them out as an organisation chart. Every
piece of text is escaped, and colours are presentation attributes, not inline styles, so the
picture passes the site's Content-Security-Policy and also stands alone as an ``.svg`` file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from string import Template

from markupsafe import Markup

from icskg.namespaces import sparql_prologue
from icskg.store import Store
from icskg.web.describe import iri_ref

WIDTH = 1160
MARGIN = 20
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK, MUTED, LINE = "#212b32", "#4c6272", "#aeb7bd"
ICS_COLOUR, NHS_COLOUR, COUNCIL_COLOUR = "#003087", "#005eb8", "#330072"
NHS_TINT, COUNCIL_TINT = "#e8f1fb", "#f1ebf7"
TRUST_COLOURS = {  # by trust type IRI's last segment
    "acute": "#ae2573",
    "acute_specialist": "#8a1538",
    "mental_health": "#00a499",
    "mental_health_and_community": "#009639",
    "community": "#ed8b00",
    "ambulance": "#ffb81c",
}
OTHER_TRUST_COLOUR = "#768692"


@dataclass
class Node:
    iri: str
    label: str
    note: str = ""


@dataclass
class Place(Node):
    districts: list[Node] = field(default_factory=list)


@dataclass
class Trust(Node):
    kind: str = "other"
    kind_label: str = "Other trusts"
    headquartered: bool = True


@dataclass
class System:
    ics: Node
    icb: Node | None
    icp: Node | None
    councils: list[Node] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    trusts: list[Trust] = field(default_factory=list)
    collaboratives: list[Node] = field(default_factory=list)
    place_partnerships: list[Node] = field(default_factory=list)


HEAD = Template("""
SELECT ?label ?icb ?icbLabel ?icbCode ?region ?icp ?icpLabel WHERE {
  $ics rdfs:label ?label .
  OPTIONAL { $ics ics:hasIntegratedCareBoard ?icb . ?icb rdfs:label ?icbLabel .
    OPTIONAL { ?icb ics:odsCode ?icbCode } OPTIONAL { ?icb ics:inRegion/skos:altLabel ?region } }
  OPTIONAL { $ics ics:hasIntegratedCarePartnership ?icp . ?icp rdfs:label ?icpLabel }
} LIMIT 1""")
COUNCILS = Template("""
SELECT ?la (SAMPLE(?l) AS ?label) (SAMPLE(?c) AS ?code) WHERE {
  $icp org:hasMember ?la . ?la a ics:UpperTierLocalAuthority ; rdfs:label ?l .
  OPTIONAL { ?la ics:gssCode ?c }
} GROUP BY ?la ORDER BY ?label""")
PLACES = Template("""
SELECT ?sub ?code (GROUP_CONCAT(DISTINCT ?ccg; separator="|") AS ?ccgs)
       (SAMPLE(?pcns) AS ?pcnCount) (SAMPLE(?gps) AS ?gpCount) WHERE {
  ?sub org:unitOf $icb ; a ics:SubICBLocation ; ics:odsCode ?code .
  FILTER NOT EXISTS { ?sub ics:endDate ?ended }
  OPTIONAL { ?sub ics:predecessor/rdfs:label ?ccg }
  { SELECT ?sub (COUNT(DISTINCT ?pcn) AS ?pcns) WHERE {
      ?sub org:unitOf $icb . OPTIONAL { ?pcn a ics:PrimaryCareNetwork ; ics:withinSubICBLocation ?sub } }
    GROUP BY ?sub }
  { SELECT ?sub (COUNT(DISTINCT ?gp) AS ?gps) WHERE {
      ?sub org:unitOf $icb . OPTIONAL { ?gp a ics:GPPractice ; ics:withinSubICBLocation ?sub } }
    GROUP BY ?sub }
} GROUP BY ?sub ?code ORDER BY ?ccgs ?code""")
DISTRICTS = Template("""
SELECT DISTINCT ?sub ?la ?label ?partly WHERE {
  ?sub org:unitOf $icb ; ics:coversArea ?subArea .
  ?la a ics:LowerTierLocalAuthority ; ics:coversArea ?laArea ; rdfs:label ?label .
  FILTER NOT EXISTS { ?laArea ics:endDate ?ended }
  { ?laArea ics:withinArea ?subArea BIND("whole" AS ?partly) }
  UNION { ?laArea ics:partlyWithinArea ?subArea BIND("part" AS ?partly) }
} ORDER BY ?label""")
TRUSTS = Template("""
SELECT ?trust (SAMPLE(?l) AS ?label) (SAMPLE(?t) AS ?type) (SAMPLE(?tl) AS ?typeLabel)
       (MAX(?hq) AS ?headquartered) WHERE {
  { ?trust ics:headquartersWithin $icb BIND(1 AS ?hq) }
  UNION { ?trust ics:partnerOfIntegratedCareBoard $icb BIND(0 AS ?hq) }
  ?trust rdfs:label ?l .
  OPTIONAL { ?trust ics:trustType ?t OPTIONAL { ?t rdfs:label ?tl } }
} GROUP BY ?trust ORDER BY ?label""")
COLLABORATIVES = Template("""
SELECT ?pc (SAMPLE(?l) AS ?label) (COUNT(DISTINCT ?trust) AS ?members) WHERE {
  ?pc a ics:ProviderCollaborative ; org:hasMember ?trust ; rdfs:label ?l .
  ?trust ics:headquartersWithin|ics:partnerOfIntegratedCareBoard $icb .
} GROUP BY ?pc ORDER BY ?label""")
PLACE_PARTNERSHIPS = Template("""
SELECT ?pp (SAMPLE(?l) AS ?label) WHERE {
  { $ics ics:hasPlacePartnership ?pp } UNION { $icb ics:hasPlacePartnership ?pp }
  ?pp rdfs:label ?l .
} GROUP BY ?pp ORDER BY ?label""")


def _rows(store: Store, template: Template, **iris: str) -> list[dict[str, str | None]]:
    result = store.query(sparql_prologue() + template.substitute({k: iri_ref(v) for k, v in iris.items()}))
    names = result.variables()
    return [dict(zip(names, row, strict=True)) for row in result.rows()]


def _place_name(ccgs: str | None, code: str) -> str:
    """A place's everyday name, from the CCG(s) its sub-ICB location replaced.

    ``NHS Halton CCG`` gives ``Halton``; without a predecessor, the sub-ICB location's code.
    """
    names = [re.sub(r"^NHS |\s+CCG$", "", c) for c in (ccgs or "").split("|") if c]
    return " & ".join(sorted(names)) or f"Sub-ICB location {code}"


def gather(store: Store, ics: str) -> System:
    """The parts of the system ``ics`` (an ``ics:IntegratedCareSystem`` IRI)."""
    head = _rows(store, HEAD, ics=ics)[0]
    system = System(Node(ics, head["label"] or ics), None, None)
    if head["icp"]:
        system.icp = Node(head["icp"], head["icpLabel"] or "", "Integrated Care Partnership")
        system.councils = [Node(r["la"] or "", r["label"] or "", r["code"] or "")
                           for r in _rows(store, COUNCILS, icp=head["icp"])]
    icb = head["icb"]
    if not icb:
        return system
    system.icb = Node(icb, head["icbLabel"] or "", " · ".join(
        x for x in (head["icbCode"], head["region"] and f"NHS England {head['region']}") if x))
    places = {}
    for r in _rows(store, PLACES, icb=icb):
        places[r["sub"]] = Place(r["sub"] or "", _place_name(r["ccgs"], r["code"] or ""),
                                 f"{r['code']} · {r['pcnCount']} PCNs · {r['gpCount']} GP practices")
    for r in _rows(store, DISTRICTS, icb=icb):
        if r["sub"] in places:
            note = "part" if r["partly"] == "part" else ""
            places[r["sub"]].districts.append(Node(r["la"] or "", r["label"] or "", note))
    system.places = list(places.values())
    for r in _rows(store, TRUSTS, icb=icb):
        kind = (r["type"] or "").rsplit("/", 1)[-1] or "other"
        system.trusts.append(Trust(r["trust"] or "", r["label"] or "", "", kind,
                                   r["typeLabel"] or "Other trusts", r["headquartered"] in ("1", "1.0")))
    system.collaboratives = [Node(r["pc"] or "", r["label"] or "", f"{r['members']} trusts of this ICB")
                             for r in _rows(store, COLLABORATIVES, icb=icb)]
    system.place_partnerships = [Node(r["pp"] or "", r["label"] or "")
                                 for r in _rows(store, PLACE_PARTNERSHIPS, ics=ics, icb=icb)]
    return system


# Drawing -------------------------------------------------------------------------------------

def text_width(text: str, size: float, bold: bool = False) -> float:
    """A generous estimate of the rendered width of ``text`` in a sans-serif font."""
    return len(text) * size * (0.6 if bold else 0.56)


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines that fit ``width``."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(lines[-1] + " " + word, size, bold) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


class Canvas:
    """Collects SVG elements; every text goes through :func:`markupsafe.escape`."""

    def __init__(self, link: Callable[[str], str]) -> None:
        self.parts: list[Markup] = []
        self.link = link

    def add(self, markup: Markup) -> None:
        self.parts.append(markup)

    def text(self, x: float, y: float, lines: list[str], size: float, colour: str = INK,
             bold: bool = False, anchor: str = "start") -> float:
        """Draw ``lines`` with the first baseline at ``y``; returns the y below the last line."""
        leading = size * 1.3
        spans = Markup("").join(
            Markup('<tspan x="{}" dy="{}">{}</tspan>').format(x, 0 if i == 0 else leading, line)
            for i, line in enumerate(lines))
        self.add(Markup('<text x="{}" y="{}" font-size="{}" fill="{}" text-anchor="{}"{}>{}</text>').format(
            x, y, size, colour, anchor, Markup(' font-weight="700"') if bold else Markup(""), spans))
        return y + leading * (len(lines) - 1) + size * 0.45

    def box(self, node: Node, x: float, y: float, w: float, fill: str, stroke: str, ink: str,
            title_size: float = 13, bold: bool = True, dashed: bool = False, bar: str | None = None,
            note_size: float = 11.5, centre: bool = False, min_height: float = 0) -> float:
        """A linked box with ``node``'s label (wrapped) and note; returns its height."""
        pad = 8
        inner = w - 2 * pad - (6 if bar else 0)
        title = wrap(node.label, inner, title_size, bold)
        note = wrap(node.note, inner, note_size) if node.note else []
        h = max(min_height, pad * 2 + len(title) * title_size * 1.3 + len(note) * note_size * 1.3)
        tx = x + w / 2 if centre else x + pad + (6 if bar else 0)
        anchor = "middle" if centre else "start"
        content = Canvas(self.link)
        content.add(Markup('<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{}" stroke="{}"'
                           ' stroke-width="1.5"{}/>').format(
            x, y, w, h, fill, stroke, Markup(' stroke-dasharray="5 4"') if dashed else Markup("")))
        if bar:
            content.add(Markup('<rect x="{}" y="{}" width="6" height="{}" rx="3" fill="{}"/>').format(
                x, y, h, bar))
        below = content.text(tx, y + pad + title_size, title, title_size, ink, bold, anchor)
        if note:
            content.text(tx, below + note_size * 0.95, note, note_size,
                         ink if ink != INK else MUTED, anchor=anchor)
        self.add(Markup('<a href="{}"><title>{}</title>{}</a>').format(
            self.link(node.iri), node.label, Markup("").join(content.parts)))
        return h

    def line(self, points: list[tuple[float, float]], colour: str = LINE, dashed: bool = False) -> None:
        path = " ".join(f"{x:g},{y:g}" for x, y in points)
        self.add(Markup('<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5"{}/>').format(
            path, colour, Markup(' stroke-dasharray="4 4"') if dashed else Markup("")))

    def heading(self, x: float, y: float, text: str, colour: str = MUTED) -> float:
        return self.text(x, y + 12, [text.upper()], 11, colour, bold=True) + 6


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def draw(system: System, link: Callable[[str], str]) -> Markup:
    """The SVG picture of ``system``; ``link`` maps an IRI to the address its box links to."""
    c = Canvas(link)
    inner = WIDTH - 2 * MARGIN
    left_w, gap = 360, 40
    right_x, right_w = MARGIN + left_w + gap, inner - left_w - gap

    # The system, and its two statutory parts below it.
    ics_w = 520
    ics_x = (WIDTH - ics_w) / 2
    top = MARGIN
    ics_h = c.box(system.ics, ics_x, top, ics_w, ICS_COLOUR, ICS_COLOUR, "#ffffff",
                  title_size=17, centre=True)
    row = top + ics_h + 36
    heights = []
    if system.icp:
        heights.append(c.box(system.icp, MARGIN, row, left_w, COUNCIL_COLOUR, COUNCIL_COLOUR, "#ffffff",
                             title_size=14, min_height=64))
    if system.icb:
        heights.append(c.box(system.icb, right_x, row, right_w, NHS_COLOUR, NHS_COLOUR, "#ffffff",
                             title_size=14, min_height=64))
    row_h = max(heights, default=0)
    bus = top + ics_h + 18
    c.line([(WIDTH / 2, top + ics_h), (WIDTH / 2, bus)])
    ends = ([MARGIN + left_w / 2] if system.icp else []) + ([right_x + right_w / 2] if system.icb else [])
    if ends:
        c.line([(min(*ends, WIDTH / 2), bus), (max(*ends, WIDTH / 2), bus)])
        for x in ends:
            c.line([(x, bus), (x, row)])
    y0 = row + row_h + 22

    # Left: the partnership's local authorities, as a tree under the ICP.
    y = c.heading(MARGIN + 24, y0, f"Local authorities in the partnership ({len(system.councils)})",
                  COUNCIL_COLOUR)
    spine_x, last_mid = MARGIN + 12, None
    for council in system.councils:
        h = c.box(council, MARGIN + 24, y, left_w - 24, COUNCIL_TINT, COUNCIL_COLOUR, INK, bold=False)
        last_mid = y + h / 2
        c.line([(spine_x, last_mid), (MARGIN + 24, last_mid)], COUNCIL_COLOUR)
        y += h + 8
    if system.icp and last_mid is not None:
        c.line([(spine_x, row + row_h), (spine_x, last_mid)], COUNCIL_COLOUR)
    left_bottom = y

    # Right: the board's places (sub-ICB locations) in two columns about a spine.
    y = c.heading(right_x, y0, f"Places: sub-ICB locations of the board ({len(system.places)})", NHS_COLOUR)
    spine_x = right_x + right_w / 2
    card_w = right_w / 2 - 16
    last_mid = None
    for i in range(0, len(system.places), 2):
        pair = system.places[i:i + 2]
        heights = [_place_height(p, card_w) for p in pair]
        h = max(heights)
        for j, place in enumerate(pair):
            x = right_x if j == 0 else spine_x + 16
            _place(c, place, x, y, card_w, h)
            c.line([(spine_x, y + 22), (x + card_w if j == 0 else x, y + 22)], NHS_COLOUR)
        last_mid = y + 22
        y += h + 10
    if system.icb and last_mid is not None:
        c.line([(spine_x, row + row_h), (spine_x, last_mid)], NHS_COLOUR)
    y = max(left_bottom, y) + 16

    if system.place_partnerships:
        y = c.heading(MARGIN, y, f"Place partnerships ({len(system.place_partnerships)})", NHS_COLOUR)
        y = _chips(c, system.place_partnerships, y, NHS_TINT, NHS_COLOUR) + 16

    # Below: the NHS trusts, one column per kind of trust.
    if system.trusts:
        based = sum(t.headquartered for t in system.trusts)
        elsewhere = len(system.trusts) - based
        y = c.heading(MARGIN, y, f"NHS trusts: {based} headquartered here, "
                      f"{_plural(elsewhere, 'partner')} based elsewhere (dashed)")
        kinds: dict[str, list[Trust]] = {}
        for trust in sorted(system.trusts, key=lambda t: (not t.headquartered, t.label)):
            kinds.setdefault(trust.kind, []).append(trust)
        order = sorted(kinds, key=lambda k: (list(TRUST_COLOURS).index(k) if k in TRUST_COLOURS else 99))
        col_w = (inner - 12 * (len(order) - 1)) / len(order)
        bottom = y
        for n, kind in enumerate(order):
            x = MARGIN + n * (col_w + 12)
            colour = TRUST_COLOURS.get(kind, OTHER_TRUST_COLOUR)
            c.add(Markup('<rect x="{}" y="{}" width="{}" height="4" rx="2" fill="{}"/>').format(
                x, y, col_w, colour))
            ty = c.text(x, y + 20, wrap(kinds[kind][0].kind_label, col_w, 12, True), 12, INK, bold=True) + 8
            for trust in kinds[kind]:
                trust.note = "" if trust.headquartered else "headquarters in another ICB"
                ty += c.box(trust, x, ty, col_w, "#ffffff", colour if trust.headquartered else LINE, INK,
                            title_size=12, bold=False, dashed=not trust.headquartered, bar=colour) + 6
            bottom = max(bottom, ty)
        y = bottom + 16

    if system.collaboratives:
        y = c.heading(MARGIN, y, f"Provider collaboratives ({len(system.collaboratives)})", NHS_COLOUR)
        y = _chips(c, system.collaboratives, y, "#ffffff", NHS_COLOUR) + 16

    height = y + MARGIN / 2
    councils = _plural(len(system.councils), "local authority", "local authorities")
    description = (f"{system.ics.label}: {councils} in the partnership, "
                   f"{_plural(len(system.places), 'place')}, {_plural(len(system.trusts), 'NHS trust')}.")
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="ics-diagram" viewBox="0 0 {w} {h:g}" width="{w}"'
        ' height="{h:g}" role="img" aria-labelledby="ics-diagram-title" font-family="{font}">'
        '<title id="ics-diagram-title">{title}</title><desc>{desc}</desc>'
        '<rect width="{w}" height="{h:g}" fill="#ffffff"/>{body}</svg>'
    ).format(w=WIDTH, h=height, font=FONT, title=f"Diagram of {system.ics.label}", desc=description,
             body=Markup("").join(c.parts))


DISTRICT_SIZE = 11.5


def _district_lines(place: Place, width: float) -> list[list[Node]]:
    """The place's districts broken into lines that fit ``width`` (names joined by commas)."""
    lines: list[list[Node]] = []
    used = 0.0
    for district in place.districts:
        w = text_width(_district_name(district) + ", ", DISTRICT_SIZE)
        if not lines or used + w > width:
            lines.append([])
            used = 0.0
        lines[-1].append(district)
        used += w
    return lines


def _district_name(district: Node) -> str:
    return district.label + (" (part)" if district.note else "")


def _place_height(place: Place, w: float) -> float:
    return _header_height(place, w) + len(_district_lines(place, w - 16)) * DISTRICT_SIZE * 1.3 + 4


def _header_height(node: Node, w: float, title_size: float = 13, note_size: float = 11.5) -> float:
    """The height :meth:`Canvas.box` gives ``node`` (bold title, plain note) in width ``w``."""
    lines = len(wrap(node.label, w - 16, title_size, True)) * title_size * 1.3
    return 16 + lines + (len(wrap(node.note, w - 16, note_size)) * note_size * 1.3 if node.note else 0)


def _place(c: Canvas, place: Place, x: float, y: float, w: float, h: float) -> None:
    """A place card: name, codes and counts, and the districts it covers (each linked)."""
    c.box(place, x, y, w, NHS_TINT, NHS_COLOUR, INK, min_height=h)
    baseline = y + _header_height(place, w) - 4 + DISTRICT_SIZE
    for line in _district_lines(place, w - 16):
        links = Markup(", ").join(
            Markup('<a href="{}">{}</a>').format(c.link(d.iri), _district_name(d)) for d in line)
        c.add(Markup('<text x="{}" y="{:g}" font-size="{}" fill="{}">{}</text>').format(
            x + 8, baseline, DISTRICT_SIZE, COUNCIL_COLOUR, links))
        baseline += DISTRICT_SIZE * 1.3


def _chips(c: Canvas, nodes: list[Node], y: float, fill: str, stroke: str) -> float:
    """Nodes as a wrapping row of small boxes; returns the y below them."""
    x, row_h = MARGIN, 0.0
    for node in nodes:
        w = min(WIDTH - 2 * MARGIN, max(text_width(node.label, 12.5, True), text_width(node.note, 11)) + 24)
        if x + w > WIDTH - MARGIN and x > MARGIN:
            x, y, row_h = MARGIN, y + row_h + 8, 0
        row_h = max(row_h, c.box(node, x, y, w, fill, stroke, INK, title_size=12.5))
        x += w + 8
    return y + row_h
