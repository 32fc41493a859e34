"""Public impact pages and their open data: what the money and taking part changed.

- ``/impact/``: across the years, or one year (a GET form, no JavaScript needed);
- ``/impact/calls/<id>``: one partnership-funding call; ``/impact/rounds/<id>``: one PB round;
- ``/impact/data.csv`` and ``/impact/data.json``: the same figures, with the same filters
  (``year``, ``call``, ``round``).

Only public data is read (:mod:`pb.impact.services.figures`). Every chart has a caption and a table
with the same numbers beside it.
"""

import json

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _

from pb.access import Access, access
from pb.i18n import number
from pb.impact import opendata
from pb.impact.routes.blueprint import bp
from pb.impact.services import figures as impact
from pb.impact.services.progress import Progress
from pb.money import money
from pb.tally.charts import Bar, bar_chart
from pb.tally.routes.blueprint import CHANNEL_LABELS, age_labels


def _money_chart(rows, *, title, chart_id):
    """``rows``: [(label, cents)]."""
    bars = [Bar(label=str(label), value=cents, value_text=money(cents)) for label, cents in rows]
    return bar_chart(
        bars, title=title, chart_id=chart_id,
        description=_("A bar for each amount, longest for the largest. The table below has the same numbers."),
    )


def _progress_chart(counts, *, title, chart_id):
    bars = [
        Bar(label=str(progress.label), value=count, value_text=number(count), highlighted=progress is Progress.DONE)
        for progress, count in counts.items()
    ]
    return bar_chart(
        bars, title=title, chart_id=chart_id,
        description=_("A bar for each stage, longest for the most. Done is dark green. "
                      "The table below has the same numbers."),
    )


def _partnership_money(figures):
    return [
        (_("Granted in published decisions"), figures.allocated_cents),
        (_("Released for payment"), figures.released_cents),
        (_("Spent, as told in accepted reports"), figures.spent_cents),
    ]


def _pb_money(budget_cents, planned_cents, actual_cents):
    return [
        (_("Money to share"), budget_cents),
        (_("Planned cost of funded projects"), planned_cents),
        (_("Actual cost so far"), actual_cents),
    ]


def _common():
    return {
        "channel_labels": CHANNEL_LABELS,
        "age_labels": age_labels(),
    }


def _year_argument():
    year = request.args.get("year", "")
    if year in ("", "all"):
        return None
    if not year.isdigit():
        abort(404)
    return int(year)


@bp.route("/")
@access(Access.PUBLIC)
def index():
    year = _year_argument()
    overview = impact.overview(year)
    partnership_money = _partnership_money(overview)
    pb_money = _pb_money(overview.pb_budget_cents, overview.pb_planned_cents, overview.pb_actual_cents)
    return render_template(
        "impact/index.html",
        overview=overview,
        partnership_money=partnership_money,
        pb_money=pb_money,
        partnership_money_chart=_money_chart(
            partnership_money, title=_("Partnership funding: money granted and used"), chart_id="chart-call-money"),
        pb_money_chart=_money_chart(
            pb_money, title=_("Participatory budgeting: money to share and used"), chart_id="chart-pb-money"),
        activities_chart=_progress_chart(
            overview.activity_progress, title=_("Funded activities by stage"), chart_id="chart-activities"),
        projects_chart=_progress_chart(
            overview.project_progress, title=_("Voted projects by stage"), chart_id="chart-projects"),
        data_args={"year": year} if year is not None else {},
        **_common(),
    )


@bp.route("/calls/<int:call_id>")
@access(Access.PUBLIC)
def call_page(call_id):
    funding_call = impact.viewable_call(call_id)
    if funding_call is None:
        abort(404)
    figures = impact.call_figures(funding_call)
    partnership_money = _partnership_money(figures)
    return render_template(
        "impact/call.html",
        figures=figures,
        surveys=impact.surveys_of(calls=[figures]),
        partnership_money=partnership_money,
        money_chart=_money_chart(partnership_money, title=_("Money granted and used"), chart_id="chart-money"),
        progress_chart=_progress_chart(figures.progress, title=_("Funded activities by stage"),
                                       chart_id="chart-progress"),
        data_args={"call": funding_call.id},
        **_common(),
    )


@bp.route("/rounds/<int:round_id>")
@access(Access.PUBLIC)
def round_page(round_id):
    budget_round = impact.viewable_round(round_id)
    if budget_round is None:
        abort(404)
    figures = impact.round_figures(budget_round)
    pb_money = _pb_money(figures.budget_cents, figures.planned_cost_cents, figures.actual_cost_cents)
    return render_template(
        "impact/round.html",
        figures=figures,
        surveys=impact.surveys_of(rounds=[figures]),
        pb_money=pb_money,
        money_chart=_money_chart(pb_money, title=_("Money to share and used"), chart_id="chart-money"),
        progress_chart=_progress_chart(figures.progress, title=_("Voted projects by stage"),
                                       chart_id="chart-progress"),
        ballots_chart=bar_chart(
            [Bar(label=str(row.budget.display_name), value=row.ballots, value_text=number(row.ballots))
             for row in figures.budgets],
            title=_("Ballots by area"), chart_id="chart-ballots",
            description=_("A bar for each area, longest for the most ballots. The table below has the same numbers."),
        ),
        data_args={"round": budget_round.id},
        **_common(),
    )


def _data_rows():
    """(filters, rows) of the open data files, by the query arguments ``year``, ``call`` or ``round``."""
    call_id = request.args.get("call", type=int)
    round_id = request.args.get("round", type=int)
    if call_id is not None:
        funding_call = impact.viewable_call(call_id)
        if funding_call is None:
            abort(404)
        figures = impact.call_figures(funding_call)
        return {"call": call_id}, opendata.rows(calls=[figures], surveys=impact.surveys_of(calls=[figures]))
    if round_id is not None:
        budget_round = impact.viewable_round(round_id)
        if budget_round is None:
            abort(404)
        figures = impact.round_figures(budget_round)
        return {"round": round_id}, opendata.rows(rounds=[figures], surveys=impact.surveys_of(rounds=[figures]))
    year = _year_argument()
    overview = impact.overview(year)
    return {"year": year}, opendata.rows(calls=overview.calls, rounds=overview.rounds, surveys=overview.surveys)


def _download(filename):
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@bp.route("/data.csv")
@access(Access.PUBLIC)
def data_csv():
    _filters, rows = _data_rows()
    return Response(opendata.csv_text(rows), mimetype="text/csv", headers=_download("impact.csv"))


@bp.route("/data.json")
@access(Access.PUBLIC)
def data_json():
    filters, rows = _data_rows()
    body = json.dumps(
        opendata.document(filters, rows, current_app.config["BALLOT_SECRECY_MIN_GROUP"]), ensure_ascii=False, indent=2
    )
    return Response(body, mimetype="application/json", headers=_download("impact.json"))
