"""Assisted submission: staff start a proposal for a group (pop-up point, phone) and hand over a
one-time claim code; the group's representative claims the proposal with it."""

from flask import current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.extensions import limiter
from pb.forms import ConfirmForm
from pb.orgs.models import OrganisationKind
from pb.proposals import services
from pb.proposals.forms import NEW_GROUP, AssistedForm, ClaimForm
from pb.proposals.routes.blueprint import bp
from pb.proposals.routes.common import call_or_404, proposal_or_404, send_back
from pb.proposals.services import ProposalRuleError, WrongClaimCode
from pb.transactions import commit


@bp.route("/assisted/new/<int:call_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def assisted_start(call_id):
    """Staff start a proposal for a group (pop-up point, phone); the claim code is shown once."""
    call = call_or_404(call_id)
    require(call.can_manage(current_user))
    now = services.clock()
    if not call.is_accepting_proposals(now):
        flash(services.closed_message(call, now), "error")
        return redirect(url_for("calls.show", call_id=call.id))
    organisations = services.assisted_organisations(call)
    form = AssistedForm(organisations)
    if form.validate_on_submit():
        organisation = next((o for o in organisations if o.id == form.organisation_id.data), None)
        applicant = {
            "name": form.applicant_name.data,
            "email": form.applicant_email.data,
            "phone": form.applicant_phone.data,
            "kind": OrganisationKind(form.applicant_kind.data) if form.applicant_kind.data else None,
        }
        try:
            proposal, code = services.create_assisted(
                current_user, call, applicant, form.title.data, organisation, now
            )
        except ProposalRuleError as error:
            return render_template(
                "proposals/assisted_start.html", call=call, form=form, problems=error.messages
            ), 422
        commit()
        return _claim_code_page(proposal, code, renewed=False)
    status = 422 if request.method == "POST" else 200
    return render_template("proposals/assisted_start.html", call=call, form=form, problems=[]), status


@bp.route("/<int:proposal_id>/claim-code", methods=["POST"])
@access(Access.STAFF)
def renew_claim_code(proposal_id):
    proposal = proposal_or_404(proposal_id)
    require(proposal.is_applicant(current_user))
    if not ConfirmForm().validate_on_submit():
        flash(_("A new code could not be made. Please try again."), "error")
        return send_back(proposal)
    try:
        code = services.renew_claim_code(current_user, proposal, services.clock())
    except ProposalRuleError as error:
        flash(str(error), "error")
        return send_back(proposal)
    commit()
    return _claim_code_page(proposal, code, renewed=True)


def _claim_code_page(proposal, code, renewed):
    """The code is shown this once; no cache may keep a copy of the page."""
    response = make_response(
        render_template("proposals/claim_code.html", proposal=proposal, code=code, renewed=renewed)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _claim_code_refused(_response):
    return g.get("claim_code_refused", False)


def _claiming_account():
    return f"claimant:{current_user.id}" if current_user.is_authenticated else ""


# A claim code typed wrong is limited like a wrong password (pb.auth.limits): per address and per
# account, counting only codes that match nothing, so a right code is never held back.
_claim_limit_by_address = limiter.shared_limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], "claim-code-by-address", methods=["POST"],
    deduct_when=_claim_code_refused,
)
_claim_limit_by_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], "claim-code-by-account", key_func=_claiming_account,
    methods=["POST"], deduct_when=_claim_code_refused,
)


@bp.route("/claim", methods=["GET", "POST"])
@access(Access.RESIDENT)
@_claim_limit_by_address
@_claim_limit_by_account
def claim():
    """A group's representative takes over a proposal staff made for it, with the code staff gave; a group
    not registered here yet is registered with the name and kind staff wrote down."""
    organisations = services.represented_organisations(current_user)
    form = ClaimForm(organisations)
    problems = []
    if form.validate_on_submit():
        chosen = form.organisation_id.data
        organisation = None if chosen == NEW_GROUP else next(o for o in organisations if o.id == chosen)
        try:
            proposal = services.claim(
                current_user, form.code.data, organisation, services.clock(), business_id=form.business_id.data
            )
        except WrongClaimCode as error:
            g.claim_code_refused = True
            problems = error.messages
        except ProposalRuleError as error:
            problems = error.messages
        else:
            commit()
            flash(_("The proposal is now yours. Check it and change it if needed."), "success")
            return send_back(proposal)
    status = 422 if request.method == "POST" else 200
    return render_template("proposals/claim.html", form=form, organisations=organisations, problems=problems), status
