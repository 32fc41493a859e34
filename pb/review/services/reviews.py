"""Reviews: drafts, submit, reopen, paper reviews entered by staff, and what each reviewer may read."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.calls.models import CallStatus
from pb.extensions import db
from pb.review.models import Recommendation, Review, ReviewChannel, ReviewStatus, Score
from pb.review.services.common import (
    ReviewRuleError,
    clock,
    declaration,
    is_reviewer,
    locked_message,
    scores_locked,
)


def review_of(proposal, user):
    query = db.select(Review).where(Review.proposal_id == proposal.id, Review.reviewer_id == user.id)
    return db.session.execute(query).scalar_one_or_none()


def reviews_of(proposal, submitted_only=True):
    query = db.select(Review).where(Review.proposal_id == proposal.id)
    if submitted_only:
        query = query.where(Review.status == ReviewStatus.SUBMITTED)
    return db.session.execute(query.order_by(Review.id)).scalars().all()


def can_read_others(proposal, user):
    """Blind until submitted: a reviewer reads the others' scores only after submitting their own.
    Staff who do not review this proposal read them all."""
    if is_reviewer(proposal, user):
        own = review_of(proposal, user)
        return own is not None and own.is_submitted
    return bool(user.is_staff)


def ensure_scoring_open(proposal, now):
    call = proposal.call
    if call.effective_status(now) is not CallStatus.IN_REVIEW:
        raise ReviewRuleError(_("Reviews are taken only while the call is in review."))
    if scores_locked(proposal):
        raise ReviewRuleError(locked_message())
    if call.is_past_review_deadline(now):
        raise ReviewRuleError(_("The review deadline has passed, so scores can no longer be given or changed."))


def _ensure_may_score(proposal, reviewer):
    if not is_reviewer(proposal, reviewer):
        raise ReviewRuleError(_("Only the reviewers of this proposal can score it."))
    found = declaration(proposal, reviewer)
    if found is None:
        raise ReviewRuleError(_("Declare first whether you have a conflict of interest with this proposal."))
    if found.recused:
        raise ReviewRuleError(_("You are recused from this proposal, so you cannot score it."))


def check_scores(criteria, answers):
    """Translated problems with the points; ``answers`` maps criterion id to points or None (n/a)."""
    problems = []
    for criterion in criteria:
        points = answers.get(criterion.id)
        if points is not None and not 0 <= points <= criterion.scale_max:
            problems.append(
                _(
                    "%(criterion)s: give points from 0 to %(max)s, or choose \"not applicable\".",
                    criterion=criterion.display_name,
                    max=criterion.scale_max,
                )
            )
    return problems


def save(actor, proposal, reviewer, data, submit, now=None):
    """Save ``reviewer``'s review as a draft, or submit it.

    ``data``: ``{"scores": {criterion_id: points or None}, "comments": {criterion_id: text},
    "recommendation": Recommendation or None, "comment": text}``. ``actor`` is the reviewer, or
    staff entering a paper review on the reviewer's behalf (recorded as such).
    Nothing is changed when anything is refused.
    """
    now = now or clock()
    _ensure_may_score(proposal, reviewer)
    ensure_scoring_open(proposal, now)
    review = review_of(proposal, reviewer)
    if review is not None and review.is_submitted:
        raise ReviewRuleError(_("This review has already been submitted. Reopen it first to change it."))
    criteria = proposal.call.criteria
    problems = check_scores(criteria, data["scores"])
    if submit and data.get("recommendation") is None:
        problems.append(_("Choose your overall recommendation."))
    if problems:
        raise ReviewRuleError(*problems)
    on_paper = actor.id != reviewer.id
    if review is None:
        review = Review(proposal_id=proposal.id, reviewer_id=reviewer.id, history=[])
        db.session.add(review)
    was_submitted_before = bool(review.history)
    review.channel = ReviewChannel.PAPER if on_paper else ReviewChannel.ONLINE
    review.entered_by_id = actor.id if on_paper else None
    review.version_number = proposal.latest_version.number
    review.recommendation = data.get("recommendation")
    review.comment = (data.get("comment") or "").strip()
    for criterion in criteria:
        score = review.score_for(criterion.id)
        if score is None:
            score = Score(criterion_id=criterion.id)
            review.scores.append(score)
        score.points = data["scores"].get(criterion.id)
        score.comment = (data["comments"].get(criterion.id) or "").strip()
    if submit:
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = now
        review.history = [*review.history, _snapshot(review, actor, now)]
    db.session.flush()
    details = {
        "reviewer_id": reviewer.id,
        "version": review.version_number,
        "scores": {str(key): value for key, value in data["scores"].items()},
        "recommendation": review.recommendation.value if review.recommendation else None,
    }
    if on_paper:
        details["entered_by_staff"] = actor.id
    if not submit:
        action = "review.draft_saved"
    elif was_submitted_before:
        action = "review.changed"
        details["previous"] = review.history[-2]
    else:
        action = "review.submitted"
    record(actor, action, proposal, details)
    return review


def _snapshot(review, actor, now):
    return {
        "at": now.isoformat(),
        "by": actor.id,
        "version": review.version_number,
        "channel": review.channel.value,
        "recommendation": review.recommendation.value if review.recommendation else None,
        "scores": {str(score.criterion_id): score.points for score in review.scores},
    }


def reopen(actor, review, now=None):
    """A submitted review back to a draft, until the meeting starts (or the deadline passes)."""
    now = now or clock()
    proposal = review.proposal
    if actor.id != review.reviewer_id and not (actor.is_staff and review.channel is ReviewChannel.PAPER):
        raise ReviewRuleError(_("Only the reviewer can reopen their review."))
    if not review.is_submitted:
        raise ReviewRuleError(_("This review is not submitted, so there is nothing to reopen."))
    ensure_scoring_open(proposal, now)
    review.status = ReviewStatus.DRAFT
    db.session.flush()
    record(actor, "review.reopened", proposal, {"reviewer_id": review.reviewer_id})
    return review


def recommendation_from(value):
    return Recommendation(value) if value else None
