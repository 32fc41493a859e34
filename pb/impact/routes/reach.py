"""The staff reach dashboard: who took part in each stage, against the population."""

import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access
from pb.forms import HELSINKI
from pb.impact.forms import ReachFilterForm, field_name, population_form, posted_figures
from pb.impact.routes.blueprint import bp
from pb.impact.services import participation
from pb.impact.services import population as population_service
from pb.impact.services import reach as reach_service
from pb.impact.services.population import BANDS
from pb.impact.services.reach import STAGE_LABELS, STAGES, ReachFilter
from pb.models_base import utcnow
from pb.spreadsheet import DictWriter
from pb.transactions import commit


def _this_year():
    return utcnow().astimezone(HELSINKI).year


def _population_page(form, districts, year):
    return render_template(
        "impact/population.html",
        form=form,
        districts=districts,
        bands=BANDS,
        field_name=field_name,
        year=year,
        years=population_service.years(),
    )


@bp.route("/population", methods=["GET", "POST"])
@access(Access.STAFF)
def population():
    districts = population_service.districts()
    if request.method == "POST":
        form = population_form(districts, formdata=request.form)
        if form.validate_on_submit():
            year = form.year.data
            try:
                changed = population_service.save_figures(current_user, year, posted_figures(form, districts))
            except population_service.PopulationError as error:
                form.form_errors.append(str(error))
                return _population_page(form, districts, year), 400
            commit()
            if changed:
                flash(_("The population figures of %(year)s were saved.", year=year), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("impact.population", year=year))
        return _population_page(form, districts, form.year.data), 400
    year = request.args.get("year", type=int)
    if year is None or not 1900 <= year <= 2200:
        year = population_service.nearest_year(None) or _this_year()
    form = population_form(districts, year=year, figures=population_service.figures_for(year))
    return _population_page(form, districts, year)


def _filters():
    form = ReachFilterForm(formdata=request.args)
    form.set_choices(
        participation.filter_rounds(),
        participation.filter_calls(),
        participation.filter_years(),
        [(stage, str(STAGE_LABELS[stage])) for stage in STAGES],
    )
    filters = ReachFilter(
        round_id=form.chosen("round"), call_id=form.chosen("call"), year=form.chosen("year"), stage=form.chosen("stage")
    )
    return form, filters


def _filter_args(filters):
    values = {"round": filters.round_id, "call": filters.call_id, "year": filters.year, "stage": filters.stage}
    return {key: value for key, value in values.items() if value is not None}


@bp.route("/reach")
@access(Access.STAFF)
def reach():
    form, filters = _filters()
    result = reach_service.reach(filters)
    charts = {stage.stage: reach_service.stage_chart(stage) for stage in result.stages if stage.breakdowns}
    return render_template(
        "impact/reach.html",
        form=form,
        result=result,
        charts=charts,
        stage_labels=STAGE_LABELS,
        bands=BANDS,
        csv_url=url_for("impact.reach_csv", **_filter_args(filters)),
    )


@bp.route("/reach.csv")
@access(Access.STAFF)
def reach_csv():
    _form, filters = _filters()
    result = reach_service.reach(filters)
    stream = io.StringIO()
    writer = DictWriter(stream, reach_service.CSV_FIELDS)
    writer.writeheader()
    for row in reach_service.csv_rows(result):
        writer.writerow(row)
    return Response(
        stream.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="reach.csv"', "Cache-Control": "no-store"},
    )
