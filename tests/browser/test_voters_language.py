"""Issue #16 items 7 and 11 in a real browser at 320 px, scanned by axe-core (moderate impact and worse).

Item 7: a Swedish reader sees the round and its projects in Swedish, a Finnish-only text marked with
``lang="fi"`` and a note, and reaches each project's page from the ballot, also without JavaScript.
Item 11: after voting closes the round page says so with the results link first, and the results
pages fit the screen (their tables scroll inside their own region).
"""

import pytest
from playwright.sync_api import expect

from pb.extensions import db
from tests.browser.test_proposals_drafts import PHONE, check_page, log_in
from tests.factories import make_round, make_voter
from tests.tally import support as tally_support

pytestmark = pytest.mark.browser


@pytest.fixture
def swedish_round(app):
    budget_round = make_round("voting", ballot_format="knapsack", projects=2, budget_cents=100_000_00,
                              project_cost_cents=30_000_00)
    budget_round.name = {"fi": "Lähibudjetti", "sv": "Närbudget", "en": "Neighbourhood budget"}
    budget = budget_round.budgets[0]
    translated, finnish_only = budget.projects
    translated.title = {"fi": "Koirapuisto", "sv": "Hundpark", "en": "Dog park"}
    translated.description = {"fi": "Aidattu koirapuisto.", "sv": "En inhägnad hundpark.", "en": "A fenced dog park."}
    finnish_only.title = {"fi": "Kirjaston lukunurkka"}
    finnish_only.description = {"fi": "Rauhallinen nurkka lähikirjastoon."}
    voter = make_voter(budget.district, locale="sv")
    db.session.commit()
    return budget_round, budget, voter


def test_a_swedish_reader_sees_swedish_and_marked_finnish_at_320px(new_context, live_server, swedish_round):
    budget_round, budget, voter = swedish_round
    page = new_context(viewport=PHONE, locale="sv-SE").new_page()
    page.goto(live_server.url(f"/voting/{budget_round.id}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Närbudget")
    expect(page.get_by_role("link", name="Hundpark")).to_be_visible()
    fallback = page.locator('main span[lang="fi"]', has_text="Kirjaston lukunurkka")
    expect(fallback).to_be_visible()
    expect(fallback.locator("xpath=following-sibling::span[@class='untranslated']")).to_be_visible()
    check_page(page)

    log_in(page, live_server, voter)
    page.goto(live_server.url(f"/voting/{budget_round.id}/ballot/{budget.id}"))
    expect(page.locator("label", has_text="Hundpark")).to_be_visible()
    expect(page.locator('label span[lang="fi"]', has_text="Kirjaston lukunurkka")).to_be_visible()
    check_page(page)
    project_links = page.locator("a[href^='/voting/projects/']")
    expect(project_links).to_have_count(2)
    href = project_links.nth(0).get_attribute("href")  # the ballot's order is random per voter
    project_links.nth(0).click()
    expect(page.locator("h1")).to_be_visible()
    assert page.url.endswith(href) and href in {f"/voting/projects/{project.id}" for project in budget.projects}
    check_page(page)


def test_without_javascript_the_project_page_is_one_link_away(new_context, live_server, swedish_round):
    budget_round, budget, _voter = swedish_round
    page = new_context(viewport=PHONE, locale="sv-SE", java_script_enabled=False).new_page()
    page.goto(live_server.url(f"/voting/{budget_round.id}"))
    page.locator(f"a[href='/voting/projects/{budget.projects[1].id}']").click()
    expect(page.locator('h1 span[lang="fi"]')).to_have_text("Kirjaston lukunurkka")
    expect(page.locator('main p span[lang="fi"]')).to_have_text("Rauhallinen nurkka lähikirjastoon.")


@pytest.fixture
def closed_round(app):
    budget_round = tally_support.make_round(rule="equalshares/add1")
    budget = budget_round.budgets[0]
    park, benches, library, gym = budget.projects
    votes = [[park, benches], [park, gym], [park, benches, gym], [library], [library, benches], [gym]]
    tally_support.add_ballots(budget, votes, age_band="30-44")
    tally_support.published(app, budget)
    db.session.commit()
    return budget_round, budget


def test_after_voting_closes_the_results_come_first_and_fit_320px(new_context, live_server, closed_round):
    budget_round, _budget = closed_round
    page = new_context(viewport=PHONE).new_page()
    page.goto(live_server.url(f"/voting/{budget_round.id}"))
    notice = page.locator("#voting-over")
    expect(notice).to_contain_text("Voting has closed.")
    # The results link is the first link of the page's content.
    expect(page.locator("main a").first).to_have_text("Results of this round")
    check_page(page)
    notice.get_by_role("link", name="Results of this round").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Results:")
    check_page(page)
    page.get_by_role("link", name="All projects of").first.click()
    expect(page.get_by_role("heading", name="Why each project was or was not funded")).to_be_visible()
    check_page(page)
