"""Answering without an account: by a one-use link, or its code typed from paper.

Nothing about the person is read or kept: no account, no IP address, no user agent; the answer's language is
the page's. A used, unknown or closed link gets a page that says so, with its status (404, 409, 410).
"""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from pb.access import Access, access
from pb.codes import normalise
from pb.i18n import current_language
from pb.surveys.forms import CodeForm, answer_form, answer_values, show_refusal
from pb.surveys.routes.blueprint import bp
from pb.surveys.routes.surveys import districts
from pb.surveys.services import answers as services
from pb.transactions import commit


def _problem(error):
    return render_template("surveys/link_problem.html", message=str(error), kind=error.kind), error.status


@bp.route("/answer", methods=["GET", "POST"])
@access(Access.PUBLIC)
def enter_code():
    form = CodeForm()
    if form.validate_on_submit():
        return redirect(url_for("surveys.answer", token=normalise(form.code.data)))
    return render_template("surveys/enter_code.html", form=form), 422 if request.method == "POST" else 200


@bp.route("/answer/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def answer(token):
    try:
        link = services.find_link(token)
    except services.LinkProblem as error:
        return _problem(error)
    survey = link.survey
    form = answer_form(survey, districts(), request.form if request.method == "POST" else None)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.answer_by_link(
                    token, answer_values(form), getattr(form, "district", None) and form.district.data,
                    getattr(form, "age_band", None) and form.age_band.data, current_language())
            except services.AnswerRefused as error:
                show_refusal(form, error.errors)
            except services.LinkProblem as error:
                return _problem(error)
            else:
                commit()
                return redirect(url_for("surveys.thanks"))
        return render_template("surveys/answer.html", survey=survey, form=form, token=token), 422
    return render_template("surveys/answer.html", survey=survey, form=form, token=token)


@bp.route("/answer/thanks")
@access(Access.PUBLIC)
def thanks():
    return render_template("surveys/thanks.html", title=_("Thank you for your answer"))

