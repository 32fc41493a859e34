"""Builders for review tests: a call in review with a steering group of three and three eligible proposals."""

from dataclasses import dataclass
from datetime import timedelta

from pb.calls.models import CallStatus
from pb.extensions import db
from pb.models_base import utcnow
from pb.proposals.models import Eligibility
from pb.review.models import Recommendation
from pb.review.services import conflicts, reviews
from tests.factories import make_call, make_organisation, make_proposal, make_steering_group, make_user

DAY = timedelta(days=1)


@dataclass
class Review:
    call: object
    group: object
    chair: object
    member: object
    expert: object
    staff: object
    applicant: object
    proposals: list


def review_setup(official_confirms=False, budget_cents=10_000_00, deadline_days=7, staff_member=False):
    """A call in review (closed 10 days ago) with criteria weights 1, 2, 3 (scale 0-5), three members
    (chair, member, expert by experience), a staff user, and three eligible sent proposals
    asking 4 000 €, 3 000 € and 2 000 €. The first proposal's applicant is ``applicant``."""
    chair = make_user(name="Chair Person", locale="en")
    member = make_user(name="Member Person", locale="en")
    expert = make_user(name="Expert Person", locale="en")
    staff = make_user(staff=True, name="Staff Person", locale="en")
    members = [(chair, "chair"), (member, "member"), (expert, "expert_by_experience")]
    if staff_member:
        members.append((staff, "official"))
    group = make_steering_group("Ryhmä", members=members)
    now = utcnow()
    call = make_call("closed", steering_group=group, total_budget_cents=budget_cents, max_grant_cents=min(budget_cents, 10_000_00),
                     status=CallStatus.IN_REVIEW, review_deadline=now + deadline_days * DAY,
                     official_confirms=official_confirms,
                     appeal_text={"fi": "Oikaisuvaatimus 14 päivässä.", "en": "Ask for a review within 14 days."})
    applicant = make_user(name="Applicant Person", locale="en")
    sent = call.opens_at + DAY
    proposals = []
    for number, (title, cents) in enumerate((("Alpha", 4_000_00), ("Beta", 3_000_00), ("Gamma", 2_000_00)), start=1):
        organisation = make_organisation("ngo", representative=applicant if number == 1 else make_user())
        proposal = make_proposal(call, organisation=organisation, state="submitted", title=title,
                                 lines=(("Costs", cents),), now=sent)
        proposal.eligibility = Eligibility.ELIGIBLE
        proposals.append(proposal)
    db.session.commit()
    return Review(call, group, chair, member, expert, staff, applicant, proposals)


def answers(call, *points):
    return {criterion.id: value for criterion, value in zip(call.criteria, points, strict=True)}


def score(proposal, reviewer, *points, recommendation=Recommendation.FUND, submit=True, actor=None, declare=True):
    """Declare no conflict (unless done) and save the review; committed."""
    if declare and conflicts.declaration(proposal, reviewer) is None:
        conflicts.declare(actor or reviewer, proposal, reviewer, False)
    review = reviews.save(actor or reviewer, proposal, reviewer, {
        "scores": answers(proposal.call, *points), "comments": {}, "recommendation": recommendation, "comment": "",
    }, submit=submit)
    db.session.commit()
    return review
