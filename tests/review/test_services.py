"""Review services: declarations and recusals, blind scoring, the rules on scores, meetings,
decisions, minutes, confirmation by an official, notices, returning a proposal and the audit log."""

from datetime import timedelta

import pytest

from pb.audit.models import AuditEvent
from pb.calls.models import CallStatus
from pb.extensions import db
from pb.models_base import utcnow
from pb.orgs.models import MemberRole, Membership
from pb.proposals import services as proposals
from pb.proposals.models import ApplicantStatus, DecisionOutcome
from pb.review.models import MeetingStatus, Recommendation, ReviewStatus
from pb.review.services import common, conflicts, meetings, progress, ranking, reviews
from pb.review.services.common import ReviewRuleError
from pb.transactions import commit
from tests.factories import make_user
from tests.review.support import answers, review_setup, score

DAY = timedelta(days=1)


def actions(prefix="review."):
    return [e.action for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()
            if e.action.startswith(prefix)]


@pytest.fixture
def setup():
    return review_setup()


# --- conflicts --------------------------------------------------------------------------------


def test_member_of_the_applicant_is_recused_automatically(setup):
    alpha = setup.proposals[0]
    alpha.organisation.memberships.append(Membership(user=setup.member, role=MemberRole.MEMBER))
    db.session.commit()
    made = conflicts.recuse_automatically(setup.call)
    db.session.commit()
    assert [(row.proposal_id, row.user_id) for row in made] == [(alpha.id, setup.member.id)]
    assert common.is_recused(alpha, setup.member)
    assert not common.can_open(alpha, setup.member)
    # declaring "no conflict" cannot undo it
    with pytest.raises(ReviewRuleError):
        conflicts.declare(setup.member, alpha, setup.member, False)
    assert "review.recused_automatically" in actions()


def test_declaring_a_conflict_needs_a_reason_and_is_made_once(setup):
    beta = setup.proposals[1]
    with pytest.raises(ReviewRuleError, match="reason"):
        conflicts.declare(setup.member, beta, setup.member, True, "  ")
    row = conflicts.declare(setup.member, beta, setup.member, True, "Board member of the applicant")
    db.session.commit()
    assert row.recused
    with pytest.raises(ReviewRuleError, match="already"):
        conflicts.declare(setup.member, beta, setup.member, False)
    assert "review.conflict_declared" in actions()


def test_only_reviewers_declare(setup):
    outsider = make_user()
    with pytest.raises(ReviewRuleError):
        conflicts.declare(outsider, setup.proposals[0], outsider, False)


def test_staff_override_needs_a_reason_and_another_person(setup):
    beta = setup.proposals[1]
    row = conflicts.declare(setup.member, beta, setup.member, True, "Neighbour of the applicant")
    db.session.commit()
    with pytest.raises(ReviewRuleError, match="why"):
        conflicts.override(setup.staff, row, "")
    conflicts.override(setup.staff, row, "The neighbour moved away last year.")
    db.session.commit()
    assert not common.is_recused(beta, setup.member)
    assert common.can_see_details(beta, setup.member)
    assert "review.recusal_overridden" in actions()


def test_members_must_declare_before_details_staff_outside_the_group_need_not(setup):
    alpha = setup.proposals[0]
    assert common.can_open(alpha, setup.member) and common.needs_declaration(alpha, setup.member)
    assert not common.can_see_details(alpha, setup.member)
    assert common.can_see_details(alpha, setup.staff)
    assert not common.can_open(alpha, make_user())  # not in the group
    assert not common.can_open(alpha, setup.applicant)


# --- scoring ----------------------------------------------------------------------------------


def test_blind_until_own_review_is_submitted(setup):
    alpha = setup.proposals[0]
    score(alpha, setup.chair, 5, 5, 5)
    assert not reviews.can_read_others(alpha, setup.member)
    score(alpha, setup.member, 3, 3, 3, submit=False)
    assert not reviews.can_read_others(alpha, setup.member)  # a draft is not enough
    review = reviews.review_of(alpha, setup.member)
    reviews.save(setup.member, alpha, setup.member, {"scores": answers(setup.call, 3, 3, 3), "comments": {},
                 "recommendation": Recommendation.FUND, "comment": ""}, submit=True)
    db.session.commit()
    assert review.is_submitted and reviews.can_read_others(alpha, setup.member)
    assert reviews.can_read_others(alpha, setup.staff)  # staff outside the group


