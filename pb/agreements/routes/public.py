"""The public story page of a funded proposal: from the proposal through the decision to the result."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from pb.access import Access, access
from pb.agreements.routes.blueprint import bp, not_found_unless
from pb.agreements.services.drafting import agreement_of
from pb.agreements.services.story import has_story, story_of
from pb.extensions import db
from pb.proposals.models import Proposal


@bp.route("/stories/<int:funded_proposal_id>")
@access(Access.PUBLIC)
def story(funded_proposal_id):
    proposal = db.get_or_404(Proposal, funded_proposal_id)
    not_found_unless(has_story(proposal))
    return render_template("agreements/story.html", **story_of(proposal))


@bp.route("/proposals/<int:funded_proposal_id>")
@access(Access.SIGNED_IN)
def of_proposal(funded_proposal_id):
    """Where the proposal page's link leads: its agreement for those who take part, else the public story."""
    proposal = db.get_or_404(Proposal, funded_proposal_id)
    agreement = agreement_of(proposal)
    if agreement is not None and agreement.can_view(current_user):
        return redirect(url_for("agreements.show", agreement_id=agreement.id))
    if agreement is None and current_user.is_staff and has_story(proposal):
        return redirect(url_for("agreements.manage"))
    not_found_unless(has_story(proposal))
    return redirect(url_for("agreements.story", funded_proposal_id=proposal.id))
