"""``/def/rule/{ID}``: one page per rule of the catalogue (``ICB-CEO-APPOINTMENT``), the page each
finding of ``/validate`` links to. It says in plain words what the rule asks (its shapes' labels and
messages), cites its provision, lists its shapes (``/shapes/...``) and shows data that breaks it:
the rule's own violating test case, so the example is one the test suite proves.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from icskg import __version__
from icskg.validation.examples import violating_example
from icskg.validation.report import Citation
from icskg.web.common import error_response
from icskg.web.rules import Rule, all_rules

bp = Blueprint("rule_ids", __name__)


def shapes_of(rule_id: str) -> list[Rule]:
    """The shapes that encode the rule ``rule_id``, in every regime."""
    return [r for r in all_rules().values() if r.identifier == rule_id]


@bp.get("/def/rule/<rule_id>")
def rule(rule_id: str) -> Response:
    shapes = shapes_of(rule_id)
    if not shapes:
        return error_response(404, f"No rule {rule_id!r} is encoded; /shapes/ lists every rule and its id.")
    citations = {(r.source, r.citation): Citation(r.source, r.citation or r.source)
                 for r in shapes if r.source}
    examples = [e for e in (violating_example(r.name) for r in shapes) if e is not None]
    return Response(render_template(
        "rule_id.html", version=__version__, rule_id=rule_id, shapes=shapes,
        citations=list(citations.values()), example=examples[0] if examples else None,
        messages=list(dict.fromkeys(m for r in shapes for m in r.messages)),
        severities=sorted({r.severity for r in shapes})), mimetype="text/html")
