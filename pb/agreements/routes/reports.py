"""Report views: the report page with its form (the grantee's, or staff's from a paper form), sent copies,
the comment thread, staff's return and acceptance, attachments and the printable form."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.agreements.forms import AttachmentForm, CommentForm, report_form, report_values, show_refusal
from pb.agreements.models import ReportAttachment
from pb.agreements.routes.blueprint import bp, report_or_404
from pb.agreements.services import reports as services
from pb.agreements.services.common import AgreementRefused
from pb.extensions import db
from pb.transactions import commit
from pb.uploads import UploadError, delete_upload, max_megabytes, save_upload, send_upload


def _page(report, form=None, comment_form=None, status=200):
    return render_template(
        "agreements/report.html", report=report, agreement=report.agreement,
        form=form if form is not None else (report_form(report) if report.can_fill(current_user) else None),
        comment_form=comment_form or CommentForm(), upload_form=AttachmentForm(), max_mb=max_megabytes(),
        can_decide=report.can_decide(current_user), can_comment=report.can_comment(current_user),
        on_paper=not report.agreement.is_grantee_editor(current_user),
    ), status


def _back(report):
    return redirect(url_for("agreements.report", report_id=report.id))


@bp.route("/reports/<int:report_id>", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def report(report_id):
    report = report_or_404(report_id)
    if request.method == "GET":
        return _page(report)
    require(report.can_fill(current_user))
    form = report_form(report, request.form)
    if not form.validate_on_submit():
        return _page(report, form, status=422)
    submit = request.form.get("action") == "submit"
    try:
        services.save(current_user, report, submit=submit, **report_values(form, report))
    except AgreementRefused as error:
        show_refusal(form, error.errors)
        return _page(report, form, status=error.status)
    commit()
    flash(_("The report was sent. Staff will read it and answer here.") if submit else _("The draft was saved."),
          "success")
    return _back(report)


@bp.route("/reports/<int:report_id>/comment", methods=["POST"])
@access(Access.SIGNED_IN)
def comment(report_id):
    report = report_or_404(report_id)
    require(report.can_comment(current_user) or report.can_decide(current_user))
    form = CommentForm()
    if not form.validate_on_submit():
        return _page(report, comment_form=form, status=422)
    action = request.form.get("action", "comment")
    try:
        if action == "return":
            require(report.can_decide(current_user))
            services.return_for_changes(current_user, report, form.text.data)
            message = _("The report was returned to the grantee for changes.")
        elif action == "accept":
            require(report.can_decide(current_user))
            services.accept(current_user, report, form.text.data)
            message = _("The report was accepted.")
        else:
            services.add_comment(current_user, report, form.text.data)
            message = _("The comment was added.")
    except AgreementRefused as error:
        show_refusal(form, error.errors)
        return _page(report, comment_form=form, status=error.status)
    commit()
    flash(message, "success")
    return _back(report)


@bp.route("/reports/<int:report_id>/attachments", methods=["POST"])
@access(Access.SIGNED_IN)
def add_attachment(report_id):
    report = report_or_404(report_id)
    require(report.can_fill(current_user))
    form = AttachmentForm()
    if not form.validate_on_submit():
        return _page(report, status=422)
    stored = None
    try:
        stored = save_upload(form.file.data)
        services.add_attachment(current_user, report, stored)
        commit()
    except UploadError as error:
        flash(str(error), "error")
        return _page(report, status=422)
    except BaseException:
        if stored is not None:
            delete_upload(stored.stored_name)
        raise
    flash(_("The file was added to the report."), "success")
    return _back(report)


@bp.route("/reports/<int:report_id>/files/<int:report_file_id>")
@access(Access.SIGNED_IN)
def attachment(report_id, report_file_id):
    report = report_or_404(report_id)
    row = db.get_or_404(ReportAttachment, report_file_id)
    if row.report_id != report.id:
        abort(404)
    try:
        return send_upload(row.stored_name, row.original_name, row.content_type)
    except FileNotFoundError:
        abort(404)


@bp.route("/reports/<int:report_id>/printable")
@access(Access.SIGNED_IN)
def printable(report_id):
    """A form to print and fill by hand; staff enter it afterwards (the assisted twin)."""
    report = report_or_404(report_id)
    return render_template("agreements/printable.html", report=report, agreement=report.agreement)
