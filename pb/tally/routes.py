"""Result pages (public), open data files, and the staff pages for counting and live turnout.

Public result pages read only the stored, published :class:`TallyRun`; nothing is counted
again when a page is shown. Staff start a count, watch its progress, preview and publish it.
"""

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from pb.access import Access, access, require
from pb.extensions import db, limiter
from pb.forms import ConfirmForm
from pb.i18n import localized, number
from pb.jobs import JobRun, JobStatus
from pb.models_base import utcnow
from pb.tally import services
from pb.tally.charts import Bar, bar_chart
from pb.tally.models import TallyRun
from pb.tally.reasons import comparison_text, rule_description, rule_name, score_text
from pb.transactions import commit
from pb.voting.models import AGE_BANDS, BudgetRound, Channel, RoundBudget
from pb.voting.services.turnout import UNKNOWN_AGE, live_turnout, percent

bp = Blueprint("tally", __name__, url_prefix="/results")

CHANNEL_LABELS = dict(Channel.choices())
REFRESH_SECONDS = 30


def _round_or_404(round_id):
    budget_round = db.get_or_404(BudgetRound, round_id)
    if not budget_round.can_view(current_user):
        abort(404)
    return budget_round


def _budget_or_404(round_budget_id):
    budget = db.get_or_404(RoundBudget, round_budget_id)
    if not budget.round.can_view(current_user):
        abort(404)
    return budget


def _published_or_404(budget):
    run = services.published_run(budget.id)
    if run is None:
        abort(404)
    return run


def _age_labels():
    labels = {label: label for label, _low, _high in AGE_BANDS}
    labels[UNKNOWN_AGE] = _("Not known")
    return labels


def _chart(run, lines, chart_id):
    funded_text, not_funded_text = _("funded"), _("not funded")
    bars = [
        Bar(
            label=localized(line["title"]),
            value=line["score"],
            value_text=f"{number(line['score'])} – {funded_text if line['selected'] else not_funded_text}",
            highlighted=line["selected"],
        )
        for line in lines
    ]
    return bar_chart(
        bars,
        title=_("Votes for each project"),
        description=ngettext(
            "A bar for each project, longest for the most votes. %(num)s project was funded; its bar is dark green "
            "and says funded. The table below has the same numbers.",
            "A bar for each project, longest for the most votes. %(num)s projects were funded; their bars are dark "
            "green and say funded. The table below has the same numbers.",
            len(run.outcome["selected"]),
        ),
        chart_id=chart_id,
    )


def _result_body(run, budget):
    """The result's HTML, rendered once per run and language (a stored run never changes)."""
    return services.cached(
        "body", run, lambda: Markup(render_template("tally/_result_body.html", budget=budget, **_result_context(run)))
    )


def _result_context(run):
    lines = services.result_lines(run)
    turnout = run.details.get("turnout") or {}
    return {
        "run": run,
        "lines": lines,
        "chart": _chart(run, lines, f"chart-{run.id}"),
        "rule_name": rule_name(run.rule),
        "rule_description": rule_description(run.rule),
        "comparison": comparison_text(run.outcome),
        "turnout": turnout,
        "turnout_percent": percent(turnout.get("ballots", 0), turnout.get("population")),
        "channel_labels": CHANNEL_LABELS,
        "age_labels": _age_labels(),
        "score_text": lambda score: score_text(score, run.vote_type),
        "spent": run.outcome["spent"] * 100 // run.outcome["unit"],
        "budget_amount": run.outcome["budget"] * 100 // run.outcome["unit"],
    }


# --- public --------------------------------------------------------------------------------


@bp.route("/")
@access(Access.PUBLIC)
def index():
    with_results = select(RoundBudget.round_id).join(TallyRun, TallyRun.published_budget_id == RoundBudget.id)
    rounds = db.session.execute(
        select(BudgetRound).where(BudgetRound.id.in_(with_results)).order_by(BudgetRound.id.desc())
    ).scalars().all()
    return render_template("tally/index.html", rounds=rounds)


@bp.route("/rounds/<int:round_id>")
@access(Access.PUBLIC)
def round_results(round_id):
    budget_round = _round_or_404(round_id)
    runs = services.published_runs_of_round(budget_round)
    return render_template(
        "tally/round.html",
        budget_round=budget_round,
        runs=runs,
        voting_over=budget_round.is_voting_over(),
        can_manage=budget_round.can_manage(current_user),
        lines_of=services.result_lines,
    )


