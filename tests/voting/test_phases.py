"""Phases on time and never by accident: the schedule (with frozen time), and the confirmation pages.

The schedule is run as it runs without Redis, by ``flask pb apply-due-phases``; the RQ scheduler's
path to the same job is tested in tests/core/test_jobs.py.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import services
from pb.voting.models import BudgetRound, PaperBallot, PaperStatus, RoundPhase
from pb.voting.services import RoundRuleError
from tests.factories import make_round, make_user
from tests.helpers import browser as client_for
from tests.helpers import csrf_token, post_form

HELSINKI = ZoneInfo("Europe/Helsinki")
CLOSES = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # 20:00 in Helsinki


def events(action):
    return db.session.execute(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).scalars().all()


def fresh(budget_round):
    db.session.expire_all()
    return db.session.get(BudgetRound, budget_round.id)


def run_schedule(app, at):
    """``flask pb apply-due-phases`` with the clock stopped at ``at``."""
    with time_machine.travel(at, tick=False):
        result = app.test_cli_runner().invoke(args=["pb", "apply-due-phases"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output




def text(response):
    return response.get_data(as_text=True)


def pending_sheet(budget_round, status=PaperStatus.AWAITING_SECOND, row=1):
    sheet = PaperBallot(round_id=budget_round.id, batch="Box 1", row=row, status=status)
    db.session.add(sheet)
    db.session.commit()
    return sheet


# --- the schedule -----------------------------------------------------------------------------


def test_voting_closes_at_the_announced_minute_without_anyone_pressing_a_button(app):
    budget_round = make_round("voting", now=CLOSES - timedelta(days=14), voting_closes_at=CLOSES)

    output = run_schedule(app, CLOSES - timedelta(minutes=1))
    assert "Phase changes made: 0." in output
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.VOTING
    assert budget_round.is_voting_open(CLOSES - timedelta(minutes=1))
    assert events("voting.phase_changed") == []

    output = run_schedule(app, CLOSES)
    assert f"Round {budget_round.id} moved to the phase: results." in output
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.RESULTS
    assert budget_round.voting_closes_at == CLOSES  # closed on time: the announced time stands
    assert budget_round.closed_early_at is None
    [event] = events("voting.phase_changed")
    assert event.actor_id is None
    assert event.details["by"] == "schedule" and event.details["phase"] == "results"

    assert "Phase changes made: 0." in run_schedule(app, CLOSES + timedelta(minutes=1))  # nothing twice
    assert len(events("voting.phase_changed")) == 1


def test_paper_entry_keeps_the_round_in_voting_until_its_end_and_waiting_sheets_hold_it(app):
    paper_until = CLOSES + timedelta(days=2)
    budget_round = make_round("voting", now=CLOSES - timedelta(days=14), voting_closes_at=CLOSES,
                              paper_entry_until=paper_until)
    run_schedule(app, CLOSES + timedelta(minutes=1))
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.VOTING  # paper sheets may still be entered
    assert not budget_round.is_voting_open(CLOSES + timedelta(minutes=1))  # but voters have closed

    sheet = pending_sheet(budget_round)
    mismatch = pending_sheet(budget_round, PaperStatus.MISMATCH, row=2)
    run_schedule(app, paper_until)
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.VOTING
    change = services.scheduled_change(budget_round, paper_until)
    assert change.target is RoundPhase.RESULTS and change.at == paper_until and change.waiting

    staff = client_for(app, make_user(staff=True, locale="en"))
    assert utcnow() > paper_until  # the page is read now, after the end of paper entry
    page = text(staff.get(f"/voting/manage/{budget_round.id}"))
    assert "but it waits" in page and "2 paper ballots wait for a second entry or a third look." in page
    assert "Enter paper ballots" in page

    sheet.status = PaperStatus.COUNTED
    mismatch.status = PaperStatus.REFUSED
    db.session.commit()
    run_schedule(app, paper_until + timedelta(minutes=6))
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.RESULTS
    assert events("voting.phase_changed")[-1].details["due_at"] == paper_until.isoformat()


def test_other_phases_start_at_midnight_in_helsinki_and_voting_never_opens_with_problems(app):
    voting_day = date(2026, 11, 1)
    midnight = datetime(2026, 11, 1, 0, 0, tzinfo=HELSINKI).astimezone(UTC)  # 31.10. 22:00 UTC
    ready = make_round("cost_estimation", voting_start=voting_day, voting_closes_at=CLOSES)
    not_ready = make_round("cost_estimation", projects=0, voting_start=voting_day, voting_closes_at=CLOSES)
    draft = make_round("draft", ideas_start=date(2026, 10, 1), voting_closes_at=CLOSES)

    run_schedule(app, midnight - timedelta(minutes=1))
    assert fresh(ready).phase is RoundPhase.COST_ESTIMATION
    run_schedule(app, midnight)
    ready = fresh(ready)
    assert ready.phase is RoundPhase.VOTING and ready.frozen_at == midnight
    assert ready.is_voting_open(midnight)
    not_ready = fresh(not_ready)
    assert not_ready.phase is RoundPhase.COST_ESTIMATION and not not_ready.is_frozen
    assert services.scheduled_change(not_ready, midnight).waiting  # the staff page says why
    assert fresh(draft).phase is RoundPhase.DRAFT  # a draft never moves by itself


def test_a_round_moves_through_every_phase_whose_date_has_passed(app):
    budget_round = make_round(
        "idea_collection", co_development_start=date(2026, 9, 1), cost_estimation_start=date(2026, 10, 1),
        voting_start=date(2026, 11, 1), voting_closes_at=CLOSES,
    )
    run_schedule(app, datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    assert fresh(budget_round).phase is RoundPhase.VOTING
    assert [event.details["phase"] for event in events("voting.phase_changed")] == [
        "co_development", "cost_estimation", "voting",
    ]


# --- confirmation pages -----------------------------------------------------------------------


def test_moving_on_asks_first_and_says_what_will_happen(app):
    staff = client_for(app, make_user(staff=True, locale="en"))
    budget_round = make_round("cost_estimation")
    url = f"/voting/manage/{budget_round.id}/advance"
    page = text(staff.get(url))
    assert "Move" in page and "The ballot is locked for good" in page
    assert fresh(budget_round).phase is RoundPhase.COST_ESTIMATION  # the page changes nothing

    assert staff.post(url, data={}).status_code == 400  # no confirmation form: refused
    assert fresh(budget_round).phase is RoundPhase.COST_ESTIMATION
    response = post_form(staff, url, {})
    assert response.status_code == 302
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.VOTING and budget_round.is_frozen
    assert events("voting.phase_changed")[-1].details["by"] == "staff"

    assert staff.get(url).headers["Location"].endswith(f"/voting/manage/{budget_round.id}/close")
    last = make_round("implementation")
    response = staff.get(f"/voting/manage/{last.id}/advance", follow_redirects=True)
    assert "already in its last phase" in text(response)


def test_opening_voting_with_problems_is_refused_on_the_confirmation_page(app):
    staff = client_for(app, make_user(staff=True, locale="en"))
    budget_round = make_round("cost_estimation", projects=0)
    url = f"/voting/manage/{budget_round.id}/advance"
    response = post_form(staff, url, {})
    assert response.status_code == 409
    assert "Nothing was changed" in text(response) and "has no projects" in text(response)
    assert fresh(budget_round).phase is RoundPhase.COST_ESTIMATION


def test_an_early_close_needs_the_confirmation_and_a_public_reason(app):
    staff_user = make_user(staff=True, locale="en")
    staff = client_for(app, staff_user)
    budget_round = make_round("voting")
    announced = budget_round.voting_closes_at
    url = f"/voting/manage/{budget_round.id}/close"

    page = text(staff.get(url))
    assert "Voting closes now for everyone" in page and "before the announced time" in page
    assert "Ballots already given are kept" in page

    assert staff.post(url, data={"reason": "No confirmation"}).status_code == 400  # no CSRF token: refused
    response = post_form(staff, url, {"reason": "  "})
    assert response.status_code == 422
    assert "Write why voting closes before the announced time." in text(response)
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.VOTING and budget_round.voting_closes_at == announced
    assert budget_round.is_voting_open()
    with pytest.raises(RoundRuleError):  # nor through the service
        services.close_voting(staff_user, budget_round, reason="")
    db.session.rollback()

    response = post_form(staff, url, {"reason": "The board ended the vote after a fault in the letters."})
    assert response.status_code == 302
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.RESULTS and not budget_round.is_voting_open()
    assert budget_round.announced_closes_at == announced
    assert budget_round.closed_early_reason == "The board ended the vote after a fault in the letters."
    event = events("voting.phase_changed")[-1]
    assert event.details["early"] is True and event.details["reason"].startswith("The board")

    public = text(client_for(app).get(f"/voting/{budget_round.id}"))
    assert "Voting was closed early on" in public
    assert "The board ended the vote after a fault in the letters." in public
    assert "It had been announced to close on" in public


def test_closing_while_paper_ballots_wait_needs_a_reason(app):
    staff = client_for(app, make_user(staff=True, locale="en"))
    budget_round = make_round("voting", voting_closes_at=utcnow() - timedelta(hours=1))
    pending_sheet(budget_round)
    url = f"/voting/manage/{budget_round.id}/close"
    page = text(staff.get(url))
    assert "1 paper ballot waits for a second entry or a third look." in page
    assert "Why voting closes early" not in page  # on time: no public reason asked

    response = post_form(staff, url, {})
    assert response.status_code == 422 and "Write why voting closes while paper ballots wait" in text(response)
    assert fresh(budget_round).phase is RoundPhase.VOTING

    response = post_form(staff, url, {"paper_reason": "The box was lost; the board decided to close."})
    assert response.status_code == 302
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.RESULTS and budget_round.closed_early_at is None
    details = events("voting.phase_changed")[-1].details
    assert details["paper_pending"] == 1 and details["paper_reason"].startswith("The box")


def test_reopening_voting_then_refused_once_a_result_is_published(app):
    from pb.tally import services as tally

    staff_user = make_user(staff=True, locale="en")
    staff = client_for(app, staff_user)
    budget_round = make_round("voting")
    services.close_voting(staff_user, budget_round, reason="Closed by mistake.")
    db.session.commit()
    url = f"/voting/manage/{budget_round.id}/reopen"
    page = text(staff.get(url))
    assert "Voting opens again now for everyone" in page

    past = (utcnow() - timedelta(days=1)).astimezone(HELSINKI).strftime("%Y-%m-%dT%H:%M")
    response = post_form(staff, url, {"closes_at": past, "reason": "Closed by mistake."})
    assert response.status_code == 409 and "Give a new closing time in the future." in text(response)
    response = post_form(staff, url, {"closes_at": "", "reason": ""})
    assert response.status_code == 422 and "Give the new closing time." in text(response)
    assert fresh(budget_round).phase is RoundPhase.RESULTS

    new_close = (utcnow() + timedelta(days=3)).astimezone(HELSINKI).replace(second=0, microsecond=0)
    response = post_form(staff, url, {"closes_at": new_close.strftime("%Y-%m-%dT%H:%M"),
                                      "reason": "Voting was closed by mistake; it continues."})
    assert response.status_code == 302
    budget_round = fresh(budget_round)
    assert budget_round.phase is RoundPhase.VOTING and budget_round.is_voting_open()
    assert budget_round.voting_closes_at == new_close.astimezone(UTC)
    assert events("voting.voting_reopened")[-1].details["reason"].startswith("Voting was closed by mistake")
    public = text(client_for(app).get(f"/voting/{budget_round.id}"))
    assert "Voting was opened again on" in public and "Voting was closed by mistake; it continues." in public
    assert "It now closes on" in public

    services.close_voting(staff_user, budget_round, reason="Closed again.")
    db.session.commit()
    budget = budget_round.budgets[0]
    tally.publish_tally(tally.count_now(budget, staff_user), staff_user)
    db.session.commit()
    page = text(staff.get(url))
    assert "A result of this round has been published, so voting cannot be opened again." in page
    response = post_form(staff, url, {"closes_at": new_close.strftime("%Y-%m-%dT%H:%M"), "reason": "Again"},
                         form_url=f"/voting/manage/{budget_round.id}")
    assert response.status_code == 409
    assert fresh(budget_round).phase is RoundPhase.RESULTS
    with pytest.raises(RoundRuleError):
        services.reopen_voting(staff_user, fresh(budget_round), closes_at=new_close, reason="Again")
    db.session.rollback()


def test_reopen_blockers_are_registered_by_higher_domains(app):
    budget_round = make_round("results")
    services.register_reopen_blocker("test.always", lambda round_: f"blocked {round_.id}")
    try:
        assert f"blocked {budget_round.id}" in services.reopen_blockers(budget_round)
    finally:
        from pb.voting.services import phases

        phases._REOPEN_BLOCKERS.pop("test.always")


def test_pages_without_a_form_token_change_nothing(app):
    staff = client_for(app, make_user(staff=True, locale="en"))
    budget_round = make_round("results")
    token = csrf_token(staff, f"/voting/manage/{budget_round.id}")
    assert token
    response = staff.post(f"/voting/manage/{budget_round.id}/reopen",
                          data={"closes_at": "2099-01-01T10:00", "reason": "x"})
    assert response.status_code == 400
    assert fresh(budget_round).phase is RoundPhase.RESULTS


def test_results_and_implementation_never_move_by_themselves(app):
    results = make_round("results", implementation_start=date(2026, 1, 1), voting_closes_at=CLOSES)
    run_schedule(app, CLOSES + timedelta(days=30))
    assert fresh(results).phase is RoundPhase.RESULTS  # results are published by hand first
    assert events("voting.phase_changed") == []
