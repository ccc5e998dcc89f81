"""The policy knowledge (graph/policy): every fact the issue lists is present, and every fact
points at a document with a title, a publisher and a date."""

from __future__ import annotations

import shutil

import pytest

from icskg import resources
from icskg.build import BuildError, build_graphs

FACT_KINDS = """
    VALUES ?kind { ics:StatementList ics:Purpose ics:Principle ics:EngagementPrinciple ics:Theme
                   ics:Expectation ics:Workstream ics:OptionFeature ics:ConsultationQuestion
                   ics:MembershipRequirement ics:LegislativeOption ics:Consultation ics:PolicyEvent
                   ics:Function ics:Duty ics:Power ics:Fund ics:FundingStream ics:DelegatedBudget
                   ics:PooledBudget ics:Allocation ics:BudgetPoolingModel ics:PlacePartnership
                   ics:Committee ics:Board ics:JointCommittee ics:CommitteeMembership ics:PolicyStatement
                   ics:Recommendation ics:Resolution ics:Finding }
"""


def test_every_policy_fact_cites_a_document(select):
    unsourced = select(f"""SELECT DISTINCT ?fact WHERE {{ GRAPH graph:policy {{
        {FACT_KINDS} ?fact a ?kind . FILTER NOT EXISTS {{ ?fact dcterms:source ?doc }} }} }}""")
    assert unsourced == []
    not_documents = select(f"""SELECT DISTINCT ?doc WHERE {{ GRAPH graph:policy {{
        {FACT_KINDS} ?fact a ?kind ; dcterms:source ?doc . }}
        FILTER NOT EXISTS {{ ?doc a/rdfs:subClassOf* ics:PolicyDocument }} }}""")
    assert not_documents == []


def test_every_document_has_a_title_and_a_publisher_and_date_or_a_stated_doubt(select):
    documents = select("""SELECT ?doc ?title ?publisher ?issued ?doubt WHERE {
        ?kind rdfs:subClassOf* ics:PolicyDocument .
        GRAPH graph:policy { ?doc a ?kind .
          OPTIONAL { ?doc dcterms:title ?title } OPTIONAL { ?doc dcterms:publisher ?publisher }
          OPTIONAL { ?doc dcterms:issued ?issued } OPTIONAL { ?doc ics:doubt ?doubt } } }""")
    assert len({d["doc"] for d in documents}) >= 20
    for row in documents:
        assert row["title"], row
        assert row["publisher"] or row["doubt"], f"{row['doc']}: no publisher and no doubt recorded"
        assert row["issued"] or row["doubt"], f"{row['doc']}: no date and no doubt recorded"


@pytest.mark.parametrize("document", [
    "nhs-long-term-plan-2019", "integrating-care-next-steps-2020", "white-paper-2021",
    "planning-guidance-2021-22", "ics-design-framework-2021", "nhs-confederation-briefing-next-steps-2020",
    "psnc-briefing-044-20", "ics-design-framework-briefing-2021", "wirral-council-minutes-ics-icp-2021",
])
def test_the_founding_documents_and_those_they_cite_are_described(select, document):
    rows = select(f"SELECT ?title WHERE {{ doc:{document} dcterms:title ?title ; dcterms:issued ?on }}")
    assert len(rows) == 1


def test_the_act_is_described_with_its_royal_assent(select):
    rows = select("SELECT ?on WHERE { <http://www.legislation.gov.uk/id/ukpga/2022/31> dcterms:issued ?on }")
    assert rows == [{"on": "2022-04-28"}]


@pytest.mark.parametrize(("listed", "items"), [
    ("next-steps-purposes", 4), ("next-steps-ltp-principles", 3), ("next-steps-themes", 8),
    ("next-steps-place-leader-roles", 4), ("next-steps-questions", 4), ("next-steps-data-digital", 8),
    ("next-steps-single-pot", 6), ("next-steps-place-budgets", 4),
    ("design-framework-board-functions", 11), ("design-framework-board-minimum", 9),
    ("design-framework-engagement-principles", 7), ("design-framework-data-digital", 6),
    ("design-framework-place-budgets", 7), ("ltp-every-ics-will-have", 7),
    ("ltp-budget-pooling-models", 4), ("cheshire-merseyside-place-icp-features", 7),
    ("wirral-icp-principles", 6), ("wirral-icp-workstreams", 4),
])
def test_each_list_has_as_many_items_as_its_source(select, listed, items):
    rows = select(f"""SELECT ?position WHERE {{ ?item ics:inList list:{listed} ; ics:position ?position }}
                      ORDER BY ?position""")
    assert [int(r["position"]) for r in rows] == list(range(1, items + 1))


RULES_PROVISIONS = {
    "ukpga/2006/41/section/" + s for s in (
        "14Z25", "14Z26", "14Z30", "14Z34", "14Z35", "14Z36", "14Z37", "14Z38", "14Z39", "14Z40", "14Z41",
        "14Z42", "14Z43", "14Z44", "14Z45", "14Z52", "14Z54", "14Z56", "14Z57", "14Z58", "14Z59", "65Z5",
        "65Z6", "223GB", "223GC", "26A")
} | {"ukpga/2022/31", "ukpga/2022/31/section/8", "ukpga/2006/41/schedule/1B", "ukpga/2007/28/section/116ZA",
     "ukpga/2007/28/section/116ZB", "ukpga/2007/28/section/116B", "ukpga/2012/7/section/194"}


