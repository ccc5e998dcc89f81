"""Finding one's way, in a real headless chromium against the real server: every section from the
home page in one click; the validator, an ICB by name, a rule and a term in two; search from the
header with typed results."""

from __future__ import annotations

import pytest

pytest_plugins = ["tests.browser"]  # the `page` fixture: a tab of Debian's chromium
pytestmark = [pytest.mark.server, pytest.mark.slow]

# Each section of the header, and something its page shows once it has loaded.
SECTIONS = {
    "Query": "/query",
    "Browse": "/browse",
    "Ontology": "/def/",
    "Validate": "/validate",
    "Compliance": "/compliance",
    "Downloads": "/downloads",
    "API": "/#api",
}


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_is_one_click_from_the_home_page(page, live_server, section):
    page.goto(live_server + "/")
    # /compliance may still be computing on its first visit: wait for it as long as it takes.
    with page.expect_navigation(timeout=180000):
        page.click(f"#site-nav >> text={section}", no_wait_after=True)
    assert page.url == live_server + SECTIONS[section]
    assert page.locator("h1, #api").first.is_visible()
    assert page.locator("#site-nav a").all_inner_texts() == list(SECTIONS)
    assert page.problems == []


def test_an_icb_by_name_in_two_steps(page, live_server):
    page.goto(live_server + "/")
    page.fill("#site-search input[name=q]", "Cheshire and Merseyside Integrated Care Board")
    page.press("#site-search input[name=q]", "Enter")  # first step: the search
    page.wait_for_selector("#search-results")
    page.click("#search-results >> text=NHS Cheshire and Merseyside Integrated Care Board")
    page.wait_for_url(live_server + "/id/org/QYG")
    assert page.inner_text("h1") == "NHS Cheshire and Merseyside Integrated Care Board"
    assert page.problems == []


def test_an_icb_from_the_list_of_boards_in_two_clicks(page, live_server):
    page.goto(live_server + "/")
    page.click("#start-icbs")
    assert page.locator("#instances li").count() == 42
    page.click("#instances >> text=NHS Cheshire and Merseyside Integrated Care Board")
    page.wait_for_url(live_server + "/id/org/QYG")
    assert page.problems == []


def test_the_validator_a_rule_and_a_term_in_two_clicks(page, live_server):
    page.goto(live_server + "/")
    page.click("#start-validate")
    page.wait_for_url(live_server + "/validate")
    assert page.locator("form").first.is_visible()

    page.goto(live_server + "/")
    page.click("#start-rules")
    page.click("text=One constitution in force")
    page.wait_for_url(live_server + "/shapes/ICBHasOneConstitutionInForce")
    assert page.inner_text("#rule-id") == "ICB-CONST-EXISTS"

    page.goto(live_server + "/")
    page.click("#start-terms")
    page.click("#term-index a[href='/def/IntegratedCareBoard']")
    page.wait_for_url(live_server + "/def/IntegratedCareBoard")
    assert page.inner_text("h1") == "Integrated Care Board"
    assert page.problems == []


def test_search_shows_kinds_with_counts_and_filters_by_kind(page, live_server):
    page.goto(live_server + "/id/org/QYG")
    page.fill("#site-search input[name=q]", "Wirral")
    page.click("#site-search button")
    page.wait_for_selector("#search-results")
    kinds = page.locator("#search-kinds [data-kind]").all_inner_texts()
    assert any(k.startswith("Areas") for k in kinds) and any(k.startswith("Organisations") for k in kinds)
    areas = int(page.inner_text("#search-kinds [data-kind=area] .count").replace(",", ""))
    page.click("#search-kinds [data-kind=area]")
    page.wait_for_selector("#search-kinds strong[data-kind=area]")
    assert page.locator("#search-results li").count() == min(areas, 20)
    assert all("kind-area" in c for c in
               page.locator("#search-results li").evaluate_all("els => els.map(e => e.className)"))
    page.click("#search-results >> text=Wirral >> nth=0")
    page.wait_for_url(live_server + "/id/area/E08000015")
    assert page.problems == []


def test_a_graph_page_from_the_home_page(page, live_server):
    page.goto(live_server + "/")
    page.click("#graphs >> text=https://w3id.org/icskg/graph/icbs")
    page.wait_for_url(live_server + "/graph/icbs")
    assert page.locator("#graph-downloads a").count() == 6
    assert page.locator("#source-tables tbody tr").count() >= 1
    assert page.problems == []


def test_the_ontology_index_filters_terms_as_one_types(page, live_server):
    page.goto(live_server + "/def/")
    everything = page.locator("#term-index li[data-text]").count()
    page.fill("#term-filter", "care board")
    visible = page.locator("#term-index li[data-text]:visible")
    assert 0 < visible.count() < everything
    assert page.locator("#term-index li:visible a[href='/def/IntegratedCareBoard']").count() == 1
    assert "shown" in page.inner_text("#term-filter-count")
    assert page.problems == []


def test_a_class_pages_through_its_instances(page, live_server):
    page.goto(live_server + "/browse")
    page.click("#classes >> text=GP Practice")
    page.wait_for_url(live_server + "/browse/GPPractice")
    first = page.locator("#instances li").all_inner_texts()
    assert len(first) == 100
    page.click("nav.pager >> text=next → >> nth=0")
    page.wait_for_url(live_server + "/browse/GPPractice?page=2")
    second = page.locator("#instances li").all_inner_texts()
    assert len(second) == 100 and not set(first) & set(second)
    assert "101 to" in page.inner_text("#instance-count")
    assert page.problems == []
