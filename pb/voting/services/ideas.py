"""Residents' ideas: submission, staff assessment, merging duplicates, and publishing as projects."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.extensions import db
from pb.models_base import utcnow
from pb.transactions import after_commit
from pb.uploads import clean_stored_picture, delete_upload
from pb.voting.models import Idea, IdeaStatus
from pb.voting.services.errors import RoundRuleError
from pb.voting.services.rounds import add_project

IDEA_IMAGE_TYPES = ("image/png", "image/jpeg")


def submit_idea(user, budget_round, district_id, title, text, location, image=None):
    """``image`` is a :class:`pb.uploads.StoredUpload` already checked and stored, or None."""
    if not budget_round.accepts_ideas():
        raise RoundRuleError(_("This round is not collecting ideas now."))
    if image is not None and image.content_type not in IDEA_IMAGE_TYPES:
        raise RoundRuleError(_("The picture must be a PNG or JPEG image."))
    idea = Idea(
        round_id=budget_round.id, district_id=district_id, author_id=user.id, title=title, text=text,
        location=location or "",
        image_stored_name=image.stored_name if image else None,
        image_content_type=image.content_type if image else None,
    )
    db.session.add(idea)
    db.session.flush()
    record(user, "voting.idea_submitted", idea, {"round_id": budget_round.id})
    return idea


def keep_pictures_without_metadata(author):
    """When ``author``'s account is erased, their ideas stay (public contributions, no longer linked to
    them), and so do the ideas' pictures, but only without metadata: each is cleaned now (one stored
    before stripping existed still has its EXIF). A picture that cannot be cleaned (unreadable, its
    file gone) is taken off its idea, and its file deleted once that is committed."""
    query = db.select(Idea).where(Idea.author_id == author.id, Idea.image_stored_name.is_not(None)).order_by(Idea.id)
    for idea in db.session.execute(query).scalars():
        if clean_stored_picture(idea.image_stored_name, idea.image_content_type):
            continue
        stored_name = idea.image_stored_name
        idea.image_stored_name = idea.image_content_type = None
        db.session.flush()
        record(author, "voting.idea_picture_removed", idea, {"reason": "metadata could not be removed"})
        after_commit(lambda name=stored_name: delete_upload(name))


def public_ideas(budget_round):
    query = db.select(Idea).where(Idea.round_id == budget_round.id).order_by(Idea.id)
    return db.session.execute(query).scalars().all()


def assess_idea(actor, idea, feasible, reason, cost_estimate_cents, now=None):
    if idea.status in (IdeaStatus.ON_BALLOT, IdeaStatus.MERGED):
        raise RoundRuleError(_("This idea is already on the ballot or combined with another idea."))
    idea.status = IdeaStatus.FEASIBLE if feasible else IdeaStatus.NOT_FEASIBLE
    idea.assessment_reason = reason
    idea.cost_estimate_cents = cost_estimate_cents
    idea.assessed_by_id = actor.id
    idea.assessed_at = now or utcnow()
    db.session.flush()
    record(actor, "voting.idea_assessed", idea, {"feasible": feasible, "cost_estimate_cents": cost_estimate_cents})


def merge_idea(actor, idea, into):
    if into.id == idea.id or into.round_id != idea.round_id:
        raise RoundRuleError(_("Choose another idea of the same round."))
    if into.status is IdeaStatus.MERGED or idea.status is IdeaStatus.ON_BALLOT:
        raise RoundRuleError(_("An idea on the ballot cannot be combined, and ideas cannot be combined into a combined idea."))
    idea.status = IdeaStatus.MERGED
    idea.merged_into_id = into.id
    db.session.flush()
    record(actor, "voting.idea_merged", idea, {"into": into.id})


def publish_idea(actor, idea, budget, title, description, cost_cents):
    """Put a feasible idea on the ballot as a project of ``budget``."""
    if idea.status is not IdeaStatus.FEASIBLE:
        raise RoundRuleError(_("Only an idea assessed as possible can go on the ballot."))
    if budget.round_id != idea.round_id:
        raise RoundRuleError(_("Choose a budget of the same round."))
    project = add_project(actor, budget, title, description, cost_cents)
    idea.status = IdeaStatus.ON_BALLOT
    idea.project_id = project.id
    for duplicate in db.session.execute(db.select(Idea).filter_by(merged_into_id=idea.id)).scalars():
        duplicate.project_id = project.id
    db.session.flush()
    record(actor, "voting.idea_published", idea, {"project_id": project.id})
    return project
