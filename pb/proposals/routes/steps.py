"""The multi-step form: each step (saved as the draft, the autosave), the attachments,
the preview and sending."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.proposals import exports, jobs, services
from pb.proposals.forms import STEP_FORMS, AttachmentForm, SubmitForm
from pb.proposals.models import Attachment
from pb.proposals.routes.blueprint import bp
from pb.proposals.routes.common import not_editable_message, proposal_or_404, send_back, step_titles
from pb.proposals.routes.conflicts import field_label, field_text
from pb.proposals.services import STEPS, ChangedMeanwhile, EditConflict, ProposalRuleError
from pb.transactions import commit
from pb.uploads import UploadError, delete_upload, max_megabytes, save_upload, send_upload


def _step_form(step, proposal, **kwargs):
    form_class = STEP_FORMS[step]
    if step == "basics":
        return form_class(services.district_choices(proposal.call), **kwargs)
    return form_class(**kwargs)


def _typed_budget(form):
    """What the budget form asks for and brings itself, as typed (amounts that could be read)."""
    amounts = [row.form.amount.data for row in form.lines if isinstance(row.form.amount.data, int)]
    cofunding = form.cofunding.data if isinstance(form.cofunding.data, int) else 0
    return amounts, cofunding


def _render_step(proposal, step, form, now, problems=(), stale=False, status=200, conflicts=()):
    extra = {}
    if step == "budget":
        # The box and the warnings follow the form, so they agree with what is on the screen.
        amounts, cofunding = _typed_budget(form)
        extra["requested_cents"] = sum(amounts)
        extra["warnings"] = services.budget_problems(proposal.call, sum(amounts), cofunding) if amounts else []
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
            conflicts=list(conflicts),
            **extra,
        ),
        status,
    )


def _next_step(step):
    """Where the pressed button leads: a step of the step list, this step ("stay"), or the next one."""
    then = request.form.get("then")
    if then == "stay":
        return step
    if then in STEPS:
        return then
    return STEPS[STEPS.index(step) + 1]


def _reset_hidden(field, value):
    field.data = value
    field.raw_data = [str(value)]


def _conflict_rows(proposal, step, form, error):
    """``[(label, saved by someone else, typed here)]`` for each field changed on both sides."""
    typed = form.step_data()
    return [
        (field_label(form, name), field_text(proposal, name, error.theirs[name]), field_text(proposal, name, typed[name]))
        for name in error.fields
    ]


@bp.route("/<int:proposal_id>/edit/<any(basics, budget, goals):step>", methods=["GET", "POST"])
@access(Access.RESIDENT)
def edit_step(proposal_id, step):
    """One step of the form. Each save stores the draft (the autosave), whatever the call's limits; a
    save after someone else's is merged by field, and a real conflict changes nothing."""
    proposal = proposal_or_404(proposal_id)
    require(proposal.is_editor(current_user))
    now = services.clock()
    if request.method == "GET":
        if not proposal.can_edit(current_user, now):
            flash(not_editable_message(proposal, now), "error")
            return send_back(proposal)
        form = _step_form(step, proposal, data=STEP_FORMS[step].initial(proposal))
        form.loaded.data = services.loaded_marker(proposal, step)
        return _render_step(proposal, step, form, now)
    form = _step_form(step, proposal)
    if not form.validate_on_submit():
        return _render_step(proposal, step, form, now, status=422)
    try:
        services.save_step(
            current_user, proposal, step, form.step_data(), form.version.data, now, loaded=form.loaded.data
        )
    except EditConflict as error:
        rows = _conflict_rows(proposal, step, form, error)
        # The next save is made knowing the other version: it keeps what is typed here.
        _reset_hidden(form.version, proposal.version_id)
        _reset_hidden(form.loaded, services.loaded_marker(proposal, step))
        return _render_step(proposal, step, form, now, problems=error.messages, stale=True, status=409,
                            conflicts=rows)
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
    proposal = proposal_or_404(proposal_id)
    require(proposal.is_editor(current_user))
    now = services.clock()
    if not proposal.can_edit(current_user, now):
        flash(not_editable_message(proposal, now), "error")
        return send_back(proposal)
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
    proposal = proposal_or_404(proposal_id)
    require(proposal.is_editor(current_user))
    attachment = _attachment_or_404(proposal, attachment_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The file could not be removed. Please try again."), "error")
        return redirect(url_for("proposals.attachments", proposal_id=proposal.id))
    try:
        services.remove_attachment(current_user, attachment, services.clock())
    except ProposalRuleError as error:
        flash(str(error), "error")
        return send_back(proposal)
    commit()
    flash(_("The file %(name)s was removed.", name=attachment.original_name), "success")
    return redirect(url_for("proposals.attachments", proposal_id=proposal.id))


@bp.route("/<int:proposal_id>/attachments/<int:attachment_id>")
@access(Access.RESIDENT)
def download_attachment(proposal_id, attachment_id):
    """Files are served only here, after the access check, and always as a download."""
    proposal = proposal_or_404(proposal_id)
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
            submit_problems=services.submit_problems_by_step(proposal, now),
            problems=problems or [],
            stale=stale,
            can_submit=proposal.can_submit(current_user, now),
            has_receipt_address=bool(jobs.recipients(proposal)),
        ),
        status,
    )


@bp.route("/<int:proposal_id>/preview")
@access(Access.RESIDENT)
def preview(proposal_id):
    proposal = proposal_or_404(proposal_id)
    require(proposal.is_editor(current_user))
    form = SubmitForm(formdata=None, data={"version": proposal.version_id})
    return _render_preview(proposal, form, services.clock())


@bp.route("/<int:proposal_id>/submit", methods=["POST"])
@access(Access.RESIDENT)
def submit(proposal_id):
    proposal = proposal_or_404(proposal_id)
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
    if not jobs.recipients(proposal):
        # An assisted proposal without a contact address: no mail goes out, so the page is the receipt.
        flash(_("The proposal was sent. Nobody acting for the applicant has an email address here, so no receipt "
                "was sent by email. Print this page and give it to the group as the receipt."), "success")
        return redirect(url_for("proposals.version", proposal_id=proposal.id, number=version.number))
    if version.number == 1:
        flash(_("Your proposal was sent. A receipt with a copy of it was sent by email."), "success")
    else:
        flash(_("Your changes were sent (version %(number)s). A receipt was sent by email.", number=version.number),
              "success")
    return send_back(proposal)