def test_ranking_hides_figures_until_own_review_is_submitted(setup):
    alpha = setup.proposals[0]
    score(alpha, setup.chair, 5, 5, 5)
    rows = {row.proposal.id: row for row in ranking.ranking(setup.call, setup.member)}
    assert rows[alpha.id].hidden
    csv_text = ranking.ranking_csv(setup.call, setup.member)
    assert "100.0" not in csv_text
    rows = {row.proposal.id: row for row in ranking.ranking(setup.call, setup.chair)}
    assert not rows[alpha.id].hidden and rows[alpha.id].figures.mean == 100


def test_score_outside_the_scale_is_refused_and_nothing_saved(setup):
    alpha = setup.proposals[0]
    conflicts.declare(setup.member, alpha, setup.member, False)
    db.session.commit()
    for bad in (6, -1):
        with pytest.raises(ReviewRuleError, match="from 0 to 5"):
            reviews.save(setup.member, alpha, setup.member, {"scores": answers(setup.call, bad, 1, 1), "comments": {},
                         "recommendation": Recommendation.FUND, "comment": ""}, submit=True)
        db.session.rollback()
    assert reviews.review_of(alpha, setup.member) is None


def test_submit_needs_a_recommendation_and_a_double_submit_is_refused(setup):
    alpha = setup.proposals[0]
    conflicts.declare(setup.member, alpha, setup.member, False)
    with pytest.raises(ReviewRuleError, match="recommendation"):
        reviews.save(setup.member, alpha, setup.member, {"scores": answers(setup.call, 1, 1, 1), "comments": {},
                     "recommendation": None, "comment": ""}, submit=True)
    db.session.rollback()
    score(alpha, setup.member, 1, 2, 3)
    with pytest.raises(ReviewRuleError, match="already been submitted"):
        score(alpha, setup.member, 1, 2, 3)


def test_scoring_after_the_deadline_is_refused(setup):
    alpha = setup.proposals[0]
    conflicts.declare(setup.member, alpha, setup.member, False)
    later = setup.call.review_deadline + DAY
    with pytest.raises(ReviewRuleError, match="deadline"):
        reviews.save(setup.member, alpha, setup.member, {"scores": answers(setup.call, 1, 1, 1), "comments": {},
                     "recommendation": Recommendation.FUND, "comment": ""}, submit=True, now=later)


def test_reopen_keeps_each_submitted_version_and_audits_the_change(setup):
    alpha = setup.proposals[0]
    review = score(alpha, setup.member, 1, 1, 1)
    reviews.reopen(setup.member, review)
    db.session.commit()
    assert review.status is ReviewStatus.DRAFT
    score(alpha, setup.member, 4, 4, 4)
    assert [entry["scores"][str(setup.call.criteria[0].id)] for entry in review.history] == [1, 4]
    assert [a for a in actions() if a in ("review.submitted", "review.reopened", "review.changed")] == [
        "review.submitted", "review.reopened", "review.changed"]


def test_paper_review_is_recorded_as_entered_by_staff(setup):
    alpha = setup.proposals[0]
    review = score(alpha, setup.expert, 2, 3, 4, actor=setup.staff)
    assert review.channel.value == "paper" and review.entered_by_id == setup.staff.id
    assert review.reviewer_id == setup.expert.id
    assert conflicts.declaration(alpha, setup.expert).entered_by_id == setup.staff.id


def test_assigned_subset_and_progress(setup):
    alpha = setup.proposals[0]
    progress.assign(setup.staff, alpha, [setup.chair.id, setup.expert.id])
    db.session.commit()
    assert common.reviewer_ids(alpha) == {setup.chair.id, setup.expert.id}
    assert progress.state_of(alpha, setup.member) == "not_reviewer"
    with pytest.raises(ReviewRuleError):
        progress.assign(setup.staff, alpha, [make_user().id])
    unfinished = progress.unfinished_by_reviewer(setup.call)
    assert alpha in unfinished[setup.chair] and alpha not in unfinished[setup.member]


# --- meetings and decisions -------------------------------------------------------------------


def _meeting(setup, proposals=None):
    ids = [p.id for p in (proposals or setup.proposals)]
    meeting = meetings.prepare(setup.staff, setup.call, utcnow() + DAY, "Room 1",
                               [setup.chair.id, setup.member.id, setup.expert.id], setup.chair.id, ids)
    db.session.commit()
    return meeting


