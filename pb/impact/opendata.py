"""Open data of the impact pages: the same figures as the pages, as CSV (formula-safe) and JSON.

Both files hold the same rows, one figure a row, with the fields of :data:`FIELDS`; the JSON file
adds the filters it was made with and the descriptions of the fields and measures. Figures withheld
for ballot secrecy are written as the result files write them ("<5", "hidden"), a breakdown that is
withheld as a whole as "withheld", and a survey group with too few answers only as "withheld".
"""

import io

from pb.impact.services.attainment import Attainment
from pb.impact.services.progress import Progress
from pb.spreadsheet import writer as csv_writer
from pb.voting.services.turnout import Withheld

FIELDS = {
    "subject_kind": "call, activity, indicator, round, budget, project or survey",
    "subject_id": "id of the call, funded proposal (activity), agreement (indicator), round, round budget, "
                  "project or survey",
    "subject_name": "its name in Finnish (an indicator: the activity's title)",
    "year": "the year of the call (it closes) or round (voting closes), Finnish time",
    "measure": "what the figure is (see measures)",
    "group": "the part of the subject: a way of voting, an age band, an indicator's name or a survey phase",
    "value": "the figure; \"<5\" a group too small to show, \"hidden\" a figure from which a small group could be "
             "worked out, \"withheld\" a breakdown or survey result not shown at all",
    "unit": "cents (euro cents), count, percent, points (0-100), text or status",
}

MEASURES = {
    "allocated_cents": "call: money granted in published funding decisions",
    "released_cents": "call or activity: instalments released for payment, agreements in force",
    "spent_cents": "call or activity: spending told in accepted reports",
    "participants": "call or activity: participants told in accepted reports",
    "target_group_participants": "call or activity: of them, people of the activity's target group",
    "progress": "activity or project: " + ", ".join(progress.value for progress in Progress),
    "activities": "call: funded activities by progress (group)",
    "indicators": "call: indicators by attainment (group: " + ", ".join(a.value for a in Attainment) + ")",
    "indicators_met_or_on_track": "call: indicators met or on track",
    "indicators_total": "call: all indicators of agreements in force",
    "indicator_attainment": "indicator: attainment of the latest accepted value against the target",
    "indicator_target": "indicator: the target as agreed",
    "indicator_latest_value": "indicator: the latest value in an accepted report",
    "granted_cents": "activity: money granted",
    "budget_cents": "round or budget: money to share in budgets with a published result",
    "planned_cost_cents": "round or project: planned cost of the funded projects",
    "actual_cost_cents": "round or project: actual cost so far",
    "percent_done": "project: progress in percent, as staff report it",
    "projects": "round: funded projects by progress (group)",
    "ballots": "round or budget: ballots in the published results",
    "population": "budget: people living in the district",
    "turnout_percent": "budget: ballots per 100 people living in the district",
    "district_turnout_percent": "round: ballots of the district budgets per 100 people living in those districts",
    "ballots_by_channel": "budget: ballots by way of voting (group)",
    "ballots_by_age_band": "budget: ballots by age band (group)",
    "survey_answers": "survey: answers in the group (group: before, after or single)",
    "survey_mean": "survey: mean score 0-100",
    "survey_ci_low": "survey: lower end of the 95 % confidence interval of the mean",
    "survey_ci_high": "survey: upper end of the 95 % confidence interval of the mean",
    "survey_change": "survey: change of the mean from before to after",
    "survey_result": "survey: \"withheld\" when the group has too few answers to show",
}

WITHHELD = "withheld"


def _value(value):
    if isinstance(value, Withheld):
        return value.as_data()
    if isinstance(value, float):
        return round(value, 2)
    return value


def _name(text):
    if isinstance(text, dict):
        return text.get("fi") or next(iter(text.values()), "")
    return str(text)


class _Rows:
    def __init__(self):
        self.rows = []

    def add(self, kind, subject_id, name, year, measure, value, unit, group=""):
        self.rows.append({
            "subject_kind": kind, "subject_id": subject_id, "subject_name": _name(name), "year": year,
            "measure": measure, "group": group, "value": _value(value), "unit": unit,
        })


