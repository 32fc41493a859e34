"""Staff pages: the proposals of each call, screening, and the downloads (CSV and a ZIP of printouts)."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.calls.services import all_calls
from pb.proposals import exports, services
from pb.proposals.forms import ScreeningForm
from pb.proposals.models import Eligibility, IneligibilityReason, ProposalStatus
from pb.proposals.routes.blueprint import bp
from pb.proposals.routes.common import call_or_404, proposal_or_404
from pb.proposals.services import ProposalRuleError
from pb.transactions import commit


@bp.route("/manage/")
@access(Access.STAFF)
def manage_index():
    now = services.clock()
    calls = all_calls()
    counts = {call.id: len(services.call_proposals(call)) for call in calls}
    return render_template(
        "proposals/manage_index.html",
        calls=calls,
        counts=counts,
        now=now,
        assisted=services.assisted_in_progress(),
    )


@bp.route("/manage/call/<int:call_id>")
@access(Access.STAFF)
def manage_call(call_id):
    call = call_or_404(call_id)
    require(call.can_manage(current_user))
    now = services.clock()
    proposals = services.call_proposals(call, include_drafts=True)
    return render_template(
        "proposals/manage_call.html",
        call=call,
        now=now,
        # Sent at least once (perhaps withdrawn since); a draft withdrawn unsent stays private, as drafts do.
        sent=[p for p in proposals if p.submitted_at is not None],
        drafts=[p for p in proposals if p.status is ProposalStatus.DRAFT],
        accepting=call.is_accepting_proposals(now),
        open_data=services.proposals_open_data(call, now) is not None,
    )


@bp.route("/<int:proposal_id>/screen", methods=["GET", "POST"])
@access(Access.STAFF)
def screen(proposal_id):
    proposal = proposal_or_404(proposal_id)
    require(proposal.can_view(current_user))
    now = services.clock()
    if not proposal.can_screen(current_user, now):
        flash(_("Proposals can be checked only after the call has closed and before the review ends."), "error")
        return redirect(url_for("proposals.manage_call", call_id=proposal.call_id))
    if request.method == "GET":
        form = ScreeningForm(
            formdata=None,
            data={
                "eligibility": proposal.eligibility.value if proposal.eligibility else None,
                "reason": proposal.ineligibility_reason.value if proposal.ineligibility_reason else "",
                "note": proposal.screening_note,
            },
        )
    else:
        form = ScreeningForm()
    problems = []
    if form.validate_on_submit():
        reason = IneligibilityReason(form.reason.data) if form.reason.data else None
        try:
            services.screen(
                current_user, proposal, Eligibility(form.eligibility.data), reason, form.note.data or "", now
            )
        except ProposalRuleError as error:
            problems = error.messages
        else:
            commit()
            flash(_("The result was saved. The applicant gets a message."), "success")
            return redirect(url_for("proposals.manage_call", call_id=proposal.call_id))
    latest = proposal.latest_version
    status = 422 if request.method == "POST" else 200
    return render_template(
        "proposals/screen.html",
        proposal=proposal,
        call=proposal.call,
        form=form,
        problems=problems,
        fields=exports.rendered_fields(latest.snapshot),
        latest=latest,
    ), status


def _download(body, mimetype, filename):
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.route("/manage/call/<int:call_id>/proposals.csv")
@access(Access.STAFF)
def export_csv(call_id):
    call = call_or_404(call_id)
    require(call.can_manage(current_user))
    return _download(exports.proposals_csv(call), "text/csv; charset=utf-8", f"call-{call.id}-proposals.csv")


@bp.route("/manage/call/<int:call_id>/printouts.zip")
@access(Access.STAFF)
def export_zip(call_id):
    call = call_or_404(call_id)
    require(call.can_manage(current_user))
    return _download(exports.proposals_zip(call), "application/zip", f"call-{call.id}-proposals.zip")

