"""Helpers the proposal views share: loading rows or 404, the step names, where to send the person back."""

from flask import abort, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.calls.models import FundingCall
from pb.extensions import db
from pb.proposals import services
from pb.proposals.models import Proposal, ProposalStatus


def step_titles():
    """The step names in the visitor's language (module-level strings would freeze one language)."""
    return {
        "basics": _("The activity"),
        "budget": _("Budget"),
        "goals": _("Goals"),
        "attachments": _("Attachments"),
        "preview": _("Check and send"),
    }


def proposal_or_404(proposal_id):
    return db.get_or_404(Proposal, proposal_id)


def call_or_404(call_id):
    call = db.get_or_404(FundingCall, call_id)
    if not call.can_view(current_user):
        abort(404)
    return call


def not_editable_message(proposal, now):
    if proposal.status is ProposalStatus.WITHDRAWN:
        return _("The proposal was withdrawn, so it can no longer be changed.")
    return services.closed_message(proposal.call, now)


def send_back(proposal):
    return redirect(url_for("proposals.show", proposal_id=proposal.id))