def test_prepare_refuses_a_forged_proposal_id_and_a_chair_who_is_not_attending(setup):
    with pytest.raises(ReviewRuleError, match="cannot be decided"):
        meetings.prepare(setup.staff, setup.call, utcnow(), "", [setup.chair.id], setup.chair.id, [999_999])
    with pytest.raises(ReviewRuleError, match="chair"):
        meetings.prepare(setup.staff, setup.call, utcnow(), "", [setup.member.id], setup.chair.id, [setup.proposals[0].id])


def test_agenda_follows_the_ranking_and_start_locks_the_reviews(setup):
    alpha, beta, gamma = setup.proposals
    score(gamma, setup.chair, 5, 5, 5)
    score(alpha, setup.chair, 1, 1, 1)
    meeting = _meeting(setup)
    assert [item.proposal_id for item in meeting.items][:2] == [gamma.id, alpha.id]
    review = reviews.review_of(alpha, setup.chair)
    meetings.start(setup.chair, meeting)
    db.session.commit()
    with pytest.raises(ReviewRuleError, match="meeting"):
        reviews.reopen(setup.chair, review)
    with pytest.raises(ReviewRuleError, match="meeting"):
        score(beta, setup.member, 1, 1, 1)


def test_decisions_need_reasons_a_valid_reduced_amount_and_an_override_over_budget():
    setup = review_setup(budget_cents=5_000_00)
    alpha, beta, _gamma = setup.proposals
    meeting = _meeting(setup)
    items = {item.proposal_id: item for item in meeting.items}
    with pytest.raises(ReviewRuleError, match="start the meeting"):
        meetings.decide(setup.chair, items[alpha.id], DecisionOutcome.APPROVED, None, "", "Good.")
    meetings.start(setup.chair, meeting)
    with pytest.raises(ReviewRuleError, match="reasons"):
        meetings.decide(setup.chair, items[alpha.id], DecisionOutcome.REJECTED, None, "", "  ")
    with pytest.raises(ReviewRuleError, match="reduced amount"):
        meetings.decide(setup.chair, items[alpha.id], DecisionOutcome.APPROVED_REDUCED, 4_000_00, "", "Too much.")
    meetings.decide(setup.chair, items[alpha.id], DecisionOutcome.APPROVED, None, "", "Good.")  # 4 000 of 5 000
    with pytest.raises(ReviewRuleError, match="more than the budget"):
        meetings.decide(setup.chair, items[beta.id], DecisionOutcome.APPROVED, None, "", "Also good.")
    meetings.decide(setup.chair, items[beta.id], DecisionOutcome.APPROVED, None, "", "Also good.",
                    over_budget_reason="The council added 2 000 euros to the budget.")
    db.session.commit()
    assert meetings.approved_total(setup.call) == 7_000_00
    assert items[beta.id].over_budget_reason.startswith("The council")


def test_a_recused_chair_cannot_decide_that_proposal(setup):
    alpha = setup.proposals[0]
    conflicts.declare(setup.chair, alpha, setup.chair, True, "My cousin leads the applicant.")
    db.session.commit()
    meeting = _meeting(setup)
    meetings.start(setup.chair, meeting)
    item = next(i for i in meeting.items if i.proposal_id == alpha.id)
    with pytest.raises(ReviewRuleError, match="recused"):
        meetings.decide(setup.chair, item, DecisionOutcome.REJECTED, None, "", "No.")
    meetings.decide(setup.staff, item, DecisionOutcome.REJECTED, None, "", "Not open to everyone.")


def _run_meeting(setup):
    alpha, beta, gamma = setup.proposals
    meeting = _meeting(setup)
    meetings.start(setup.chair, meeting)
    items = {item.proposal_id: item for item in meeting.items}
    meetings.decide(setup.chair, items[alpha.id], DecisionOutcome.APPROVED_REDUCED, 2_500_00,
                    "Report by the end of the year.", "A good plan; the rent is too high.")
    meetings.decide(setup.chair, items[beta.id], DecisionOutcome.REJECTED, None, "", "The activity is not open to all.")
    meetings.decide(setup.chair, items[gamma.id], DecisionOutcome.RETURNED, None, "", "Tell us who runs the evenings.")
    with pytest.raises(ReviewRuleError, match="Only the chair"):
        meetings.sign(setup.member, meeting)
    meetings.close(setup.chair, meeting, "Ended at 18.")
    db.session.commit()
    return meeting, items


