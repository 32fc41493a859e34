"""Group results: staff's page (any state) and the public page of a closed survey, each with a chart and its
table twin, filters by background group, and CSV and JSON files of the same figures."""

from flask import Response, render_template, request
from flask_babel import gettext as _

from pb.access import Access, access
from pb.surveys.routes.blueprint import bp, not_found_unless, survey_or_404
from pb.surveys.services import surveys as survey_services
from pb.surveys.services.exports import results_csv, results_json
from pb.surveys.services.results import BANDS, DIMENSIONS, band_label, clean_filters, group_labels, survey_results
from pb.tally.charts import Bar, bar_chart
from pb.voting.services.turnout import is_shown


def _chart(results):
    figure = results["selected"]
    if not is_shown(figure) or not figure["answers"]:
        return None
    bars = [Bar(label=_("Score %(band)s", band=band_label(index)), value=count,
                value_text=_("%(count)s answers", count=count)) for index, count in enumerate(figure["bands"])]
    return bar_chart(bars, title=_("How the scores are spread"),
                     description=_("Number of answers in each score band from 0 to 100; the table below has the "
                                   "same numbers."), chart_id=f"survey-{results['survey'].id}-scores")


def _page(survey, public):
    filters = clean_filters(request.args)
    results = survey_results(survey, filters)
    return render_template(
        "surveys/results.html", survey=survey, results=results, chart=_chart(results), public=public,
        dimensions=DIMENSIONS, options={d: group_labels(d) for d in DIMENSIONS}, bands=BANDS, is_shown=is_shown,
        endpoint="surveys.public_results" if public else "surveys.results")


def _file(survey, kind):
    filters = clean_filters(request.args)
    if kind == "csv":
        return Response(results_csv(survey, filters), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=survey-{survey.id}-results.csv"})
    return Response(results_json(survey, filters), mimetype="application/json")


@bp.route("/<int:survey_id>/results")
@access(Access.STAFF)
def results(survey_id):
    return _page(survey_or_404(survey_id), public=False)


@bp.route("/<int:survey_id>/results.csv")
@access(Access.STAFF)
def results_csv_file(survey_id):
    return _file(survey_or_404(survey_id), "csv")


@bp.route("/<int:survey_id>/results.json")
@access(Access.STAFF)
def results_json_file(survey_id):
    return _file(survey_or_404(survey_id), "json")


@bp.route("/results")
@access(Access.PUBLIC)
def public_index():
    return render_template("surveys/public_index.html", surveys=survey_services.public_surveys())


def _public_survey(survey_id):
    survey = survey_or_404(survey_id)
    not_found_unless(survey.results_are_public)
    return survey


@bp.route("/results/<int:survey_id>")
@access(Access.PUBLIC)
def public_results(survey_id):
    return _page(_public_survey(survey_id), public=True)


@bp.route("/results/<int:survey_id>.csv")
@access(Access.PUBLIC)
def public_results_csv(survey_id):
    return _file(_public_survey(survey_id), "csv")


@bp.route("/results/<int:survey_id>.json")
@access(Access.PUBLIC)
def public_results_json(survey_id):
    return _file(_public_survey(survey_id), "json")
