"""Assisted and paper voting, double entry, and duplicates across channels (blocked both ways and reported)."""

import re

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import services
from pb.voting.models import AssistedSession, Ballot, Channel, PaperBallot, PaperStatus
from tests.factories import make_round, make_user, make_voter
from tests.helpers import browser, post_form


def text(response):
    return response.get_data(as_text=True)


def ballots():
    return db.session.execute(db.select(Ballot).order_by(Ballot.id)).scalars().all()


def refusal_reasons():
    query = db.select(AuditEvent).filter_by(action="voting.ballot_refused").order_by(AuditEvent.id)
    return [event.details["reason"] for event in db.session.execute(query).scalars()]


@pytest.fixture
def setting():
    budget_round = make_round(ballot_format="knapsack", projects=3, budget_cents=100_000_00, project_cost_cents=40_000_00)
    budget = budget_round.budgets[0]
    staff = [make_user(staff=True, locale="en", name=f"Staff {n}") for n in (1, 2, 3)]
    _batch, plain = services.create_code_batch(staff[0], budget_round, "Pop-up", 4, budget.district_id)
    db.session.commit()
    return budget_round, budget, staff, plain


def open_session(client, budget_round, budget, **fields):
    data = {"location": "Library", "identified_by": "code", "birth_year": "1950",
            "district_id": str(budget.district_id), "age_checked": "y", "residence_checked": "y"}
    data.update(fields)
    return post_form(client, f"/voting/manage/{budget_round.id}/assisted", data)


# --- assisted --------------------------------------------------------------------------------


def test_assisted_vote_on_the_staff_device(app, setting):
    budget_round, budget, staff, plain = setting
    device = browser(app, staff[0])
    response = open_session(device, budget_round, budget, code=plain[0], age_checked="")
    assert response.status_code == 422 and "identity document" in text(response)
    response = open_session(device, budget_round, budget, code=plain[0])
    assert response.status_code == 302
    session_url = response.headers["Location"]
    assisted = db.session.execute(db.select(AssistedSession)).scalar_one()
    assert (assisted.staff_id, assisted.location, assisted.age_band) == (staff[0].id, "Library", "65+")

    ballot_url = f"/voting/manage/assisted/{assisted.id}/ballot/{budget.id}"
    a, b, _c = (project.id for project in budget.projects)
    response = post_form(device, ballot_url, {"project": [str(a), str(b)], "version": "", "action": "cast"})
    assert response.status_code == 302 and response.headers["Location"].endswith(session_url)
    page = text(device.get(session_url))
    assert re.search(r'class="receipt-code">[A-Z0-9-]{14}<', page)
    ballot, = ballots()
    assert ballot.channel is Channel.ASSISTED and ballot.assisted_session_id == assisted.id
    cast_event = db.session.execute(db.select(AuditEvent).filter_by(action="voting.ballot_cast")).scalar_one()
    assert cast_event.actor_id == staff[0].id and cast_event.details["channel"] == "assisted"

    # Another staff member cannot use this session; closing it ends it.
    assert browser(app, staff[1]).get(session_url).status_code == 403
    assert post_form(device, f"{session_url}/close", {}, form_url=session_url).status_code == 302
    assert device.get(session_url).status_code == 403


def test_assisted_refuses_the_too_young(app, setting):
    budget_round, budget, staff, plain = setting
    device = browser(app, staff[0])
    response = open_session(device, budget_round, budget, code=plain[0], birth_year=str(utcnow().year - 9))
    assert response.status_code == 403 and "turn 12 this year" in text(response)
    assert refusal_reasons() == ["too_young"]
    assert db.session.execute(db.select(AssistedSession)).scalars().all() == []


def test_online_then_assisted_with_the_same_account_is_blocked(app, setting):
    budget_round, budget, staff, _plain = setting
    resident = make_voter(budget.district, locale="en")
    services.cast_ballot(services.account_voter(budget_round, resident), budget, {budget.projects[0].id: 1})
    db.session.commit()
    device = browser(app, staff[0])
    response = open_session(device, budget_round, budget, identified_by="account", email=resident.email)
    session_url = response.headers["Location"]
    assert "Already voted" in text(device.get(session_url))
    assisted = db.session.execute(db.select(AssistedSession)).scalar_one()
    response = post_form(device, f"/voting/manage/assisted/{assisted.id}/ballot/{budget.id}",
                         {"project": str(budget.projects[1].id), "version": "", "action": "cast"}, form_url=session_url)
    assert response.status_code == 409 and "in another way" in text(response)
    assert [b.channel for b in ballots()] == [Channel.ONLINE]


def test_assisted_then_online_with_the_same_account_is_blocked(app, setting):
    budget_round, budget, staff, _plain = setting
    resident = make_voter(budget.district, locale="en")
    device = browser(app, staff[0])
    open_session(device, budget_round, budget, identified_by="account", email=resident.email)
    assisted = db.session.execute(db.select(AssistedSession)).scalar_one()
    services.cast_ballot(services.assisted_voter(assisted), budget, {budget.projects[0].id: 1}, actor=staff[0])
    db.session.commit()
    own = browser(app, resident)
    url = f"/voting/{budget_round.id}/ballot/{budget.id}"
    assert own.get(url).status_code == 409
    response = post_form(own, url, {"project": str(budget.projects[1].id), "version": "", "action": "cast"},
                         form_url=f"/voting/{budget_round.id}/eligibility")
    assert response.status_code == 409 and "in another way" in text(response)
    assert [b.channel for b in ballots()] == [Channel.ASSISTED]
    assert refusal_reasons() == ["cross_channel_duplicate"]


