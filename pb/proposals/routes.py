"""Proposal pages: "My applications", the multi-step form, preview and submit, versions,
co-applicants, claiming an assisted proposal; and for staff: assisted submission,
screening and the downloads. Open data of proposals after a call closes is public.

Views are thin: form -> service -> flash/redirect, one commit per request. Time comes
from ``services.clock()`` (the server's clock; tests replace it).
"""

import json

from flask import Response, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.calls.models import FundingCall
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.orgs.models import OrganisationKind
from pb.proposals import bp, exports, services
from pb.proposals.forms import (
    STEP_FORMS,
    AssistedForm,
    AttachmentForm,
    ClaimForm,
    CoApplicantForm,
    ScreeningForm,
    StartForm,
    SubmitForm,
)
from pb.proposals.models import (
    Attachment,
    CoApplicant,
    CoApplicantRight,
    Eligibility,
    IneligibilityReason,
    Proposal,
    ProposalStatus,
)
from pb.proposals.services import STEPS, ChangedMeanwhile, ProposalRuleError
from pb.transactions import commit
from pb.uploads import UploadError, delete_upload, max_megabytes, save_upload, send_upload

def step_titles():
    """The step names in the visitor's language (module-level strings would freeze one language)."""
    return {
        "basics": _("The activity"),
        "budget": _("Budget"),
        "goals": _("Goals"),
        "attachments": _("Attachments"),
        "preview": _("Check and send"),
    }


def _proposal_or_404(proposal_id):
    return db.get_or_404(Proposal, proposal_id)


def _call_or_404(call_id):
    call = db.get_or_404(FundingCall, call_id)
    if not call.can_view(current_user):
        abort(404)
    return call


def _not_editable_message(proposal, now):
    if proposal.status is ProposalStatus.WITHDRAWN:
        return _("The proposal was withdrawn, so it can no longer be changed.")
    return services.closed_message(proposal.call, now)


def _send_back(proposal):
    return redirect(url_for("proposals.show", proposal_id=proposal.id))


# --- my applications and starting -------------------------------------------------------------


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
    call = _call_or_404(call_id)
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


# --- the steps -------------------------------------------------------------------------------


def _step_form(step, proposal, **kwargs):
    form_class = STEP_FORMS[step]
    if step == "basics":
        return form_class(services.district_choices(proposal.call), **kwargs)
    return form_class(**kwargs)


def _render_step(proposal, step, form, now, problems=(), stale=False, status=200):
    return (
        render_template(
            f"proposals/step_{step}.html",
            proposal=proposal,
            call=proposal.call,
            step=step,
            steps=STEPS,
            step_titles=step_titles(),
            form=form,
            now=now,
            problems=list(problems),
            stale=stale,
        ),
        status,
    )


def _next_step(step):
    if request.form.get("then") == "stay":
        return step
    return STEPS[STEPS.index(step) + 1]


@bp.route("/<int:proposal_id>/edit/<any(basics, budget, goals):step>", methods=["GET", "POST"])
@access(Access.RESIDENT)
def edit_step(proposal_id, step):
    """One step of the form. Each save stores the draft (the autosave); a stale save changes nothing."""
    proposal = _proposal_or_404(proposal_id)
    require(proposal.is_editor(current_user))
    now = services.clock()
    if request.method == "GET":
        if not proposal.can_edit(current_user, now):
            flash(_not_editable_message(proposal, now), "error")
            return _send_back(proposal)
        form = _step_form(step, proposal, data=STEP_FORMS[step].initial(proposal))
        return _render_step(proposal, step, form, now)
    form = _step_form(step, proposal)
    if not form.validate_on_submit():
        return _render_step(proposal, step, form, now, status=422)
    try:
        services.save_step(current_user, proposal, step, form.step_data(), form.version.data, now)
    except ChangedMeanwhile as error:
        return _render_step(proposal, step, form, now, problems=error.messages, stale=True, status=409)
    except ProposalRuleError as error:
        return _render_step(proposal, step, form, now, problems=error.messages, status=422)
    commit()
    flash(_("Saved."), "success")
    return redirect(step_url(proposal, _next_step(step)))