def _call_rows(out, figures):
    call = figures.call
    args = ("call", call.id, call.title, figures.year)
    out.add(*args, "allocated_cents", figures.allocated_cents, "cents")
    out.add(*args, "released_cents", figures.released_cents, "cents")
    out.add(*args, "spent_cents", figures.spent_cents, "cents")
    out.add(*args, "participants", figures.participants, "count")
    out.add(*args, "target_group_participants", figures.target_group_participants, "count")
    for progress, count in figures.progress.items():
        out.add(*args, "activities", count, "count", group=progress.value)
    out.add(*args, "indicators_total", len(figures.indicators), "count")
    out.add(*args, "indicators_met_or_on_track", figures.indicators_good, "count")
    for attainment, count in figures.attainment_counts().items():
        out.add(*args, "indicators", count, "count", group=attainment.value)
    for line in figures.activities:
        activity = ("activity", line.proposal_id, line.title, figures.year)
        out.add(*activity, "granted_cents", line.granted_cents, "cents")
        out.add(*activity, "released_cents", line.released_cents, "cents")
        out.add(*activity, "spent_cents", line.spent_cents, "cents")
        out.add(*activity, "participants", line.participants, "count")
        out.add(*activity, "target_group_participants", line.target_group_participants, "count")
        out.add(*activity, "progress", line.progress.value, "status")
    for line in figures.indicators:
        indicator = ("indicator", line.agreement_id, line.activity, figures.year)
        out.add(*indicator, "indicator_target", line.target, "text", group=line.name)
        out.add(*indicator, "indicator_latest_value", "" if line.value is None else line.value, "text", group=line.name)
        out.add(*indicator, "indicator_attainment", line.attainment.value, "status", group=line.name)


def _breakdown_rows(out, args, measure, breakdown):
    if breakdown is None:
        out.add(*args, measure, WITHHELD, "count")
        return
    for group, value in breakdown.items():
        out.add(*args, measure, value, "count", group=group)


def _round_rows(out, figures):
    if not figures.has_results:
        return
    budget_round = figures.round
    args = ("round", budget_round.id, budget_round.name, figures.year)
    out.add(*args, "budget_cents", figures.budget_cents, "cents")
    out.add(*args, "planned_cost_cents", figures.planned_cost_cents, "cents")
    out.add(*args, "actual_cost_cents", figures.actual_cost_cents, "cents")
    out.add(*args, "ballots", figures.ballots, "count")
    out.add(*args, "district_turnout_percent", figures.district_turnout_percent, "percent")
    for progress, count in figures.progress.items():
        out.add(*args, "projects", count, "count", group=progress.value)
    for row in figures.budgets:
        budget = row.budget
        name = budget.district.name if budget.district is not None else {"fi": "Koko kaupunki"}
        budget_args = ("budget", budget.id, name, figures.year)
        out.add(*budget_args, "budget_cents", budget.amount_cents, "cents")
        out.add(*budget_args, "ballots", row.ballots, "count")
        out.add(*budget_args, "population", row.population, "count")
        out.add(*budget_args, "turnout_percent", row.turnout_percent, "percent")
        _breakdown_rows(out, budget_args, "ballots_by_channel", row.by_channel)
        _breakdown_rows(out, budget_args, "ballots_by_age_band", row.by_age_band)
    for line in figures.projects:
        project = ("project", line.project_id, line.title, figures.year)
        out.add(*project, "planned_cost_cents", line.planned_cost_cents, "cents")
        out.add(*project, "actual_cost_cents", line.actual_cost_cents, "cents")
        out.add(*project, "progress", line.progress.value, "status")
        out.add(*project, "percent_done", line.percent_done, "percent")


def _survey_rows(out, surveys):
    for row in surveys:
        args = ("survey", row.survey_id, row.title, row.year)
        if row.withheld:
            out.add(*args, "survey_result", WITHHELD, "text", group=row.phase)
            continue
        out.add(*args, "survey_answers", row.answers, "count", group=row.phase)
        out.add(*args, "survey_mean", row.mean, "points", group=row.phase)
        out.add(*args, "survey_ci_low", row.ci_low, "points", group=row.phase)
        out.add(*args, "survey_ci_high", row.ci_high, "points", group=row.phase)
        if row.change is not None:
            out.add(*args, "survey_change", row.change, "points", group=row.phase)


def rows(calls=(), rounds=(), surveys=()):
    """The open data rows of these figures (CallFigures, RoundFigures, SurveyRow)."""
    out = _Rows()
    for figures in calls:
        _call_rows(out, figures)
    for figures in rounds:
        _round_rows(out, figures)
    _survey_rows(out, surveys)
    return out.rows


def document(filters, data_rows, minimum_group):
    """The JSON file's content."""
    return {
        "filters": filters,
        "secrecy_minimum_group": minimum_group,
        "currency": "EUR",
        "fields": FIELDS,
        "measures": MEASURES,
        "rows": data_rows,
    }


def csv_text(data_rows):
    """The rows as CSV, every text cell safe against spreadsheet formulas; None is an empty cell."""
    stream = io.StringIO(newline="")
    writer = csv_writer(stream, lineterminator="\r\n")
    writer.writerow(list(FIELDS))
    for row in data_rows:
        writer.writerow(["" if row[name] is None else row[name] for name in FIELDS])
    return stream.getvalue()