# --- paper -----------------------------------------------------------------------------------


def enter(client, budget, batch, row, code, project_ids):
    url = f"/voting/manage/{budget.round_id}/paper/{budget.id}"
    return post_form(client, url, {"batch": batch, "row": str(row), "code": code,
                                   "project": [str(pid) for pid in project_ids]})


def test_paper_double_entry_with_one_mismatch(app, setting):
    budget_round, budget, staff, plain = setting
    first, second, third = (browser(app, member) for member in staff)
    a, b, c = (project.id for project in budget.projects)

    # Sheet 1: both readings agree -> counted.
    response = enter(first, budget, "B1", 1, plain[0], [a, b])
    assert response.status_code == 302
    assert "Another person must now enter it" in text(first.get(response.headers["Location"]))
    assert ballots() == []
    response = enter(first, budget, "B1", 1, plain[0], [a, b])
    assert response.status_code == 422 and "another person" in text(response)
    assert enter(second, budget, "B1", 1, plain[0].lower(), [b, a]).status_code == 302
    sheet1 = db.session.execute(db.select(PaperBallot).filter_by(row=1)).scalar_one()
    assert sheet1.status is PaperStatus.COUNTED
    ballot, = ballots()
    assert (ballot.channel, ballot.paper_batch, ballot.paper_row) == (Channel.PAPER, "B1", 1)
    assert ballot.points_by_project() == {a: 1, b: 1}

    # Sheet 2: the readings differ -> flagged; a third person's reading counts.
    enter(first, budget, "B1", 2, plain[1], [a])
    response = enter(second, budget, "B1", 2, plain[1], [c])
    assert "the two entries differ" in text(second.get(response.headers["Location"]))
    sheet2 = db.session.execute(db.select(PaperBallot).filter_by(row=2)).scalar_one()
    assert sheet2.status is PaperStatus.MISMATCH
    assert len(ballots()) == 1
    waiting = text(third.get(f"/voting/manage/{budget_round.id}/paper"))
    assert "B1 / 2" in waiting and "Entries differ" in waiting
    assert enter(second, budget, "B1", 2, plain[1], [c]).status_code == 422  # not the same person again
    assert enter(third, budget, "B1", 2, plain[1], [c]).status_code == 302
    assert sheet2.status is PaperStatus.COUNTED
    assert [b.points_by_project() for b in ballots()] == [{a: 1, b: 1}, {c: 1}]

    # A sheet already handled takes no more entries.
    assert enter(third, budget, "B1", 1, plain[0], [a]).status_code == 422
    actions = db.session.execute(db.select(AuditEvent.action).where(AuditEvent.action.like("voting.paper%"))).scalars().all()
    assert actions.count("voting.paper_entered") == 5 and actions.count("voting.paper_mismatch") == 1


def test_invalid_paper_ballot_is_recorded_as_not_counted(app, setting):
    budget_round, budget, staff, plain = setting
    first, second = browser(app, staff[0]), browser(app, staff[1])
    ids = [project.id for project in budget.projects]
    enter(first, budget, "B2", 7, plain[0], ids)
    enter(second, budget, "B2", 7, plain[0], ids)
    sheet = db.session.execute(db.select(PaperBallot)).scalar_one()
    assert (sheet.status, sheet.refusal_reason) == (PaperStatus.REFUSED, "over_budget")
    assert ballots() == []
    report = text(first.get(f"/voting/manage/{budget_round.id}/duplicates"))
    assert "B2 / 7" in report and "The projects cost more than the budget" in report


def test_online_code_then_paper_with_the_same_code_is_blocked_and_reported(app, setting):
    budget_round, budget, staff, plain = setting
    voter_browser = browser(app)
    post_form(voter_browser, f"/voting/{budget_round.id}/code", {"code": plain[0]})
    post_form(voter_browser, f"/voting/{budget_round.id}/ballot/{budget.id}",
              {"project": str(budget.projects[0].id), "version": "", "action": "cast"})
    assert [b.channel for b in ballots()] == [Channel.ONLINE]
    first, second = browser(app, staff[0]), browser(app, staff[1])
    enter(first, budget, "B3", 1, plain[0], [budget.projects[1].id])
    enter(second, budget, "B3", 1, plain[0], [budget.projects[1].id])
    sheet = db.session.execute(db.select(PaperBallot)).scalar_one()
    assert (sheet.status, sheet.refusal_reason) == (PaperStatus.REFUSED, "cross_channel_duplicate")
    assert [b.channel for b in ballots()] == [Channel.ONLINE]
    report = text(first.get(f"/voting/manage/{budget_round.id}/duplicates"))
    assert "The same voter already voted in another way" in report and "Paper ballot" in report


def test_paper_then_online_with_the_same_code_is_blocked_and_reported(app, setting):
    budget_round, budget, staff, plain = setting
    enter(browser(app, staff[0]), budget, "B4", 1, plain[0], [budget.projects[0].id])
    enter(browser(app, staff[1]), budget, "B4", 1, plain[0], [budget.projects[0].id])
    assert [b.channel for b in ballots()] == [Channel.PAPER]
    response = post_form(browser(app), f"/voting/{budget_round.id}/code", {"code": plain[0]})
    assert response.status_code == 409 and "already been used" in text(response)
    assert refusal_reasons() == ["cross_channel_duplicate"]
    report = text(browser(app, staff[2]).get(f"/voting/manage/{budget_round.id}/duplicates"))
    assert "The same voter already voted in another way" in report
