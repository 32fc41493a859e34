"""Agreement views: the lists, the agreement page and its versions, staff's drafting (terms, indicators,
instalments), sending for acceptance, both sides' acceptance, instalments released or held, closing."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.agreements.forms import (
    HoldForm,
    IndicatorForm,
    InstalmentForm,
    TermsForm,
    close_form,
    show_refusal,
)
from pb.agreements.models import Indicator, Instalment, helsinki_today
from pb.agreements.routes.blueprint import agreement_or_404, bp, not_found_unless
from pb.agreements.services import drafting, payments, versions
from pb.agreements.services.common import AgreementRefused
from pb.agreements.services.reports import latest_values, spent_cents
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.proposals.models import Proposal
from pb.transactions import commit


def _show(agreement):
    return redirect(url_for("agreements.show", agreement_id=agreement.id))


def _refused(error):
    for message in error.messages:
        flash(message, "error")


@bp.route("/")
@access(Access.SIGNED_IN)
def mine():
    return render_template("agreements/mine.html", agreements=payments.visible_to(current_user),
                           today=helsinki_today())


@bp.route("/manage")
@access(Access.STAFF)
def manage():
    today = helsinki_today()
    agreements = payments.staff_overview(today)
    return render_template("agreements/manage.html", agreements=agreements, today=today,
                           waiting=drafting.approved_without_agreement(),
                           overdue_count=sum(len(a.overdue_reports(today)) for a in agreements))


@bp.route("/manage/instalments.csv")
@access(Access.STAFF)
def instalments_csv():
    return Response(payments.instalments_csv(payments.all_agreements()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=instalments.csv"})


@bp.route("/proposals/<int:funded_proposal_id>/create", methods=["POST"])
@access(Access.STAFF)
def create(funded_proposal_id):
    proposal = db.get_or_404(Proposal, funded_proposal_id)
    if ConfirmForm().validate_on_submit():
        try:
            agreement = drafting.create_agreement(current_user, proposal)
        except AgreementRefused as error:
            _refused(error)
            return redirect(url_for("agreements.manage"))
        commit()
        flash(_("The agreement was drafted from the proposal. Add the indicators, the report schedule and the "
                "instalments, then send it for acceptance."), "success")
        return _show(agreement)
    return redirect(url_for("agreements.manage"))


@bp.route("/<int:agreement_id>")
@access(Access.SIGNED_IN)
def show(agreement_id):
    agreement = agreement_or_404(agreement_id)
    return render_template(
        "agreements/show.html", agreement=agreement, today=helsinki_today(), values=latest_values(agreement),
        spent_cents=spent_cents(agreement), can_manage=agreement.can_manage(current_user),
        can_accept_grantee=agreement.can_accept_as_grantee(current_user),
        propose_problem=versions.propose_problem(agreement),
    )


@bp.route("/<int:agreement_id>/versions/<int:number>")
@access(Access.SIGNED_IN)
def version(agreement_id, number):
    agreement = agreement_or_404(agreement_id)
    found = next((v for v in agreement.versions if v.number == number), None)
    not_found_unless(found is not None)
    return render_template("agreements/version.html", agreement=agreement, version=found)


@bp.route("/<int:agreement_id>/versions/<int:number>/accept", methods=["POST"])
@access(Access.SIGNED_IN)
def accept(agreement_id, number):
    agreement = agreement_or_404(agreement_id)
    found = next((v for v in agreement.versions if v.number == number), None)
    not_found_unless(found is not None)
    side = request.form.get("side")
    require(side in ("staff", "grantee"))
    require(agreement.can_accept_as_staff(current_user) if side == "staff"
            else agreement.can_accept_as_grantee(current_user))
    if ConfirmForm().validate_on_submit():
        try:
            versions.accept(current_user, found, side)
        except AgreementRefused as error:
            _refused(error)
            return render_template("agreements/version.html", agreement=agreement, version=found), error.status
        commit()
        flash(_("The agreement is in force: both sides have accepted it.") if found.is_accepted
              else _("You accepted version %(number)s. It comes into force when the other side accepts it too.",
                     number=found.number), "success")
    return _show(agreement)


@bp.route("/<int:agreement_id>/propose", methods=["POST"])
@access(Access.STAFF)
def propose(agreement_id):
    agreement = agreement_or_404(agreement_id)
    require(agreement.can_manage(current_user))
    if ConfirmForm().validate_on_submit():
        try:
            version_row = versions.propose(current_user, agreement)
        except AgreementRefused as error:
            _refused(error)
            return _show(agreement)
        commit()
        flash(_("Version %(number)s was sent for acceptance.", number=version_row.number), "success")
    return _show(agreement)


@bp.route("/<int:agreement_id>/terms", methods=["GET", "POST"])
@access(Access.STAFF)
def terms(agreement_id):
    agreement = agreement_or_404(agreement_id)
    require(agreement.can_manage(current_user))
    form = TermsForm() if request.method == "POST" else TermsForm.of(agreement)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                drafting.set_terms(
                    current_user, agreement, form.conditions.data, form.schedule_kind.data,
                    fixed_dates=getattr(form, "parsed_dates", []), every_months=form.every_months.data,
                    start=form.start.data, until=form.until.data,
                )
            except AgreementRefused as error:
                show_refusal(form, error.errors)
            else:
                commit()
                flash(_("The terms and the report schedule were saved."), "success")
                return _show(agreement)
        return render_template("agreements/terms.html", form=form, agreement=agreement), 422
    return render_template("agreements/terms.html", form=form, agreement=agreement)


@bp.route("/<int:agreement_id>/indicators/new", methods=["GET", "POST"], defaults={"indicator_id": None})
@bp.route("/<int:agreement_id>/indicators/<int:indicator_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def indicator(agreement_id, indicator_id):
    agreement = agreement_or_404(agreement_id)
    require(agreement.can_manage(current_user))
    row = None
    if indicator_id is not None:
        row = db.get_or_404(Indicator, indicator_id)
        not_found_unless(row.agreement_id == agreement.id)
    form = IndicatorForm(obj=row) if request.method == "GET" and row is not None else IndicatorForm()
    if request.method == "GET" and row is not None:
        form.kind.data, form.reported_by.data = row.kind.value, row.reported_by.value
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                drafting.save_indicator(current_user, agreement, form.values(), row)
            except AgreementRefused as error:
                show_refusal(form, error.errors)
            else:
                commit()
                flash(_("The indicator was saved."), "success")
                return _show(agreement)
        return render_template("agreements/indicator.html", form=form, agreement=agreement, indicator=row), 422
    return render_template("agreements/indicator.html", form=form, agreement=agreement, indicator=row)


@bp.route("/<int:agreement_id>/indicators/<int:indicator_id>/remove", methods=["POST"])
@access(Access.STAFF)
def remove_indicator(agreement_id, indicator_id):
    agreement = agreement_or_404(agreement_id)
    require(agreement.can_manage(current_user))
    row = db.get_or_404(Indicator, indicator_id)
    not_found_unless(row.agreement_id == agreement.id)
    if ConfirmForm().validate_on_submit():
        drafting.remove_indicator(current_user, agreement, row)
        commit()
        flash(_("The indicator was removed."), "success")
    return _show(agreement)


@bp.route("/<int:agreement_id>/instalments/new", methods=["GET", "POST"])
@access(Access.STAFF)
def new_instalment(agreement_id):
    agreement = agreement_or_404(agreement_id)
    require(agreement.can_manage(current_user))
    form = InstalmentForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                drafting.add_instalment(current_user, agreement, form.amount.data, form.release_on.data,
                                        form.after_report_number.data)
            except AgreementRefused as error:
                show_refusal(form, error.errors)
            else:
                commit()
                flash(_("The instalment was added."), "success")
                return _show(agreement)
        return render_template("agreements/instalment.html", form=form, agreement=agreement), 422
    return render_template("agreements/instalment.html", form=form, agreement=agreement)


def _instalment(agreement, instalment_id):
    row = db.get_or_404(Instalment, instalment_id)
    not_found_unless(row.agreement_id == agreement.id)
    return row


@bp.route("/<int:agreement_id>/instalments/<int:instalment_id>/release", methods=["POST"])
@access(Access.STAFF)
def release_instalment(agreement_id, instalment_id):
    agreement = agreement_or_404(agreement_id)
    require(agreement.can_manage(current_user))
    row = _instalment(agreement, instalment_id)
    if ConfirmForm().validate_on_submit():
        try:
            payments.release(current_user, row)
        except AgreementRefused as error:
            _refused(error)
            return _show(agreement)
        commit()
        flash(_("The instalment was released for payment."), "success")
    return _show(agreement)


@bp.route("/<int:agreement_id>/instalments/<int:instalment_id>/hold", methods=["POST"])
@access(Access.STAFF)
def hold_instalment(agreement_id, instalment_id):
    agreement = agreement_or_404(agreement_id)
    require(agreement.can_manage(current_user))
    row = _instalment(agreement, instalment_id)
    form = HoldForm()
    if form.validate_on_submit():
        try:
            payments.hold(current_user, row, form.reason.data)
        except AgreementRefused as error:
            _refused(error)
            return _show(agreement)
        commit()
        flash(_("The instalment is held back. The grantee sees the reason."), "success")
        return _show(agreement)
    for message in form.reason.errors:
        flash(message, "error")
    return _show(agreement)


@bp.route("/<int:agreement_id>/close", methods=["GET", "POST"])
@access(Access.STAFF)
def close(agreement_id):
    agreement = agreement_or_404(agreement_id)
    require(agreement.can_manage(current_user))
    form = close_form(agreement, request.form if request.method == "POST" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            assessments = {indicator.id: (attainment.data, reason.data)
                           for indicator, attainment, reason in form.indicator_fields}
            try:
                payments.close(current_user, agreement, form.summary.data, assessments)
            except AgreementRefused as error:
                show_refusal(form, error.errors)
            else:
                commit()
                flash(_("The agreement is closed with the assessment."), "success")
                return _show(agreement)
        return render_template("agreements/close.html", form=form, agreement=agreement), 422
    return render_template("agreements/close.html", form=form, agreement=agreement)