@bp.route("/budgets/<int:round_budget_id>")
@access(Access.PUBLIC)
def budget_results(round_budget_id):
    # The published run first, with its budget, round and district in the same query: the
    # public page then costs one query (the result itself comes from the cache).
    run = services.published_run(round_budget_id, with_budget=True)
    if run is None:
        budget = _budget_or_404(round_budget_id)
        return render_template(
            "tally/not_published.html",
            budget=budget,
            voting_over=budget.round.is_voting_over(),
            ballots_file=_ballots_file_open_to(budget, current_user),
        )
    budget = run.budget
    if not budget.round.can_view(current_user):
        abort(404)
    return render_template("tally/results.html", budget=budget, run=run, preview=False, body=_result_body(run, budget))


@bp.route("/budgets/<int:round_budget_id>/what-if")
@access(Access.PUBLIC)
def what_if(round_budget_id):
    budget = _budget_or_404(round_budget_id)
    run = _published_or_404(budget)
    job = db.session.get(JobRun, services.what_if_job_id(run.id))
    return render_template(
        "tally/what_if.html",
        budget=budget,
        run=run,
        rule_name=rule_name,
        rule_description=rule_description,
        official_rule=rule_name(run.rule),
        # What-if outcomes arrive over time from their job: their number is part of the cache key.
        summaries=services.cached(f"what-if-{len(run.what_ifs)}", run, lambda: services.what_if_summaries(run)),
        missing=[rule for rule in services.what_if_rules(run) if rule not in {w.rule for w in run.what_ifs}],
        job=job,
        JobStatus=JobStatus,
        title_of=lambda project_id: localized(run.title_of(project_id)),
    )


@bp.route("/budgets/<int:round_budget_id>/results.json")
@access(Access.PUBLIC)
def results_json(round_budget_id):
    run = _published_or_404(_budget_or_404(round_budget_id))
    body = json.dumps(services.results_document(run), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers=_download(f"results-{round_budget_id}.json"))


@bp.route("/budgets/<int:round_budget_id>/results.csv")
@access(Access.PUBLIC)
def results_csv(round_budget_id):
    run = _published_or_404(_budget_or_404(round_budget_id))
    return Response(
        services.results_csv(run), mimetype="text/csv", headers=_download(f"results-{round_budget_id}.csv")
    )


@bp.route("/budgets/<int:round_budget_id>/ballots.pb")
@access(Access.PUBLIC)
@limiter.limit(lambda: current_app.config.get("OPEN_DATA_RATE_LIMIT", "30 per minute"))
def ballots_pb(round_budget_id):
    """Anonymised ballots of a budget whose voting has closed, as a pabulib file: open data once the
    budget's result is published, for staff only before that (404 to everyone else)."""
    budget = _budget_or_404(round_budget_id)
    if not services.can_start_tally(budget) or not _ballots_file_open_to(budget, current_user):
        abort(404)
    return Response(
        services.pabulib_export(budget),
        mimetype="text/plain",
        headers=_download(f"ballots-{round_budget_id}.pb"),
    )


def _ballots_file_open_to(budget, user):
    return budget.round.can_manage(user) or services.published_run(budget.id) is not None


def _download(filename):
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


# --- staff: counting and publishing --------------------------------------------------------


@bp.route("/manage/rounds/<int:round_id>")
@access(Access.STAFF)
def manage(round_id):
    budget_round = db.get_or_404(BudgetRound, round_id)
    require(budget_round.can_manage(current_user))
    return render_template("tally/manage.html", **_progress_context(budget_round))


def _progress_context(budget_round):
    # A count whose worker died shows as failed, with its reason, and can be started again.
    if services.check_tally_jobs(budget_round):
        commit()
    return {
        "budget_round": budget_round,
        "budgets": [
            {
                "budget": budget,
                "runs": services.runs_of(budget.id),
                "jobs": services.tally_jobs_of(budget.id),
                "published": services.published_run(budget.id),
            }
            for budget in budget_round.budgets
        ],
        "can_start": services.can_start_tally,
        "JobStatus": JobStatus,
        "rule_name": rule_name,
        "now": utcnow(),
        "refresh_url": url_for("tally.progress_fragment", round_id=budget_round.id),
        "refresh_seconds": REFRESH_SECONDS,
    }