def test_signing_locks_the_minutes_tells_the_applicants_and_a_return_can_be_resubmitted(setup, outbox):
    alpha, beta, gamma = setup.proposals
    meeting, items = _run_meeting(setup)
    meetings.sign(setup.chair, meeting)
    commit()  # the mails are queued once the transaction is committed
    assert meeting.status is MeetingStatus.SIGNED
    for attempt in (lambda: meetings.decide(setup.chair, items[beta.id], DecisionOutcome.APPROVED, None, "", "Changed"),
                    lambda: meetings.close(setup.chair, meeting),
                    lambda: meetings.sign(setup.chair, meeting),
                    lambda: meetings.start(setup.chair, meeting)):
        with pytest.raises(ReviewRuleError, match="signed"):
            attempt()
    with pytest.raises(ReviewRuleError, match="meeting"):  # scoring after the sign-off
        score(beta, setup.expert, 1, 1, 1)
    db.session.rollback()
    db.session.refresh(alpha)
    assert alpha.decision_outcome is DecisionOutcome.APPROVED_REDUCED and alpha.granted_cents == 2_500_00
    assert alpha.decision_conditions == "Report by the end of the year."
    assert alpha.applicant_status() is ApplicantStatus.DECIDED
    assert gamma.is_returned and gamma.applicant_status() is ApplicantStatus.RETURNED
    subjects = {(to, body.split("\n")[0]) for to, _subject, body in outbox.messages()}
    assert any(to == setup.applicant.email and "Approved with a smaller amount" in first for to, first in subjects)
    alpha_mail = next(body for to, _s, body in outbox.messages() if to == setup.applicant.email)
    assert "Ask for a review within 14 days." in alpha_mail and "Report by the end of the year." in alpha_mail
    # the call is not decided while a proposal is back with its applicant
    assert setup.call.status is CallStatus.IN_REVIEW

    # the applicant changes the returned proposal after the call closed, and sends it again
    representative = gamma.organisation.memberships[0].user
    assert gamma.can_edit(representative)
    proposals.save_step(representative, gamma, "basics", {
        "title": "Gamma", "summary": "Run by two volunteers.", "description": "Volunteers Anna and Ben run it.",
        "target_groups": "All", "district_ids": [], "start_date": gamma.start_date, "end_date": gamma.end_date,
        "partners": [],
    }, gamma.version_id)
    proposals.submit(representative, gamma, gamma.version_id)
    db.session.commit()
    assert not gamma.is_returned and gamma.latest_version.number == 2
    assert actions("proposals.")[-1] == "proposals.resubmitted"

    # a second meeting decides the new version; then the call is decided
    second = meetings.prepare(setup.staff, setup.call, utcnow() + 2 * DAY, "", [setup.chair.id], setup.chair.id, [gamma.id])
    assert second.items[0].version_number == 2
    meetings.start(setup.chair, second)
    meetings.decide(setup.chair, second.items[0], DecisionOutcome.APPROVED, None, "", "Now clear.")
    meetings.close(setup.chair, second)
    meetings.sign(setup.chair, second)
    db.session.commit()
    assert setup.call.status is CallStatus.DECIDED
    assert {"review.decided", "review.minutes_signed", "review.applicant_notified"} <= set(actions())


def test_official_confirms_or_changes_before_the_applicant_is_told():
    setup = review_setup(official_confirms=True)
    alpha, beta, gamma = setup.proposals
    meeting, items = _run_meeting(setup)
    meetings.sign(setup.chair, meeting)
    db.session.commit()
    assert alpha.decision_outcome is None  # waiting for the official
    assert gamma.is_returned  # a return needs no confirmation
    with pytest.raises(ReviewRuleError, match="official"):
        meetings.confirm(setup.member, items[alpha.id], changed=False)
    meetings.confirm(setup.staff, items[alpha.id], changed=False)
    with pytest.raises(ReviewRuleError, match="reasons"):
        meetings.confirm(setup.staff, items[beta.id], changed=True, outcome=DecisionOutcome.APPROVED, reasons="")
    meetings.confirm(setup.staff, items[beta.id], changed=True, outcome=DecisionOutcome.APPROVED_REDUCED,
                     amount_cents=1_000_00, reasons="A small trial is worth funding.")
    db.session.commit()
    assert alpha.decision_outcome is DecisionOutcome.APPROVED_REDUCED
    assert beta.decision_outcome is DecisionOutcome.APPROVED_REDUCED and beta.granted_cents == 1_000_00
    assert beta.decision_reasons == "A small trial is worth funding."
    assert "review.decision_changed_by_official" in actions() and "review.decision_confirmed" in actions()
