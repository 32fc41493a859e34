"""Staff pages for counting and publishing: one budget at a time, or all budgets of a round.

Publishing cannot be undone, so every publishing action (and counting a whole round) first shows
a confirmation page (GET) that says what will happen; only the POST from that page acts.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.jobs import JobStatus
from pb.models_base import utcnow
from pb.tally import services
from pb.tally.forms import PublishAllForm
from pb.tally.models import TallyRun
from pb.tally.reasons import rule_name
from pb.tally.routes.blueprint import CHANNEL_LABELS, REFRESH_SECONDS, age_labels, bp
from pb.tally.routes.public import result_body
from pb.transactions import commit
from pb.voting.models import BudgetRound, RoundBudget
from pb.voting.services.turnout import Withheld


def _managed_round_or_404(round_id):
    budget_round = db.get_or_404(BudgetRound, round_id)
    require(budget_round.can_manage(current_user))
    return budget_round


@bp.route("/manage/rounds/<int:round_id>")
@access(Access.STAFF)
def manage(round_id):
    budget_round = _managed_round_or_404(round_id)
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
    budget_round = _managed_round_or_404(round_id)
    return render_template("tally/_progress.html", **_progress_context(budget_round))


def _flash_not_queued(budget, started, of_round=False):
    """After the commit: tell whether the job queue refused a count (then audited and committed)."""
    if not (started.queued and services.not_queued(budget, started.job_id, current_user)):
        return False
    commit()
    if of_round:
        message = _(
            "The count of %(budget)s could not be queued: the job queue is not reachable. Nothing was counted; "
            "try again when the job queue works again.",
            budget=budget.display_name,
        )
    else:
        message = _(
            "The count could not be queued: the job queue is not reachable. Nothing was counted; "
            "try again when the job queue works again."
        )
    flash(message, "error")
    return True


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
    elif _flash_not_queued(budget, started):
        pass
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
        body=result_body(run, run.budget, viewer=current_user),
        can_publish=run.can_publish(current_user) and services.published_run(run.round_budget_id) is None,
    )


def _hidden_groups(figures):
    """{"channel": [labels], "age": [labels]} of the groups a published page will not show."""
    turnout = figures["turnout"]
    labels = {"channel": CHANNEL_LABELS, "age": age_labels()}
    hidden = {}
    for kind, key in (("channel", "by_channel"), ("age", "by_age_band")):
        breakdown = turnout.get(key)
        if breakdown:
            hidden[kind] = [
                labels[kind].get(group, group) for group, value in breakdown.items() if isinstance(value, Withheld)
            ]
    return hidden


def _publish_page(run, problem=None, status=200):
    figures = services.result_figures(run)  # what the public will see: no auditor's exception
    written, left_out = services.voter_columns(run.budget) if figures["ballots_published"] else ([], [])
    return render_template(
        "tally/publish_confirm.html",
        run=run,
        budget=run.budget,
        rule_name=rule_name(run.rule),
        figures=figures,
        hidden_groups=_hidden_groups(figures),
        voter_columns_written=written,
        voter_columns_left_out=left_out,
        problem=problem if problem is not None else services.publish_problem(run),
        form=ConfirmForm(),
    ), status


@bp.route("/manage/runs/<int:run_id>/publish", methods=["GET", "POST"])
@access(Access.STAFF)
def publish(run_id):
    """GET: what publishing this result will do, and the button; POST (from that page): publish it."""
    run = db.get_or_404(TallyRun, run_id)
    if request.method == "GET":
        require(run.can_view(current_user))
        if run.is_published:
            flash(_("This result is already published."), "info")
            return redirect(url_for("tally.preview", run_id=run.id))
        return _publish_page(run)
    require(run.can_publish(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.publish_tally(run, current_user)
    except services.TallyError as error:
        db.session.rollback()
        return _publish_page(db.session.get(TallyRun, run_id), problem=str(error), status=409)
    commit()
    flash(_("The result is published."), "success")
    return redirect(url_for("tally.budget_results", round_budget_id=run.round_budget_id))


@bp.route("/manage/rounds/<int:round_id>/count-all", methods=["GET", "POST"])
@access(Access.STAFF)
def count_all(round_id):
    """GET: which budgets of the round will be counted, and why the others will not; POST: start them."""
    budget_round = _managed_round_or_404(round_id)
    form = ConfirmForm()
    if request.method == "GET":
        return _count_all_page(budget_round, form)
    if not form.validate_on_submit():
        abort(400)
    try:
        started = services.count_all(budget_round, current_user)
    except services.TallyError as error:
        return _count_all_page(budget_round, form, error=str(error), status=409)
    commit()
    queued = [budget for budget, one in started if not _flash_not_queued(budget, one, of_round=True)]
    if queued:
        flash(_("Counting started: %(count)s budgets. This page shows their progress.", count=len(queued)), "success")
    return redirect(url_for("tally.manage", round_id=budget_round.id))


def _count_all_page(budget_round, form, error=None, status=200):
    return render_template(
        "tally/count_all.html", budget_round=budget_round, plans=services.count_plan(budget_round), form=form,
        error=error,
    ), status


@bp.route("/manage/rounds/<int:round_id>/publish-all", methods=["GET", "POST"])
@access(Access.STAFF)
def publish_all(round_id):
    """GET: each budget with the count that will be published and its rule, or why none; POST: publish them."""
    budget_round = _managed_round_or_404(round_id)
    form = PublishAllForm()
    if request.method == "GET":
        return _publish_all_page(budget_round, form)
    if not form.validate_on_submit():
        abort(400)
    try:
        published = services.publish_all(budget_round, current_user, form.plan.data or "")
    except services.TallyError as error:
        db.session.rollback()
        return _publish_all_page(budget_round, PublishAllForm(formdata=None), error=str(error), status=409)
    commit()
    flash(_("Results published: %(count)s budgets.", count=len(published)), "success")
    return redirect(url_for("tally.round_results", round_id=budget_round.id))


def _publish_all_page(budget_round, form, error=None, status=200):
    plans = services.publish_plan(budget_round)
    form.plan.data = services.plan_token(plans)
    return render_template(
        "tally/publish_all.html",
        budget_round=budget_round,
        plans=plans,
        figures={plan.budget.id: services.result_figures(plan.run) for plan in plans if plan.included},
        rule_name=rule_name,
        minimum_group=current_app.config["BALLOT_SECRECY_MIN_GROUP"],
        form=form,
        error=error,
    ), status
