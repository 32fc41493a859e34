"""Co-applicants: the applicant invites and removes them; the invited person opens the mailed
link and accepts."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.proposals import services
from pb.proposals.forms import CoApplicantForm
from pb.proposals.models import CoApplicant, CoApplicantRight
from pb.proposals.routes.blueprint import bp
from pb.proposals.routes.common import proposal_or_404
from pb.proposals.services import CoApplicantLinkError, ProposalRuleError
from pb.transactions import commit


def _render_coapplicants(proposal, form, status=200):
    return (
        render_template(
            "proposals/coapplicants.html",
            proposal=proposal,
            form=form,
            rows=[row for row in proposal.coapplicants if row.revoked_at is None],
            remove_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@bp.route("/<int:proposal_id>/coapplicants", methods=["GET", "POST"])
@access(Access.RESIDENT)
def coapplicants(proposal_id):
    proposal = proposal_or_404(proposal_id)
    require(proposal.can_manage_coapplicants(current_user))
    form = CoApplicantForm()
    if request.method == "GET":
        return _render_coapplicants(proposal, form)
    if not form.validate_on_submit():
        return _render_coapplicants(proposal, form, status=422)
    try:
        row, sent_again = services.invite_coapplicant(
            current_user, proposal, form.email.data, CoApplicantRight(form.right.data), form.partner_name.data or ""
        )
    except ProposalRuleError as error:
        form.email.errors.append(str(error))
        return _render_coapplicants(proposal, form, status=422)
    commit()
    if sent_again:
        flash(_("The invitation to %(email)s was sent again.", email=row.email), "success")
    else:
        flash(_("An invitation was sent to %(email)s.", email=row.email), "success")
    return redirect(url_for("proposals.coapplicants", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/coapplicants/<int:coapplicant_id>/remove", methods=["POST"])
@access(Access.RESIDENT)
def remove_coapplicant(proposal_id, coapplicant_id):
    proposal = proposal_or_404(proposal_id)
    require(proposal.can_manage_coapplicants(current_user))
    row = db.session.get(CoApplicant, coapplicant_id)
    if row is None or row.proposal_id != proposal.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        flash(_("The co-applicant could not be removed. Please try again."), "error")
    else:
        try:
            services.revoke_coapplicant(current_user, row, services.clock())
        except ProposalRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("%(email)s is no longer a co-applicant.", email=row.email), "success")
    return redirect(url_for("proposals.coapplicants", proposal_id=proposal.id))


def _coapplicant_page(token, problem=None):
    try:
        row = services.coapplicant_from_token(token)
    except CoApplicantLinkError as error:
        status = 410 if error.expired else 404
        return render_template(
            "proposals/coapplicant_invitation.html", row=None, problem=str(error), token=token
        ), status
    if problem is None:
        problem = services.coapplicant_problem(row, current_user)
    return render_template(
        "proposals/coapplicant_invitation.html", row=row, problem=problem, token=token, form=ConfirmForm()
    )


@bp.route("/coapplicants/<token>")
@access(Access.PUBLIC)
def show_coapplicant_invitation(token):
    return _coapplicant_page(token)


@bp.route("/coapplicants/<token>", methods=["POST"])
@access(Access.RESIDENT)
def accept_coapplicant_invitation(token):
    try:
        row = services.coapplicant_from_token(token)
    except CoApplicantLinkError:
        return _coapplicant_page(token)
    if not ConfirmForm().validate_on_submit():
        return _coapplicant_page(token, problem=_("The invitation could not be accepted. Please try again."))
    try:
        services.accept_coapplicant(current_user, row, services.clock())
    except ProposalRuleError as error:
        return _coapplicant_page(token, problem=str(error))
    commit()
    flash(_("You are now a co-applicant of this proposal."), "success")
    return redirect(url_for("proposals.show", proposal_id=row.proposal_id))

