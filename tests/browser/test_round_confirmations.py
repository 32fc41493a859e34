"""The confirmation pages of a round's irreversible actions, in a real browser with an axe-core scan.

Staff open voting (the ballot locks), try to close it early without a reason (refused, with the
error next to the field), close it with one while a paper ballot waits, read the reason on the
public page, and open voting again; every page on the way, errors shown, has no serious or
critical axe violation.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from pb.extensions import db
from pb.models_base import utcnow
from pb.voting.models import BudgetRound, PaperBallot, RoundPhase
from tests.factories import PASSWORD, make_round, make_user

pytestmark = pytest.mark.browser

REASON = "The board decided to end the vote early after a fault in the code letters."


def phase_of(round_id):
    db.session.expire_all()
    return db.session.get(BudgetRound, round_id).phase


def test_confirmation_pages_say_what_happens_and_pass_axe(live_server, page, sign_in, assert_accessible):
    staff = make_user(staff=True, locale="en", email="closing-staff@example.test")
    budget_round = make_round("cost_estimation", name={"fi": "Kierros", "en": "Closing round"})
    round_id = budget_round.id
    sign_in(page, staff.email, PASSWORD)

    # Opening voting: the page says the ballot locks; nothing changes until confirmed.
    page.goto(live_server.url(f"/voting/manage/{round_id}"))
    assert_accessible(page)
    page.get_by_role("link", name="Move to the next phase: Voting…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Move Closing round to the phase: Voting?")
    expect(page.get_by_role("main")).to_contain_text("The ballot is locked for good")
    assert_accessible(page)
    assert phase_of(round_id) is RoundPhase.COST_ESTIMATION
    page.get_by_role("button", name="Yes, move to the phase: Voting").click()
    expect(page.locator(".flashes")).to_contain_text("The round is now in the phase: Voting.")
    assert phase_of(round_id) is RoundPhase.VOTING

    # A paper ballot waits for its second entry.
    db.session.add(PaperBallot(round_id=round_id, batch="Box 1", row=1))
    db.session.commit()

    # Closing early: refused without the reasons, each error next to its field.
    page.get_by_role("link", name="Close voting now…").click()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Voting closes now for everyone")
    expect(main).to_contain_text("1 paper ballot waits for a second entry or a third look.")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, close voting now").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(main).to_contain_text("Write why voting closes before the announced time.")
    assert_accessible(page)
    assert phase_of(round_id) is RoundPhase.VOTING

    page.get_by_label("Why voting closes early (shown to everyone)").fill(REASON)
    page.get_by_label("Why voting closes while paper ballots wait (kept in the audit log)").fill(
        "The sheet was spoiled; the board decided to close."
    )
    page.get_by_role("button", name="Yes, close voting now").click()
    expect(page.locator(".flashes")).to_contain_text("Voting has closed.")
    assert phase_of(round_id) is RoundPhase.RESULTS

    # The public page shows the reason and the time.
    page.goto(live_server.url(f"/voting/{round_id}"))
    expect(page.get_by_role("main")).to_contain_text("Voting was closed early on")
    expect(page.get_by_role("main")).to_contain_text(REASON)
    assert_accessible(page)

    # Reopening: a new closing time in the future and a public reason.
    page.goto(live_server.url(f"/voting/manage/{round_id}"))
    page.get_by_role("link", name="Open voting again…").click()
    expect(page.get_by_role("main")).to_contain_text("Voting opens again now for everyone")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, open voting again").click()
    expect(page.get_by_role("main")).to_contain_text("Give the new closing time.")
    assert_accessible(page)
    new_close = (utcnow() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Helsinki"))
    page.get_by_label("Voting closes again (Finnish time)").fill(new_close.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Why voting opens again (shown to everyone)").fill("Voting continues after the fault was fixed.")
    page.get_by_role("button", name="Yes, open voting again").click()
    expect(page.locator(".flashes")).to_contain_text("Voting is open again until")
    assert phase_of(round_id) is RoundPhase.VOTING
    page.goto(live_server.url(f"/voting/{round_id}"))
    expect(page.get_by_role("main")).to_contain_text("Voting was opened again on")
    assert_accessible(page)
