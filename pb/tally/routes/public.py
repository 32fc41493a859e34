"""Public result pages and open data files.

They read only the stored, published :class:`TallyRun`; nothing is counted again when a page is
shown. Figures by voter group follow the ballot-secrecy rule (:mod:`pb.tally.services.secrecy`).
"""

import json

from flask import Response, abort, current_app, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from pb.access import Access, access
from pb.extensions import db, limiter
from pb.i18n import localized, number
from pb.jobs import JobRun, JobStatus
from pb.tally import services
from pb.tally.charts import Bar, bar_chart
from pb.tally.models import TallyRun
from pb.tally.reasons import comparison_text, equal_shares_notes, rule_description, rule_name, score_text
from pb.tally.routes.blueprint import CHANNEL_LABELS, age_labels, bp
from pb.voting.models import BudgetRound, RoundBudget
from pb.voting.services.turnout import percent


def round_or_404(round_id):
    budget_round = db.get_or_404(BudgetRound, round_id)
    if not budget_round.can_view(current_user):
        abort(404)
    return budget_round


def budget_or_404(round_budget_id):
    budget = db.get_or_404(RoundBudget, round_budget_id)
    if not budget.round.can_view(current_user):
        abort(404)
    return budget


def _published_or_404(budget):
    run = services.published_run(budget.id)
    if run is None:
        abort(404)
    return run


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


def result_body(run, budget, viewer=None):
    """The result's HTML, rendered once per run, language and secrecy minimum (a stored run never changes).

    ``viewer`` is the staff member of a preview (an auditor sees every group); None for the public.
    """
    figures = services.result_figures(run, viewer)
    return services.cached(
        f"body-{figures['minimum_group']}",
        run,
        lambda: Markup(render_template("tally/_result_body.html", budget=budget, **_result_context(run, figures))),
    )


def _result_context(run, figures):
    lines = services.result_lines(run)
    turnout = figures["turnout"]
    return {
        "run": run,
        "lines": lines,
        "chart": _chart(run, lines, f"chart-{run.id}"),
        "rule_name": rule_name(run.rule),
        "rule_description": rule_description(run.rule),
        "comparison": comparison_text(run.outcome),
        "equal_shares_notes": equal_shares_notes(run.outcome),
        "turnout": turnout,
        "turnout_percent": percent(turnout.get("ballots", 0), turnout.get("population")),
        "minimum_group": figures["minimum_group"],
        "ballots_published": figures["ballots_published"],
        "channel_labels": CHANNEL_LABELS,
        "age_labels": age_labels(),
        "score_text": lambda score: score_text(score, run.vote_type),
        "spent": run.outcome["spent"] * 100 // run.outcome["unit"],
        "budget_amount": run.outcome["budget"] * 100 // run.outcome["unit"],
    }


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
    budget_round = round_or_404(round_id)
    runs = services.published_runs_of_round(budget_round)
    return render_template(
        "tally/round.html",
        budget_round=budget_round,
        runs=runs,
        figures={budget_id: services.result_figures(run) for budget_id, run in runs.items()},
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
        budget = budget_or_404(round_budget_id)
        voting_over = budget.round.is_voting_over()
        can_manage = budget.round.can_manage(current_user)
        return render_template(
            "tally/not_published.html",
            budget=budget,
            voting_over=voting_over,
            ballots_file=services.ballots_file_open_to(budget, current_user),
            # Only staff learn before publication that a budget has too few ballots to publish one by one.
            too_few_ballots=can_manage and voting_over and services.ballots_withheld(
                services.ballot_count(budget), current_app.config["BALLOT_SECRECY_MIN_GROUP"]
            ),
            minimum_group=current_app.config["BALLOT_SECRECY_MIN_GROUP"],
        )
    budget = run.budget
    if not budget.round.can_view(current_user):
        abort(404)
    return render_template("tally/results.html", budget=budget, run=run, preview=False, body=result_body(run, budget))


@bp.route("/budgets/<int:round_budget_id>/what-if")
@access(Access.PUBLIC)
def what_if(round_budget_id):
    budget = budget_or_404(round_budget_id)
    run = _published_or_404(budget)
    figures = services.result_figures(run)
    if not figures["ballots_published"]:
        # Other rules' outcomes of a handful of ballots could show more of each ballot than the totals do.
        return render_template(
            "tally/what_if.html", budget=budget, run=run, withheld=True, minimum_group=figures["minimum_group"],
            official_rule=rule_name(run.rule),
        )
    job = db.session.get(JobRun, services.what_if_job_id(run.id))
    return render_template(
        "tally/what_if.html",
        budget=budget,
        run=run,
        withheld=False,
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
    run = _published_or_404(budget_or_404(round_budget_id))
    body = json.dumps(services.results_document(run), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers=_download(f"results-{round_budget_id}.json"))


@bp.route("/budgets/<int:round_budget_id>/results.csv")
@access(Access.PUBLIC)
def results_csv(round_budget_id):
    run = _published_or_404(budget_or_404(round_budget_id))
    return Response(
        services.results_csv(run), mimetype="text/csv", headers=_download(f"results-{round_budget_id}.csv")
    )


@bp.route("/budgets/<int:round_budget_id>/ballots.pb")
@access(Access.PUBLIC)
@limiter.limit(lambda: current_app.config.get("OPEN_DATA_RATE_LIMIT", "30 per minute"))
def ballots_pb(round_budget_id):
    """Anonymised ballots of a budget whose voting has closed, as a pabulib file: open data once the
    budget's result is published, for staff only before that (404 to everyone else), and never for a
    budget with fewer ballots than the secrecy minimum (but to auditors)."""
    budget = budget_or_404(round_budget_id)
    if not services.ballots_file_open_to(budget, current_user):
        abort(404)
    return Response(
        services.pabulib_export(budget),
        mimetype="text/plain",
        headers=_download(f"ballots-{round_budget_id}.pb"),
    )


def _download(filename):
    return {"Content-Disposition": f'attachment; filename="{filename}"'}
