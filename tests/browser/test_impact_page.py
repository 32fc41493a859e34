"""Issue #18 point 3 in a real browser at 320 px, scanned by axe-core (moderate impact and worse): the public
impact overview, its year selector (a GET form, no JavaScript needed) and the detail pages of the demo call and
round, whose numbers equal an independent count from the database."""

import pytest
from playwright.sync_api import expect

from pb.agreements.models import Report, ReportStatus
from pb.demo import seed_demo
from pb.extensions import db
from pb.implementation.models import ProjectImplementation
from pb.tally.models import TallyRun
from pb.voting.models import RoundBudget
from tests.browser.test_proposals_drafts import PHONE, check_page

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_counts(app):
    """The demo, and its figures counted straight from the tables."""
    seed_demo(app.config["DEMO_PASSWORD"])
    published = db.session.execute(db.select(TallyRun).where(TallyRun.published_at.is_not(None))).scalars().all()
    run_ids = [run.id for run in published]
    round_id = db.session.scalar(db.select(RoundBudget.round_id).where(RoundBudget.id == published[0].round_budget_id))
    accepted = db.session.execute(db.select(Report).where(Report.status == ReportStatus.ACCEPTED)).scalars().all()
    counts = {
        "round_id": round_id,
        "ballots": sum(run.ballot_count for run in published),
        "projects": db.session.scalar(db.select(db.func.count(ProjectImplementation.id))
                                      .where(ProjectImplementation.tally_run_id.in_(run_ids))),
        "participants": sum(report.participants or 0 for report in accepted),
        "spent_cents": sum(entry["amount_cents"] for report in accepted for entry in report.spending),
        "call_id": accepted[0].agreement.proposal.call_id,
    }
    db.session.commit()  # ends the read transaction before the server process reads
    return counts


def test_the_impact_pages_at_320px_show_the_counted_figures(new_context, live_server, demo_counts):
    page = new_context(viewport=PHONE).new_page()
    page.goto(live_server.url("/"))
    page.get_by_role("link", name="What the money changed: figures across the years").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What the money changed")
    check_page(page)
    expect(page.locator("#participants")).to_have_text(str(demo_counts["participants"]))
    expect(page.locator("#projects")).to_have_text(str(demo_counts["projects"]))
    expect(page.locator("#ballots")).to_have_text(str(demo_counts["ballots"]))
    expect(page.locator(f'#call-money td[data-cents="{demo_counts["spent_cents"]}"]')).to_have_count(1)
    expect(page.get_by_role("img", name="Funded activities by stage")).to_be_visible()

    # The year selector is an ordinary form: choosing a year reloads the page with ?year=.
    year = page.locator("#year option").nth(1).get_attribute("value")
    page.get_by_label("Year", exact=True).select_option(year)
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(live_server.url(f"/impact/?year={year}"))
    expect(page.locator("#scope")).to_have_text(f"Showing the year {year}.")
    check_page(page)

    page.locator(f'a[href="/impact/rounds/{demo_counts["round_id"]}"]').click()
    expect(page.locator("#ballots")).to_have_text(str(demo_counts["ballots"]))
    expect(page.locator("#projects")).to_have_text(str(demo_counts["projects"]))
    expect(page.get_by_role("table", name="Ballots by area")).to_be_visible()
    check_page(page)

    page.goto(live_server.url(f"/impact/calls/{demo_counts['call_id']}"))
    expect(page.locator("#participants")).to_have_text(str(demo_counts["participants"]))
    expect(page.locator("#indicators")).to_contain_text("met or on track")
    check_page(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Figures as a spreadsheet (CSV)").click()
    assert download.value.suggested_filename == "impact.csv"
