"""The report in every form the CLI and the web offer: text, Turtle, JSON-LD, JSON, HTML, CSV, JUnit.

Every value from the data is escaped for its format: HTML through Jinja's autoescape, XML through
the standard library's writer, and CSV cells that a spreadsheet would run as a formula get a
leading apostrophe (:func:`icskg.formats.spreadsheet_safe`).
"""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree as ET

from jinja2 import Environment, PackageLoader, select_autoescape

from icskg.formats import spreadsheet_safe
from icskg.namespaces import BASE
from icskg.validation.regimes import regimes
from icskg.validation.report import Finding, ValidationReport

REPORT_FORMATS: dict[str, str] = {
    "text": "text/plain",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "json": "application/json",
    "html": "text/html",
    "csv": "text/csv",
    "junit": "application/xml",
}
_environment: Environment | None = None


def templates() -> Environment:
    """The Jinja environment of the web templates, for rendering outside a Flask request."""
    global _environment
    if _environment is None:
        _environment = Environment(loader=PackageLoader("icskg", "web/templates"),
                                   autoescape=select_autoescape(default=True))
    return _environment


def summary_line(report: ValidationReport) -> str:
    counts = report.counts()
    words = ", ".join(f"{n} {severity if n == 1 or severity == 'Info' else severity + 's'}"
                      for severity, n in counts.items())
    verdict = "conforms" if report.conforms else "does not conform"
    return f"{words}: {verdict}"


def finding_dict(finding: Finding) -> dict:
    return {
        "rule": finding.rule, "severity": finding.severity, "focus": finding.focus,
        "focus_label": finding.focus_label, "message": finding.message, "shape": finding.shape,
        "regime": finding.regime, "family": finding.family_label, "citation": finding.citation_text,
        "sources": [{"iri": c.iri, "label": c.label, "url": c.url} for c in finding.citations],
        "path": finding.path, "value": finding.value, "evidence": finding.evidence,
    }


def regime_rows(report: ValidationReport) -> list[dict]:
    known = regimes()
    return [{"id": r, "title": known[r].title,
             "as_of": report.as_of[r].isoformat() if report.as_of.get(r) else None,
             "rules": len(report.shapes.get(r, []))} for r in report.regimes]


def to_json(report: ValidationReport) -> str:
    return json.dumps({
        "conforms": report.conforms, "summary": report.counts(), "triples": report.triples,
        "regimes": regime_rows(report), "findings": [finding_dict(f) for f in report.findings],
    }, indent=2, ensure_ascii=False) + "\n"


def to_text(report: ValidationReport) -> str:
    lines = [f"icskg validate: {summary_line(report)}"]
    for row in regime_rows(report):
        day = f", as of {row['as_of']}" if row["as_of"] else ", the whole record"
        rules = f"{row['rules']} rule{'' if row['rules'] == 1 else 's'}"
        lines.append(f"  {row['id']}: {row['title']} ({rules}{day})")
    lines.append(f"  {report.triples:,} triples checked")
    for rule, found in report.by_rule().items():
        lines.append("")
        lines.append(f"{rule} ({len(found)}): {found[0].citation_text}")
        for finding in found:
            lines.append(f"  {finding.severity:<9} {finding.focus_label}")
            lines.append(f"            {finding.message}")
        for citation in found[0].citations:
            lines.append(f"  see {citation.url}")
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    return "" if value is None else spreadsheet_safe(str(value))


def to_csv(report: ValidationReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["severity", "rule", "focus_label", "focus", "message", "citation", "source",
                     "regime", "shape"])
    for f in report.findings:
        writer.writerow([_cell(v) for v in (
            f.severity, f.rule, f.focus_label, f.focus, f.message, f.citation_text,
            " ".join(c.iri for c in f.citations), f.regime, f.shape)])
    return out.getvalue()


def to_junit(report: ValidationReport) -> str:
    """One test suite per regime, one test case per rule: a rule with a Violation fails."""
    suites = ET.Element("testsuites", name="icskg validate")
    for regime_id in report.regimes:
        found = [f for f in report.findings if f.regime == regime_id]
        rules = report.shapes.get(regime_id, [])
        failed = {f.rule for f in found if f.severity == "Violation"}
        suite = ET.SubElement(suites, "testsuite", name=regime_id, tests=str(len(rules)),
                              failures=str(len(failed)), errors="0", skipped="0")
        for rule in rules:
            case = ET.SubElement(suite, "testcase", classname=regime_id, name=rule)
            mine = [f for f in found if f.rule == rule]
            violations = [f for f in mine if f.severity == "Violation"]
            if violations:
                failure = ET.SubElement(case, "failure", type="Violation",
                                        message=f"{len(violations)} violation(s) of {rule}")
                failure.text = "\n".join(f"{f.focus_label}: {f.message}" for f in violations)
            others = [f for f in mine if f.severity != "Violation"]
            if others:
                ET.SubElement(case, "system-out").text = "\n".join(
                    f"{f.severity}: {f.focus_label}: {f.message}" for f in others)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def html_context(report: ValidationReport, rule_base: str = BASE + "def/rule/") -> dict:
    """What the report templates need; ``rule_base`` + a rule id is the page explaining the rule
    (absolute in a standalone document, a path on the site)."""
    return {"report": report, "summary": summary_line(report), "regime_rows": regime_rows(report),
            "groups": report.by_rule(), "rule_base": rule_base}


def to_html(report: ValidationReport) -> str:
    """A standalone HTML document (the web app shows the same fragment inside its own page)."""
    return templates().get_template("validate_document.html").render(**html_context(report))


def render(report: ValidationReport, fmt: str) -> str:
    """The report in ``fmt`` (a key of :data:`REPORT_FORMATS`).

    :raises ValueError: for an unknown format.
    """
    if fmt == "text":
        return to_text(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "junit":
        return to_junit(report)
    if fmt == "html":
        return to_html(report)
    if fmt in ("turtle", "jsonld"):
        return report.graph.serialize(format="json-ld" if fmt == "jsonld" else "turtle")
    raise ValueError(f"Unknown report format {fmt!r}; use one of: {', '.join(REPORT_FORMATS)}.")