def step_url(proposal, step):
    if step in STEP_FORMS:
        return url_for("proposals.edit_step", proposal_id=proposal.id, step=step)
    return url_for(f"proposals.{step}", proposal_id=proposal.id)


def _render_attachments(proposal, form, now, problems=(), status=200):
    return (
        render_template(
            "proposals/step_attachments.html",
            proposal=proposal,
            call=proposal.call,
            step="attachments",
            steps=STEPS,
            step_titles=step_titles(),
            form=form,
            now=now,
            problems=list(problems),
            stale=False,
            max_mb=max_megabytes(),
            remove_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@bp.route("/<int:proposal_id>/edit/attachments", methods=["GET", "POST"])
@access(Access.RESIDENT)
def attachments(proposal_id):
    proposal = _proposal_or_404(proposal_id)
    require(proposal.is_editor(current_user))
    now = services.clock()
    if not proposal.can_edit(current_user, now):
        flash(_not_editable_message(proposal, now), "error")
        return _send_back(proposal)
    form = AttachmentForm()
    if request.method == "GET":
        return _render_attachments(proposal, form, now)
    if not form.validate_on_submit():
        return _render_attachments(proposal, form, now, status=422)
    try:
        stored = save_upload(form.file.data)
    except UploadError as error:
        form.file.errors.append(str(error))
        return _render_attachments(proposal, form, now, status=422)
    try:
        services.add_attachment(current_user, proposal, stored, now)
        commit()
    except ProposalRuleError as error:
        delete_upload(stored.stored_name)
        return _render_attachments(proposal, form, now, problems=error.messages, status=422)
    except BaseException:
        delete_upload(stored.stored_name)
        raise
    flash(_("The file %(name)s was added.", name=stored.original_name), "success")
    return redirect(url_for("proposals.attachments", proposal_id=proposal.id))


def _attachment_or_404(proposal, attachment_id):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.proposal_id != proposal.id:
        abort(404)
    return attachment


@bp.route("/<int:proposal_id>/attachments/<int:attachment_id>/remove", methods=["POST"])
@access(Access.RESIDENT)
def remove_attachment(proposal_id, attachment_id):
    proposal = _proposal_or_404(proposal_id)
    require(proposal.is_editor(current_user))
    attachment = _attachment_or_404(proposal, attachment_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The file could not be removed. Please try again."), "error")
        return redirect(url_for("proposals.attachments", proposal_id=proposal.id))
    try:
        services.remove_attachment(current_user, attachment, services.clock())
    except ProposalRuleError as error:
        flash(str(error), "error")
        return _send_back(proposal)
    commit()
    flash(_("The file %(name)s was removed.", name=attachment.original_name), "success")
    return redirect(url_for("proposals.attachments", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/attachments/<int:attachment_id>")
@access(Access.RESIDENT)
def download_attachment(proposal_id, attachment_id):
    """Files are served only here, after the access check, and always as a download."""
    proposal = _proposal_or_404(proposal_id)
    require(proposal.can_view(current_user))
    attachment = _attachment_or_404(proposal, attachment_id)
    try:
        return send_upload(attachment.stored_name, attachment.original_name, attachment.content_type)
    except FileNotFoundError:
        abort(404)


# --- preview, submit, withdraw ---------------------------------------------------------------


def _render_preview(proposal, form, now, problems=None, stale=False, status=200):
    data = services.snapshot(proposal)
    latest = proposal.latest_version
    return (
        render_template(
            "proposals/preview.html",
            proposal=proposal,
            call=proposal.call,
            step="preview",
            steps=STEPS,
            step_titles=step_titles(),
            form=form,
            now=now,
            fields=exports.rendered_fields(data),
            changes=exports.diff(latest.snapshot, data) if latest is not None else None,
            submit_problems=services.submit_problems(proposal, now),
            problems=problems or [],
            stale=stale,
            can_submit=proposal.can_submit(current_user, now),
        ),
        status,
    )


@bp.route("/<int:proposal_id>/preview")
@access(Access.RESIDENT)
def preview(proposal_id):
    proposal = _proposal_or_404(proposal_id)
    require(proposal.is_editor(current_user))
    form = SubmitForm(formdata=None, data={"version": proposal.version_id})
    return _render_preview(proposal, form, services.clock())


@bp.route("/<int:proposal_id>/submit", methods=["POST"])
@access(Access.RESIDENT)
def submit(proposal_id):
    proposal = _proposal_or_404(proposal_id)
    require(proposal.is_editor(current_user))
    now = services.clock()
    form = SubmitForm()
    if not form.validate_on_submit():
        return _render_preview(proposal, form, now, status=422)
    try:
        version = services.submit(current_user, proposal, form.version.data, now)
    except ChangedMeanwhile as error:
        return _render_preview(proposal, form, now, problems=error.messages, stale=True, status=409)
    except ProposalRuleError as error:
        return _render_preview(proposal, form, now, problems=error.messages, status=422)
    commit()
    if version.number == 1:
        flash(_("Your proposal was sent. A receipt with a copy of it was sent by email."), "success")
    else:
        flash(_("Your changes were sent (version %(number)s). A receipt was sent by email.", number=version.number),
              "success")
    return _send_back(proposal)


@bp.route("/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@access(Access.RESIDENT)
def withdraw(proposal_id):
    """GET asks for confirmation; POST withdraws."""
    proposal = _proposal_or_404(proposal_id)
    require(proposal.is_applicant(current_user))
    now = services.clock()
    if not proposal.can_withdraw(current_user, now):
        flash(_("This proposal can no longer be withdrawn."), "error")
        return _send_back(proposal)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.withdraw(current_user, proposal, now)
        except ProposalRuleError as error:
            flash(str(error), "error")
            return _send_back(proposal)
        commit()
        flash(_("The proposal was withdrawn. It will not be reviewed."), "success")
        return _send_back(proposal)
    return render_template("proposals/withdraw.html", proposal=proposal, form=form)


# --- reading ---------------------------------------------------------------------------------


@bp.route("/<int:proposal_id>")
@access(Access.RESIDENT)
def show(proposal_id):
    proposal = _proposal_or_404(proposal_id)
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
    )


@bp.route("/<int:proposal_id>/versions/<int:number>")
@access(Access.RESIDENT)
def version(proposal_id, number):
    """One sent version, and what changed from the version before it (or from ``?against=N``)."""
    proposal = _proposal_or_404(proposal_id)
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


# --- co-applicants ---------------------------------------------------------------------------


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
    proposal = _proposal_or_404(proposal_id)
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
    proposal = _proposal_or_404(proposal_id)
    require(proposal.can_manage_coapplicants(current_user))
    row = db.session.get(CoApplicant, coapplicant_id)
    if row is None or row.proposal_id != proposal.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        flash(_("The co-applicant could not be removed. Please try again."), "error")
    else:
        try:
            services.revoke_coapplicant(current_user, row)
        except ProposalRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("%(email)s is no longer a co-applicant.", email=row.email), "success")
    return redirect(url_for("proposals.coapplicants", proposal_id=proposal.id))


def _coapplicant_page(token, problem=None):
    try:
        row = services.coapplicant_from_token(token)
    except services.CoApplicantLinkError as error:
        status = 410 if error.expired else 404
        return render_template("proposals/coapplicant_invitation.html", row=None, problem=str(error), token=token), status
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
    except services.CoApplicantLinkError:
        return _coapplicant_page(token)
    if not ConfirmForm().validate_on_submit():
        return _coapplicant_page(token, problem=_("The invitation could not be accepted. Please try again."))
    try:
        services.accept_coapplicant(current_user, row)
    except ProposalRuleError as error:
        return _coapplicant_page(token, problem=str(error))
    commit()
    flash(_("You are now a co-applicant of this proposal."), "success")
    return redirect(url_for("proposals.show", proposal_id=row.proposal_id))


# --- assisted submission and claiming ----------------------------------------------------------


def _assisted_organisations(call):
    from pb.orgs.models import Organisation

    organisations = db.session.execute(
        db.select(Organisation).order_by(db.func.lower(Organisation.name), Organisation.id)
    ).scalars().all()
    return [organisation for organisation in organisations if organisation.kind.value in call.eligible_kinds]


@bp.route("/assisted/new/<int:call_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def assisted_start(call_id):
    """Staff start a proposal for a group (pop-up point, phone); the claim code is shown once."""
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    now = services.clock()
    if not call.is_accepting_proposals(now):
        flash(services.closed_message(call, now), "error")
        return redirect(url_for("calls.show", call_id=call.id))
    organisations = _assisted_organisations(call)
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
            proposal, code = services.create_assisted(current_user, call, applicant, form.title.data, organisation, now)
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
    proposal = _proposal_or_404(proposal_id)
    require(proposal.is_applicant(current_user))
    if not ConfirmForm().validate_on_submit():
        flash(_("A new code could not be made. Please try again."), "error")
        return _send_back(proposal)
    try:
        code = services.renew_claim_code(current_user, proposal)
    except ProposalRuleError as error:
        flash(str(error), "error")
        return _send_back(proposal)
    commit()
    return _claim_code_page(proposal, code, renewed=True)


def _claim_code_page(proposal, code, renewed):
    """The code is shown this once; no cache may keep a copy of the page."""
    response = make_response(render_template("proposals/claim_code.html", proposal=proposal, code=code, renewed=renewed))
    response.headers["Cache-Control"] = "no-store"
    return response


def _represented_organisations():
    from pb.orgs.models import MemberRole, Membership

    memberships = db.session.execute(
        db.select(Membership).filter_by(user_id=current_user.id, role=MemberRole.REPRESENTATIVE)
    ).scalars().all()
    return sorted((m.organisation for m in memberships), key=lambda organisation: organisation.name.lower())


@bp.route("/claim", methods=["GET", "POST"])
@access(Access.RESIDENT)
def claim():
    """A group's representative takes over a proposal staff made for it, with the code staff gave."""
    organisations = _represented_organisations()
    form = ClaimForm(organisations)
    problems = []
    if organisations and form.validate_on_submit():
        organisation = next(o for o in organisations if o.id == form.organisation_id.data)
        try:
            proposal = services.claim(current_user, form.code.data, organisation)
        except ProposalRuleError as error:
            problems = error.messages
        else:
            commit()
            flash(_("The proposal is now yours. Check it and change it if needed."), "success")
            return _send_back(proposal)
    status = 422 if request.method == "POST" else 200
    return render_template("proposals/claim.html", form=form, organisations=organisations, problems=problems), status


# --- staff: proposals of a call, screening, downloads --------------------------------------------


@bp.route("/manage/")
@access(Access.STAFF)
def manage_index():
    from pb.calls.services import all_calls

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
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    now = services.clock()
    proposals = services.call_proposals(call, include_drafts=True)
    return render_template(
        "proposals/manage_call.html",
        call=call,
        now=now,
        sent=[p for p in proposals if p.status is not ProposalStatus.DRAFT],
        drafts=[p for p in proposals if p.status is ProposalStatus.DRAFT],
        accepting=call.is_accepting_proposals(now),
        open_data=services.proposals_open_data(call, now) is not None,
    )


@bp.route("/<int:proposal_id>/screen", methods=["GET", "POST"])
@access(Access.STAFF)
def screen(proposal_id):
    proposal = _proposal_or_404(proposal_id)
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
            services.screen(current_user, proposal, Eligibility(form.eligibility.data), reason, form.note.data or "", now)
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
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    return _download(exports.proposals_csv(call), "text/csv; charset=utf-8", f"call-{call.id}-proposals.csv")


@bp.route("/manage/call/<int:call_id>/printouts.zip")
@access(Access.STAFF)
def export_zip(call_id):
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    return _download(exports.proposals_zip(call), "application/zip", f"call-{call.id}-proposals.zip")


@bp.route("/call/<int:call_id>/proposals.json")
@access(Access.PUBLIC)
def open_data(call_id):
    """Public fields of the proposals sent to a call, once it has closed (404 before that)."""
    call = _call_or_404(call_id)
    data = services.proposals_open_data(call, services.clock())
    if data is None:
        abort(404)
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")

