"""HermiT (through owlready2) finds the ontology and the policy data consistent, with no
unsatisfiable class, and its inferences are the ones the axioms were written for."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal
from rdflib.namespace import XSD

from icskg import resources
from icskg.cli import main
from icskg.namespaces import DUTY, ICS
from icskg.policy import policy_files
from icskg.reason import ReasoningReport, reason, reasoner_graph

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report() -> ReasoningReport:
    return reason()


def test_the_ontology_and_policy_data_are_consistent_with_no_unsatisfiable_class(report):
    assert report.consistent
    assert report.unsatisfiable == []
    assert report.warnings == []
    assert report.ok


def test_bodies_established_under_legislation_are_classified_as_statutory_bodies(report):
    inferred = set(report.inferred_superclasses)
    for body in (ICS.IntegratedCareBoard, ICS.IntegratedCarePartnership, ICS.NHSProviderTrust,
                 ICS.LocalAuthority, ICS.ClinicalCommissioningGroup):
        assert (str(body), str(ICS.StatutoryBody)) in inferred
    statutory = {c for c, p in report.inferred_superclasses if p == str(ICS.StatutoryBody)}
    assert str(ICS.PrimaryCareNetwork) not in statutory
    assert str(ICS.IntegratedCareSystem) not in statutory


def test_duties_with_a_legal_basis_are_classified_as_statutory_duties(report):
    statutory = {i for i, c in report.inferred_types if c == str(ICS.StatutoryDuty)}
    assert str(DUTY["reduce-inequalities"]) in statutory
    assert str(DUTY["delegate-functions"]) not in statutory, "a power is not a duty"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text("@prefix ics: <https://w3id.org/icskg/def/> .\n"
                    "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n" + text)
    return path


def test_a_body_of_two_disjoint_kinds_makes_the_graph_inconsistent(tmp_path):
    bad = write(tmp_path, "bad.ttl", "<https://example.org/x> a ics:IntegratedCareBoard , ics:NHSTrust .\n")
    result = reason([*resources.ontology_files(), bad])
    assert not result.consistent
    assert not result.ok


def test_a_class_under_two_disjoint_classes_is_reported_unsatisfiable(tmp_path):
    bad = write(tmp_path, "bad.ttl",
                "ics:Chimera a owl:Class ; rdfs:subClassOf ics:Board , ics:Committee .\n")
    result = reason([*resources.ontology_files(), bad])
    assert result.consistent
    assert result.unsatisfiable == ["https://w3id.org/icskg/def/Chimera"]


def test_dates_are_retyped_for_hermit_and_the_files_are_untouched():
    before = [p.read_bytes() for p in policy_files()]
    graph, retyped, ignored = reasoner_graph([*resources.ontology_files(), *policy_files()])
    assert retyped > 0 and ignored > 0
    assert not any(isinstance(o, Literal) and o.datatype == XSD.date for o in graph.objects())
    assert XSD.date not in set(graph.objects())
    assert [p.read_bytes() for p in policy_files()] == before


def test_icskg_reason_reports_consistency_and_inferences():
    result = CliRunner().invoke(main, ["reason", "--hierarchy"])
    assert result.exit_code == 0, result.output
    assert "Consistent: yes" in result.output
    assert "Unsatisfiable classes: none" in result.output
    assert "ics:IntegratedCareBoard  ->  ics:StatutoryBody" in result.output
    assert "ics:PracticeMembership: http://www.w3.org/ns/org#Membership" in result.output


def test_icskg_reason_without_java_says_what_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = CliRunner().invoke(main, ["reason", "--ontology-only"])
    assert result.exit_code == 2
    assert "Java" in result.output and "Traceback" not in result.output
