"""Staff's survey views: create, the survey page, open and close (with confirmation), answer links (shown once,
as a printable list or a CSV file), paper answers and the printable paper form."""

import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access
from pb.districts.models import District
from pb.extensions import db
from pb.forms import ConfirmForm, translated_data
from pb.spreadsheet import writer
from pb.surveys.forms import LinksForm, SurveyForm, answer_form, answer_values, show_refusal
from pb.surveys.routes.blueprint import bp, survey_or_404
from pb.surveys.services import answers as answer_services
from pb.surveys.services import surveys as services
from pb.surveys.services.answers import AGE_BAND_LABELS
from pb.transactions import commit


def districts():
    return db.session.execute(db.select(District).order_by(District.id)).scalars().all()


def _show(survey):
    return redirect(url_for("surveys.show", survey_id=survey.id))


@bp.route("/new", methods=["GET", "POST"])
@access(Access.STAFF)
def create():
    form = SurveyForm().fill_choices()
    if request.method == "GET":
        before = request.args.get("before", type=int)
        if before:
            form.phase.data, form.before_id.data = "after", before
        return render_template("surveys/survey_form.html", form=form)
    if form.validate_on_submit():
        try:
            survey = services.create_survey(
                current_user, instrument_id=form.instrument_id.data, title=translated_data(form.title),
                subject_kind=form.subject_kind.data, subject_id=form.subject_id, phase=form.phase.data,
                before_id=form.before_id.data, asks_background=form.asks_background.data)
        except services.SurveyRefused as error:
            show_refusal(form, error.errors)
        else:
            commit()
            flash(_("The survey was created as a draft. Make answer links, then open it."), "success")
            return _show(survey)
    return render_template("surveys/survey_form.html", form=form), 422


@bp.route("/<int:survey_id>")
@access(Access.STAFF)
def show(survey_id):
    survey = survey_or_404(survey_id)
    return render_template("surveys/survey.html", survey=survey, links=services.link_counts(survey),
                           answers=services.answer_count(survey), links_form=LinksForm())


def _state_change(survey, allowed, change, title, explanation, button, done):
    if not allowed:
        flash(_("The survey is %(state)s: that cannot be done now.", state=survey.state.label), "info")
        return _show(survey)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            change(current_user, survey)
        except services.SurveyRefused as error:
            flash(str(error), "error")
            return _show(survey)
        commit()
        flash(done, "success")
        return _show(survey)
    return render_template("surveys/confirm.html", form=form, title=title, explanation=explanation, button=button,
                           cancel=url_for("surveys.show", survey_id=survey.id), survey=survey)


@bp.route("/<int:survey_id>/open", methods=["GET", "POST"])
@access(Access.STAFF)
def open_survey(survey_id):
    survey = survey_or_404(survey_id)
    return _state_change(
        survey, survey.can_open(), services.open_survey, _("Open the survey %(title)s?", title=survey.display_title),
        _("Once open, the answer links work and paper forms can be entered. The instrument's wording cannot change."),
        _("Open the survey"), _("The survey is open for answers."))


@bp.route("/<int:survey_id>/close", methods=["GET", "POST"])
@access(Access.STAFF)
def close_survey(survey_id):
    survey = survey_or_404(survey_id)
    return _state_change(
        survey, survey.can_close(), services.close_survey, _("Close the survey %(title)s?", title=survey.display_title),
        _("Once closed, no more answers are taken (links nor paper), and the group results become public. "
          "Closing cannot be undone."),
        _("Close the survey"), _("The survey is closed. Its group results are now public."))


@bp.route("/<int:survey_id>/links", methods=["POST"])
@access(Access.STAFF)
def make_links(survey_id):
    survey = survey_or_404(survey_id)
    form = LinksForm()
    if form.validate_on_submit():
        try:
            tokens = services.make_links(current_user, survey, form.count.data)
        except services.SurveyRefused as error:
            form.count.errors = [*form.count.errors, *error.messages]
        else:
            commit()
            links = [(token, url_for("surveys.answer", token=token, _external=True)) for token in tokens]
            if request.form.get("output") == "csv":
                stream = io.StringIO()
                out = writer(stream)
                out.writerow(["code", "link"])
                out.writerows(links)
                return Response(stream.getvalue(), mimetype="text/csv", headers={
                    "Content-Disposition": f"attachment; filename=survey-{survey.id}-links.csv"})
            return render_template("surveys/links.html", survey=survey, links=links,
                                   entry_url=url_for("surveys.enter_code", _external=True))
    return render_template("surveys/survey.html", survey=survey, links=services.link_counts(survey),
                           answers=services.answer_count(survey), links_form=form), 422


@bp.route("/<int:survey_id>/paper", methods=["GET", "POST"])
@access(Access.STAFF)
def paper(survey_id):
    survey = survey_or_404(survey_id)
    form = answer_form(survey, districts(), request.form if request.method == "POST" else None, paper=True)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                answer_services.enter_paper_answer(
                    current_user, survey, answer_values(form), getattr(form, "district", None) and form.district.data,
                    getattr(form, "age_band", None) and form.age_band.data, form.language.data)
            except answer_services.AnswerRefused as error:
                show_refusal(form, error.errors)
            except answer_services.LinkProblem as error:
                flash(str(error), "error")
                return _show(survey)
            else:
                commit()
                flash(_("The paper answer was saved. You can enter the next one."), "success")
                return redirect(url_for("surveys.paper", survey_id=survey.id))
        status = 422
    return render_template("surveys/paper.html", survey=survey, form=form,
                           answers=services.answer_count(survey)), status


@bp.route("/<int:survey_id>/printable")
@access(Access.STAFF)
def printable(survey_id):
    survey = survey_or_404(survey_id)
    return render_template("surveys/printable.html", survey=survey, instrument=survey.instrument,
                           districts=districts(), age_bands=AGE_BAND_LABELS, entry_url=url_for("surveys.enter_code", _external=True))
