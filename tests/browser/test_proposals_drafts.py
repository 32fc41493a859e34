"""Issue #16 points 1 and 2 in a real browser at 320 px, scanned by axe-core (moderate impact and worse).

Point 1: a budget below the call's minimum is saved as a draft, the box agrees with the form and the
rules are shown as warnings. Point 2: the step buttons save what was typed before moving, without
JavaScript and in Swedish.
"""

import pytest
from playwright.sync_api import expect

from pb.extensions import db
from pb.proposals.models import Proposal
from tests.browser import describe_violations, moderate_violations
from tests.browser.test_small_screens import overflow
from tests.factories import PASSWORD, make_call, make_organisation, make_proposal, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 320, "height": 640}


def log_in(page, live_server, user):
    """Log in through the login form in any language (its fields found by their ids)."""
    page.goto(live_server.url("/auth/login"))
    page.locator("#email").fill(user.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action$='/auth/logout']")).to_have_count(1)


def check_page(page):
    """The page fits 320 px and axe-core finds nothing of moderate impact or worse."""
    too_wide = overflow(page)
    assert too_wide is None, too_wide
    violations = moderate_violations(page)
    assert not violations, describe_violations(f"{page.url} at 320px", violations)


def saved(proposal_id):
    """What the server stored: summary and budget lines, read in a transaction ended at once, so the
    server process is never kept waiting on a database lock."""
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    stored = {"summary": proposal.summary, "lines": [(line.item, line.amount_cents) for line in proposal.budget_lines]}
    db.session.rollback()
    return stored


@pytest.fixture
def draft_of(app):
    """``draft_of(locale)``: a representative in ``locale`` and an empty draft to a call asking 1,000 EUR and 20 %."""

    def build(locale):
        call = make_call("open", min_grant_cents=1_000_00, cofunding_percent=20)
        rep = make_user(locale=locale)
        ngo = make_organisation("ngo", representative=rep)
        proposal = make_proposal(call, organisation=ngo, lines=(), goals=0, title="Pihatalkoot")
        db.session.commit()
        return rep, proposal

    return build


def test_a_budget_below_the_minimum_is_kept_as_a_draft_at_320px(new_context, live_server, draft_of):
    rep, proposal = draft_of("en")
    page = new_context(viewport=PHONE).new_page()
    log_in(page, live_server, rep)
    page.goto(live_server.url(f"/proposals/{proposal.id}/edit/budget"))
    check_page(page)
    page.get_by_label("Cost 1: what it is").fill("Hall rent")
    page.get_by_label("Cost 1: euros").fill("800")
    page.get_by_label("Own funding in euros").fill("0")
    page.get_by_role("button", name="Save and stay on this page").click()
    expect(page.get_by_text("Now you ask for €800.00.")).to_be_visible()
    expect(page.get_by_text("one grant from this call must be at least €1,000.00")).to_be_visible()
    expect(page.get_by_label("Cost 1: euros")).to_have_value("800")
    check_page(page)
    assert saved(proposal.id)["lines"] == [("Hall rent", 800_00)]


def test_step_buttons_save_first_without_javascript_in_swedish_at_320px(new_context, live_server, draft_of):
    rep, proposal = draft_of("sv")
    page = new_context(viewport=PHONE, java_script_enabled=False, locale="sv-SE").new_page()
    # axe-core runs as script, so the same pages are scanned in a second, scripted Swedish browser.
    scanner = new_context(viewport=PHONE, locale="sv-SE").new_page()
    log_in(page, live_server, rep)
    log_in(scanner, live_server, rep)
    basics_url = live_server.url(f"/proposals/{proposal.id}/edit/basics")
    page.goto(basics_url)
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.locator("#summary").fill("Grannarna snyggar upp gården tillsammans.")
    # The step list's buttons sit inside the form: moving to the budget saves the summary first.
    page.locator("form button[name=then][value=budget]").click()
    expect(page).to_have_url(live_server.url(f"/proposals/{proposal.id}/edit/budget"))
    assert saved(proposal.id)["summary"] == "Grannarna snyggar upp gården tillsammans."
    page.locator("#lines-0-item").fill("Hyra")
    page.locator("#lines-0-amount").fill("800")
    page.locator("form button[name=then][value=preview]").click()
    expect(page).to_have_url(live_server.url(f"/proposals/{proposal.id}/preview"))
    assert saved(proposal.id)["lines"] == [("Hyra", 800_00)]
    for step in ("edit/basics", "edit/budget", "preview"):
        scanner.goto(live_server.url(f"/proposals/{proposal.id}/{step}"))
        expect(scanner.locator("html")).to_have_attribute("lang", "sv")
        check_page(scanner)
