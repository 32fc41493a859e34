"""The call's state over time: effective status, accepting proposals, legal transitions, publish checks."""

from datetime import timedelta

import pytest

from pb.calls.models import TRANSITIONS, CallStatus
from pb.models_base import utcnow
from tests.factories import make_call

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def test_published_call_opens_and_closes_by_the_clock():
    call = make_call("upcoming")
    assert call.effective_status(call.opens_at - SECOND) is CallStatus.PUBLISHED
    assert call.effective_status(call.opens_at) is CallStatus.OPEN
    assert call.effective_status(call.closes_at - SECOND) is CallStatus.OPEN
    assert call.effective_status(call.closes_at) is CallStatus.CLOSED
    assert call.status is CallStatus.PUBLISHED  # the stored status is the staff's, untouched by time


def test_accepting_proposals_around_the_deadline():
    call = make_call("open")
    assert call.is_accepting_proposals(call.closes_at - SECOND)
    assert not call.is_accepting_proposals(call.closes_at)
    assert not call.is_accepting_proposals(call.closes_at + SECOND)
    assert not call.is_accepting_proposals(call.opens_at - SECOND)
    assert call.is_accepting_proposals(call.opens_at)


def test_explicitly_opened_call_still_closes_by_the_clock():
    call = make_call("open", status=CallStatus.OPEN)
    assert call.is_accepting_proposals(call.closes_at - SECOND)
    assert call.effective_status(call.closes_at) is CallStatus.CLOSED


@pytest.mark.parametrize("status", [CallStatus.DRAFT, CallStatus.CLOSED, CallStatus.IN_REVIEW, CallStatus.DECIDED,
                                    CallStatus.ARCHIVED])
def test_other_statuses_never_accept_proposals_whatever_the_time(status):
    call = make_call("open", status=status)
    for moment in (call.opens_at - DAY, call.opens_at + SECOND, call.closes_at - SECOND, call.closes_at + DAY):
        assert call.effective_status(moment) is status
        assert not call.is_accepting_proposals(moment)


def test_draft_without_dates_is_a_draft():
    call = make_call("draft", opens_at=None, closes_at=None)
    assert call.effective_status() is CallStatus.DRAFT
    assert not call.is_accepting_proposals()


def test_transitions_go_forward_one_step_from_the_effective_status():
    call = make_call("upcoming")
    before = call.opens_at - DAY
    assert call.allowed_transitions(before) == (CallStatus.OPEN,)
    assert call.can_transition(CallStatus.OPEN, before)
    assert not call.can_transition(CallStatus.CLOSED, before)
    assert not call.can_transition(CallStatus.DRAFT, before)
    during = call.opens_at + DAY
    assert call.allowed_transitions(during) == (CallStatus.CLOSED,)
    after = call.closes_at + DAY
    assert call.allowed_transitions(after) == (CallStatus.IN_REVIEW,)
    assert TRANSITIONS[CallStatus.ARCHIVED] == ()
    order = list(CallStatus)
    for status, targets in TRANSITIONS.items():
        assert all(order.index(target) == order.index(status) + 1 for target in targets)


def test_publish_problems_list_everything_missing(app):
    now = utcnow()
    call = make_call("draft", criteria=0, steering_group=None, opens_at=None, closes_at=None, eligible_kinds=[],
                     whole_municipality=False)
    problems = [str(problem) for problem in call.publish_problems(now)]
    assert len(problems) == 5
    assert any("criterion" in problem for problem in problems)
    assert any("steering group" in problem for problem in problems)
    assert any("opening time and the closing time" in problem for problem in problems)
    assert any("who can apply" in problem for problem in problems)
    assert any("districts" in problem for problem in problems)
    assert make_call("draft").publish_problems(now) == []


def test_publish_requires_a_future_opening_time(app):
    call = make_call("draft")
    assert call.publish_problems(call.opens_at - SECOND) == []
    assert "future" in str(call.publish_problems(call.opens_at)[0])


def test_criteria_weight_shares(app):
    call = make_call("draft", criteria=3)  # weights 1, 2, 3
    assert call.total_weight == 6
    assert [criterion.weight_percent() for criterion in call.criteria] == [17, 33, 50]


def test_who_may_see_and_comment(app):
    from tests.factories import make_user

    resident = make_user()
    unverified = make_user(verified=False)
    staff = make_user(staff=True)
    draft = make_call("draft")
    assert not draft.can_view(resident) and draft.can_view(staff)
    upcoming = make_call("upcoming")
    assert upcoming.can_view(resident)
    assert upcoming.can_comment(resident) and not upcoming.can_comment(unverified)
    assert not upcoming.can_comment(resident, upcoming.opens_at)
    assert upcoming.can_answer(staff, upcoming.opens_at) and not upcoming.can_answer(resident)
    assert not upcoming.can_answer(staff, upcoming.closes_at)
