"""The applicant's own pages: "My applications", starting a proposal, reading it and its
sent versions, and withdrawing it."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.forms import ConfirmForm
from pb.proposals import exports, services
from pb.proposals.forms import StartForm
from pb.proposals.routes.blueprint import bp
from pb.proposals.routes.common import call_or_404, proposal_or_404, send_back
from pb.proposals.services import ProposalRuleError
from pb.transactions import commit


@bp.route("/")
@access(Access.SIGNED_IN)
def mine():
    now = services.clock()
    proposals = services.proposals_of(current_user) if current_user.is_verified else []
    return render_template(
        "proposals/mine.html",
        proposals=proposals,
        now=now,
        assisted=services.assisted_in_progress() if current_user.is_staff else [],
    )


@bp.route("/new/<int:call_id>", methods=["GET", "POST"])
@access(Access.RESIDENT)
def start(call_id):
    call = call_or_404(call_id)
    now = services.clock()
    if not call.is_accepting_proposals(now):
        flash(services.closed_message(call, now), "error")
        return redirect(url_for("calls.show", call_id=call.id))
    organisations = services.eligible_organisations(current_user, call)
    form = StartForm(organisations)
    if organisations and form.validate_on_submit():
        organisation = next(o for o in organisations if o.id == form.organisation_id.data)
        try:
            proposal = services.create_proposal(current_user, call, organisation, form.title.data, now)
        except ProposalRuleError as error:
            return render_template(
                "proposals/start.html", call=call, form=form, organisations=organisations, problems=error.messages
            ), 422
        commit()
        flash(_("The draft was saved. You can continue now or later from \"My applications\"."), "success")
        return redirect(url_for("proposals.edit_step", proposal_id=proposal.id, step="basics"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "proposals/start.html", call=call, form=form, organisations=organisations, problems=[]
    ), status


@bp.route("/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@access(Access.RESIDENT)
def withdraw(proposal_id):
    """GET asks for confirmation; POST withdraws."""
    proposal = proposal_or_404(proposal_id)
    require(proposal.is_applicant(current_user))
    now = services.clock()
    if not proposal.can_withdraw(current_user, now):
        flash(_("This proposal can no longer be withdrawn."), "error")
        return send_back(proposal)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.withdraw(current_user, proposal, now)
        except ProposalRuleError as error:
            flash(str(error), "error")
            return send_back(proposal)
        commit()
        flash(_("The proposal was withdrawn. It will not be reviewed."), "success")
        return send_back(proposal)
    return render_template("proposals/withdraw.html", proposal=proposal, form=form)


@bp.route("/<int:proposal_id>")
@access(Access.RESIDENT)
def show(proposal_id):
    proposal = proposal_or_404(proposal_id)
    require(proposal.can_view(current_user))
    now = services.clock()
    latest = proposal.latest_version
    data = latest.snapshot if latest is not None else services.snapshot(proposal)
    return render_template(
        "proposals/show.html",
        proposal=proposal,
        call=proposal.call,
        now=now,
        status=proposal.applicant_status(now),
        fields=exports.rendered_fields(data),
        latest=latest,
        can_edit=proposal.can_edit(current_user, now),
        can_submit=proposal.can_submit(current_user, now),
        can_withdraw=proposal.can_withdraw(current_user, now),
        can_manage_coapplicants=proposal.can_manage_coapplicants(current_user),
        can_screen=proposal.can_screen(current_user, now),
        is_staff=current_user.is_staff,
        claim_form=ConfirmForm(formdata=None),
        correction_by=proposal.correction_deadline,
        contact_email=proposal.screened_by.email if proposal.screened_by is not None else None,
    )


@bp.route("/<int:proposal_id>/versions/<int:number>")
@access(Access.RESIDENT)
def version(proposal_id, number):
    """One sent version, and what changed from the version before it (or from ``?against=N``)."""
    proposal = proposal_or_404(proposal_id)
    require(proposal.can_view(current_user))
    versions = {v.number: v for v in proposal.versions}
    current = versions.get(number)
    if current is None:
        abort(404)
    against_number = request.args.get("against", type=int, default=number - 1)
    against = versions.get(against_number) if against_number != number else None
    return render_template(
        "proposals/version.html",
        proposal=proposal,
        version=current,
        versions=proposal.versions,
        against=against,
        fields=exports.rendered_fields(current.snapshot),
        changes=exports.diff(against.snapshot, current.snapshot) if against is not None else None,
    )
