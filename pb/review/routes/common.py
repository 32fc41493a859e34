"""Helpers the review views share: loading rows or 404, the object checks (403), refusals, PDF responses."""

from flask import Response, abort, render_template
from flask_login import current_user

from pb.access import require
from pb.calls.models import FundingCall
from pb.extensions import db
from pb.proposals.models import Proposal
from pb.review.models import Decision, Meeting
from pb.review.pdf import html_to_pdf
from pb.review.services import common
from pb.transactions import commit


def call_or_403(call_id):
    call = db.get_or_404(FundingCall, call_id)
    require(common.can_view_call(call, current_user))
    return call


def proposal_or_403(proposal_id):
    """A proposal under review that the person may open: never one they are recused from."""
    proposal = db.get_or_404(Proposal, proposal_id)
    require(common.can_open(proposal, current_user))
    return proposal


def meeting_or_403(meeting_id):
    meeting = db.get_or_404(Meeting, meeting_id)
    require(common.can_view_call(meeting.call, current_user))
    return meeting


def item_or_404(meeting, item_id):
    item = db.session.get(Decision, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


def refused(error, action, subject):
    """Nothing of the refused change is kept; the attempt itself is audited."""
    db.session.rollback()
    common.record_refusal(current_user, action, subject, error)
    commit()
    return error.messages


def pdf_response(template, filename, **context):
    html = render_template(template, printable=True, **context)
    return Response(
        html_to_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def download(body, mimetype, filename):
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