def test_the_named_statutory_duties_have_holders_and_provisions(select):
    rows = select("""SELECT ?duty ?provision ?holder WHERE {
        ?duty a/rdfs:subClassOf* ics:Function ; ics:legalBasis ?provision ; ics:holder ?holder ;
              ics:evidenceStatus ?status . FILTER STRSTARTS(STR(?duty), STR(duty:)) }""")
    cited = {r["provision"].removeprefix("http://www.legislation.gov.uk/id/") for r in rows}
    assert cited == RULES_PROVISIONS
    holders = {r["holder"] for r in rows}
    assert {"https://w3id.org/icskg/id/org/X24", "https://w3id.org/icskg/def/IntegratedCareBoard",
            "https://w3id.org/icskg/def/IntegratedCarePartnership"} <= holders


def test_the_ccg_to_icb_transition_is_a_dated_change_event(select):
    rows = select("""SELECT (COUNT(DISTINCT ?ccg) AS ?ccgs) (COUNT(DISTINCT ?icb) AS ?icbs) WHERE {
        event:2022-07-01-icbs-established a org:ChangeEvent ; dcterms:date "2022-07-01"^^xsd:date ;
            org:originalOrganization ?ccg ; org:resultingOrganization ?icb .
        ?ccg a ics:ClinicalCommissioningGroup . ?icb a ics:IntegratedCareBoard . }""")
    assert rows == [{"ccgs": "106", "icbs": "42"}]


def test_the_graph_meta_says_where_the_policy_graph_came_from(select):
    rows = select("""SELECT ?doc ?licence WHERE { GRAPH graph:meta {
        graph:policy prov:wasDerivedFrom ?doc ; dcterms:license ?licence } }""")
    docs = {r["doc"] for r in rows}
    assert "https://w3id.org/icskg/id/doc/psnc-briefing-044-20" in docs
    assert {r["licence"] for r in rows} == {"https://creativecommons.org/licenses/by/4.0/"}


def test_a_malformed_policy_file_fails_the_build_naming_the_file(tmp_path):
    policy = tmp_path / "policy"
    shutil.copytree(resources.POLICY_DIR, policy)
    (policy / "broken.ttl").write_text("@prefix ics: <https://w3id.org/icskg/def/> .\nics:x ics:y .\n")
    with pytest.raises(BuildError, match=r"broken\.ttl: not valid Turtle"):
        build_graphs(policy_dir=policy)


# --- facts the review of issue 14 found wrong or unsupported ----------------------------------
def test_the_boards_financial_duties_begin_at_223gc_and_223gb_is_nhs_englands_power(select):
    rows = select("""SELECT ?f ?kind ?holder WHERE {
        ?f ics:legalBasis ?s ; a ?kind ; ics:holder ?holder . FILTER(?kind IN (ics:Duty, ics:Power))
        VALUES ?s { <http://www.legislation.gov.uk/id/ukpga/2006/41/section/223GB>
                    <http://www.legislation.gov.uk/id/ukpga/2006/41/section/223GC> } }""")
    by_fact = {(r["f"].rsplit("/", 1)[1], r["kind"].rsplit("/", 1)[1]) for r in rows}
    assert by_fact == {("financial-duties", "Duty"), ("nhse-financial-directions-to-icbs", "Power")}
    basis = select("SELECT ?s WHERE { duty:financial-duties ics:legalBasis ?s }")
    assert basis == [{"s": "http://www.legislation.gov.uk/id/ukpga/2006/41/section/223GC"}]
    power = select("SELECT ?holder WHERE { duty:nhse-financial-directions-to-icbs ics:holder ?holder }")
    assert power == [{"holder": "https://w3id.org/icskg/id/org/X24"}]


def test_the_fourth_purpose_says_only_what_the_briefings_say(select):
    rows = select("SELECT ?d WHERE { <list/next-steps-purposes/4> skos:definition ?d }".replace(
        "<list/", "<https://w3id.org/icskg/id/list/"))
    assert len(rows) == 1
    for word in ("employer", "buyer", "landowner"):
        assert word not in rows[0]["d"]


def test_the_icp_engagement_document_has_its_three_publishers(select):
    rows = select("SELECT ?p WHERE { doc:icp-engagement-document-2021 dcterms:publisher ?p }")
    assert {r["p"].rsplit("/", 1)[1] for r in rows} == {"dhsc", "X24", "local-government-association"}


def test_the_single_pot_belongs_to_the_financial_framework_not_to_an_option(select):
    assert select("SELECT ?r WHERE { finance:single-pot ics:regime ?r }") == []
    rows = select("SELECT ?label WHERE { finance:single-pot dcterms:isPartOf/rdfs:label ?label }")
    assert rows == [{"label": "Financial framework"}]


def test_april_2022_dates_the_design_frameworks_digital_foundations_not_its_plan(select):
    rows = select("""SELECT ?e WHERE { ?e ics:targetDate "2022-04-01"^^xsd:date ;
        ics:topic topic:data-and-digital ; dcterms:source doc:ics-design-framework-briefing-2021 }""")
    assert [r["e"].rsplit("/", 1)[1] for r in rows] == ["design-framework-digital-foundations-by-april-2022"]


def test_every_policy_fact_has_a_locator(select):
    missing = select(f"""SELECT DISTINCT ?fact WHERE {{ GRAPH graph:policy {{
        {FACT_KINDS} ?fact a ?kind . FILTER NOT EXISTS {{ ?fact ics:locator ?where }} }} }}""")
    assert missing == []


def test_nhs_englands_regions_are_its_units(select):
    rows = select("""SELECT ?region ?parent WHERE { ?region a ics:NHSEnglandRegion .
                     OPTIONAL { ?region org:unitOf ?parent } }""")
    assert len(rows) == 7
    assert {r["parent"] for r in rows} == {"https://w3id.org/icskg/id/org/X24"}