@bp.route("/manage/rounds/<int:round_id>/progress")
@access(Access.STAFF)
def progress_fragment(round_id):
    """The counts and their progress as an HTML fragment, refreshed by static/js/turnout.js."""
    budget_round = db.get_or_404(BudgetRound, round_id)
    require(budget_round.can_manage(current_user))
    return render_template("tally/_progress.html", **_progress_context(budget_round))


@bp.route("/manage/budgets/<int:round_budget_id>/count", methods=["POST"])
@access(Access.STAFF)
def start(round_budget_id):
    budget = db.get_or_404(RoundBudget, round_budget_id)
    require(budget.round.can_manage(current_user))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        started = services.start_tally(budget, current_user)
    except services.TallyError as error:
        flash(str(error), "error")
        return redirect(url_for("tally.manage", round_id=budget.round_id))
    commit()
    if started.run is not None:
        flash(_("These ballots were already counted. The result is below."), "info")
    elif started.queued and services.not_queued(budget, started.job_id, current_user):
        commit()
        flash(
            _(
                "The count could not be queued: the job queue is not reachable. Nothing was counted; "
                "try again when the job queue works again."
            ),
            "error",
        )
    elif started.queued:
        flash(_("Counting started. This page shows its progress."), "success")
    else:
        flash(_("This count is already running."), "info")
    return redirect(url_for("tally.manage", round_id=budget.round_id))


@bp.route("/manage/budgets/<int:round_budget_id>/jobs/<job_id>/cancel", methods=["POST"])
@access(Access.STAFF)
def cancel(round_budget_id, job_id):
    """Stop a waiting or running count, so that it can be started again."""
    budget = db.get_or_404(RoundBudget, round_budget_id)
    require(budget.round.can_manage(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.cancel_tally(budget, job_id, current_user)
    except services.TallyError as error:
        if error.status == 404:
            abort(404)
        flash(str(error), "error")
        return redirect(url_for("tally.manage", round_id=budget.round_id))
    commit()
    flash(_("The count was stopped. Nothing was stored; you can start it again."), "success")
    return redirect(url_for("tally.manage", round_id=budget.round_id))


@bp.route("/manage/runs/<int:run_id>")
@access(Access.STAFF)
def preview(run_id):
    run = db.get_or_404(TallyRun, run_id)
    require(run.can_view(current_user))
    return render_template(
        "tally/results.html",
        budget=run.budget,
        run=run,
        preview=True,
        body=_result_body(run, run.budget),
        can_publish=run.can_publish(current_user) and services.published_run(run.round_budget_id) is None,
    )


@bp.route("/manage/runs/<int:run_id>/publish", methods=["POST"])
@access(Access.STAFF)
def publish(run_id):
    run = db.get_or_404(TallyRun, run_id)
    require(run.can_publish(current_user))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.publish_tally(run, current_user)
    except services.TallyError as error:
        flash(str(error), "error")
        return redirect(url_for("tally.preview", run_id=run.id))
    commit()
    flash(_("The result is published."), "success")
    return redirect(url_for("tally.budget_results", round_budget_id=run.round_budget_id))


# --- staff: live turnout -------------------------------------------------------------------


def _turnout_context(budget_round):
    return {
        "budget_round": budget_round,
        "turnout": live_turnout(budget_round),
        "channel_labels": CHANNEL_LABELS,
        "age_labels": _age_labels(),
        "voting_open": budget_round.is_voting_open(),
        "refresh_url": url_for("tally.turnout_fragment", round_id=budget_round.id),
        "refresh_seconds": REFRESH_SECONDS,
        "percent": percent,
    }


@bp.route("/manage/rounds/<int:round_id>/turnout")
@access(Access.STAFF)
def turnout(round_id):
    budget_round = db.get_or_404(BudgetRound, round_id)
    require(budget_round.can_manage(current_user))
    return render_template("tally/turnout.html", **_turnout_context(budget_round))


@bp.route("/manage/rounds/<int:round_id>/turnout/fragment")
@access(Access.STAFF)
def turnout_fragment(round_id):
    """The turnout tables as an HTML fragment, refreshed every 30 seconds by static/js/turnout.js."""
    budget_round = db.get_or_404(BudgetRound, round_id)
    require(budget_round.can_manage(current_user))
    return render_template("tally/_turnout.html", **_turnout_context(budget_round))

