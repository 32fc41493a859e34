"""The reach dashboard in a real browser at 320 px, scanned by axe-core (moderate impact and worse).

Staff enter population figures (a wrong number first: refused, what was typed kept), then open the
dashboard, narrow it to votes with the filter form (GET, no JavaScript needed), and read figures that
equal a count straight from the database; a district of one voter shows only "fewer than 5".
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from pb.extensions import db
from pb.forms import HELSINKI
from pb.impact.services.population import BANDS
from pb.models_base import utcnow
from tests.browser.test_proposals_drafts import PHONE, check_page, log_in
from tests.factories import make_district, make_round, make_user
from tests.impact.test_reach_data import cast_ballot, voters

pytestmark = pytest.mark.browser


def _count(statement, **params):
    """A count read in a transaction ended at once, so the server process is never kept waiting on a lock."""
    value = db.session.execute(text(statement), params).scalar_one()
    db.session.rollback()
    return value


def test_staff_enter_population_figures_and_read_the_dashboard_at_320px(app, live_server, new_context):
    north, south = make_district("Pohjola"), make_district("Etelä")
    budget_round = make_round(districts=[north, south])
    budgets = {budget.district_id: budget for budget in budget_round.budgets}
    voters(budgets[north.id], 6, age_band="18-29")
    voters(budgets[north.id], 5, channel="paper", age_band="65+")
    cast_ballot(budgets[south.id], age_band="30-44")
    staff = make_user(staff=True, locale="en")
    db.session.commit()
    year = utcnow().astimezone(HELSINKI).year

    page = new_context(viewport=PHONE).new_page()
    log_in(page, live_server, staff)
    page.goto(live_server.url("/impact/population"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Population figures")
    check_page(page)
    expect(page.get_by_label("Year of the figures")).to_have_value(str(year))
    for district, residents in ((north, "1 000"), (south, "400")):
        for band in BANDS:
            page.get_by_label(f"{district.name['fi']}, age {band}", exact=True).fill(residents)
    page.get_by_label("Etelä, age 65+", exact=True).fill("-40")
    page.get_by_role("button", name="Save the figures").click()
    expect(page.get_by_role("alert")).to_contain_text("Etelä, age 65+: The number cannot be negative.")
    expect(page.get_by_label("Etelä, age 65+", exact=True)).to_have_value("-40")
    expect(page.get_by_label("Pohjola, age 12-17", exact=True)).to_have_value("1 000")
    check_page(page)
    page.get_by_label("Etelä, age 65+", exact=True).fill("400")
    page.get_by_role("button", name="Save the figures").click()
    expect(page.get_by_role("status")).to_contain_text(f"The population figures of {year} were saved.")
    check_page(page)
    assert _count("SELECT SUM(residents) FROM population_figures WHERE year = :year", year=year) == 7000

    page.get_by_role("link", name="Go to the reach dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who took part: reach")
    check_page(page)
    page.get_by_label("Stage").select_option(label="Votes")
    page.get_by_label("Participatory budgeting round").select_option(str(budget_round.id))
    page.get_by_role("button", name="Show the figures").click()
    expect(page).to_have_url(re.compile(r"stage=votes"))
    check_page(page)

    voters_in_round = _count("SELECT COUNT(DISTINCT voter_key) FROM ballots WHERE round_id = :round",
                             round=budget_round.id)
    in_north = _count("SELECT COUNT(DISTINCT b.voter_key) FROM ballots b JOIN round_budgets rb "
                      "ON rb.id = b.round_budget_id WHERE rb.district_id = :district", district=north.id)
    on_paper = _count("SELECT COUNT(DISTINCT voter_key) FROM ballots WHERE channel = 'paper'")
    votes = page.locator("section", has=page.get_by_role("heading", name="Votes", exact=True))
    expect(votes.locator(".reach-total")).to_have_text(f"Taking part: {voters_in_round}.")
    age_table = votes.get_by_role("table", name="Votes by age")
    expect(age_table.get_by_role("row", name=re.compile(r"^18-29")).get_by_role("cell").first).to_have_text("6")
    channel_table = votes.get_by_role("table", name="Votes by way of taking part")
    expect(channel_table.get_by_role("row", name=re.compile(r"^On paper")).get_by_role("cell").first).to_have_text(
        str(on_paper))
    # The district of one voter is withheld, and so is the other district, which would give it away.
    district_table = votes.get_by_role("table", name="Votes by district")
    expect(district_table.get_by_role("row", name=re.compile(r"^Etelä"))).to_contain_text("fewer than 5")
    expect(district_table.get_by_role("row", name=re.compile(r"^Pohjola"))).to_contain_text("not shown")
    expect(district_table).not_to_contain_text(str(in_north))
    # Least reached first: nobody of 12-17 took part (none of its 1,400 residents).
    expect(page.locator(".least-reached")).to_contain_text("age 12-17 (nobody took part)")
    expect(page.get_by_role("link", name="Download these figures (CSV, for spreadsheets)")).to_have_attribute(
        "href", re.compile(r"/impact/reach\.csv\?.*stage=votes"))
