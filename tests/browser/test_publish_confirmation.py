"""The publishing confirmation pages (one result, all results of a round, counting all budgets) and the
pages the secrecy rule changes, clicked through in a real browser with an axe-core scan of each."""

import re

import pytest
from playwright.sync_api import expect

from pb.extensions import db
from pb.tally import services
from pb.tally.models import TallyRun
from pb.voting.models import Channel
from tests.factories import PASSWORD, make_user
from tests.helpers import run_queued_jobs
from tests.tally.support import add_ballots, make_round

pytestmark = pytest.mark.browser


def expect_heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_staff_confirm_counting_and_publishing_and_the_public_sees_only_safe_figures(
    app, page, live_server, sign_in, assert_accessible
):
    budget_round = make_round(districts=(("Keskusta", 1_000), ("Itä", 2_000), ("Länsi", 500)))
    centre, east, west = budget_round.budgets
    for budget in (centre, east):
        park, benches = budget.projects[:2]
        add_ballots(budget, [[park], [park, benches], [benches]] * 3, age_band="30-44")
        add_ballots(budget, [[park]] * 2, age_band="65+", channel=Channel.PAPER)
    add_ballots(west, [[west.projects[0]]], age_band="18-29")  # one ballot only
    staff = make_user(staff=True, locale="en", name="Sanna Staff")
    db.session.commit()
    round_id = budget_round.id

    sign_in(page, staff.email, PASSWORD)
    page.goto(live_server.url(f"/results/manage/rounds/{round_id}"))
    expect_heading(page, re.compile(r"^Count votes: "))

    # Count all: the confirmation page lists each budget.
    page.get_by_role("link", name="Count all budgets of this round").click()
    expect_heading(page, re.compile(r"^Count all budgets of "))
    expect(page.get_by_role("table")).to_contain_text("Its votes will be counted.")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, count these budgets").click()
    expect(page.locator(".flashes").get_by_role("status")).to_contain_text("Counting started: 3 budgets.")
    run_queued_jobs(app)
    db.session.expire_all()
    runs = {run.round_budget_id: run for run in db.session.execute(db.select(TallyRun)).scalars()}
    assert set(runs) == {centre.id, east.id, west.id}

    # One result: the confirmation says what becomes public and what stays hidden.
    page.goto(live_server.url(f"/results/manage/runs/{runs[centre.id].id}"))
    page.get_by_role("link", name="Publish this result").click()
    expect_heading(page, "Publish the result of Keskusta?")
    main = page.get_by_role("main")
    expect(main).to_contain_text("It cannot be undone")
    expect(main).to_contain_text("Ways of voting not shown as numbers: With help from staff, Paper ballot.")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, publish the result").click()
    expect(page.locator(".flashes").get_by_role("status")).to_contain_text("The result is published.")
    expect_heading(page, "Results: Keskusta")
    assert_accessible(page)

    # All the others: each with its count and rule; the one-ballot budget publishes no ballots.
    page.goto(live_server.url(f"/results/manage/rounds/{round_id}"))
    page.get_by_role("link", name="Publish all counted results").click()
    expect_heading(page, re.compile(r"^Publish all counted results of "))
    table = page.get_by_role("table")
    expect(table).to_contain_text("Will not be published: Its result is already published.")
    expect(table.get_by_role("link", name=f"count {runs[east.id].id}")).to_be_visible()
    expect(table).to_contain_text("The ballots are not published one by one because there are fewer than 5 of them")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, publish these results").click()
    expect(page.locator(".flashes").get_by_role("status")).to_contain_text("Results published: 2 budgets.")
    assert_accessible(page)

    # The public sees the small budget's totals and why its ballots are not published.
    visitor = page.context.browser.new_context(locale="en-GB").new_page()
    visitor.goto(live_server.url(f"/results/budgets/{west.id}"))
    expect_heading(visitor, "Results: Länsi")
    expect(visitor.get_by_role("main")).to_contain_text(
        "The ballots are not published one by one because there are fewer than 5 of them: "
        "they could show how someone voted."
    )
    expect(visitor.get_by_role("link", name="Ballots without names (pabulib file)")).to_have_count(0)
    assert_accessible(visitor)
    visitor.goto(live_server.url(f"/results/budgets/{east.id}"))
    expect(visitor.get_by_role("table", name="Ballots by age")).to_contain_text("fewer than 5")
    assert_accessible(visitor)
    visitor.context.close()

    # Staff turnout with hidden figures.
    page.goto(live_server.url(f"/results/manage/rounds/{round_id}/turnout"))
    expect(page.get_by_role("table", name="Ballots by way of voting")).to_contain_text("fewer than 5")
    assert_accessible(page)
    run_queued_jobs(app)  # the "what if" counts queued by publishing, so no job is left in Redis
    db.session.expire_all()
    assert all(services.published_run(budget.id) is not None for budget in (centre, east, west))
