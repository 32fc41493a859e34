"""Staff pages of a round under /voting/manage/: the round, its budgets and projects, moving its phase.

Moving the phase, closing voting and reopening it cannot be taken back lightly: each has a page
(GET) that says what will happen, and only its form (POST) does it.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access
from pb.districts.services import districts_in_order
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.i18n import local_datetime
from pb.models_base import utcnow
from pb.transactions import commit
from pb.voting import services
from pb.voting.forms import CloseVotingForm, ProjectForm, ReopenVotingForm, RoundForm, budget_form
from pb.voting.models import Channel, Project, RoundPhase
from pb.voting.routes.blueprint import bp
from pb.voting.routes.helpers import budget_or_404, manage_round
from pb.voting.services import ProjectCostError, RoundRuleError
from pb.voting.services.turnout import protect_breakdown, secrecy_minimum


@bp.route("/manage/")
@access(Access.STAFF)
def manage_index():
    return render_template("voting/manage_index.html", rounds=services.rounds_for(current_user))


@bp.route("/manage/new", methods=["GET", "POST"])
@access(Access.STAFF)
def create_round():
    form = RoundForm()
    if form.validate_on_submit():
        try:
            budget_round = services.create_round(current_user, form.round_data())
        except RoundRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("The round was created. Add the budgets next."), "success")
            return redirect(url_for("voting.budgets", round_id=budget_round.id))
    return render_template("voting/round_form.html", form=form, budget_round=None)


@bp.route("/manage/<int:round_id>")
@access(Access.STAFF)
def manage(round_id):
    budget_round = manage_round(round_id)
    now = utcnow()
    return render_template(
        "voting/manage.html",
        budget_round=budget_round,
        counts=_channel_counts(budget_round),
        channels=list(Channel),
        problems=services.voting_problems(budget_round, now) if budget_round.phase.next is RoundPhase.VOTING else [],
        voting_open=budget_round.is_voting_open(now),
        scheduled=services.scheduled_change(budget_round, now),
        pending_paper=services.pending_paper(budget_round) if budget_round.phase is RoundPhase.VOTING else 0,
        can_reopen=services.can_reopen(budget_round),
        now=now,
    )


def _channel_counts(budget_round):
    """{budget id: (ballots, {channel: ballots or Withheld} or None)}: small channel groups are not shown
    to staff either (ballot secrecy), except to an auditor."""
    counts = services.ballot_counts(budget_round)
    minimum = secrecy_minimum(current_user)
    result = {}
    for budget in budget_round.budgets:
        by_channel = {channel: counts.get((budget.id, channel), 0) for channel in Channel}
        result[budget.id] = (sum(by_channel.values()), protect_breakdown(by_channel, minimum))
    return result


@bp.route("/manage/<int:round_id>/edit", methods=["GET", "POST"])
@access(Access.STAFF)
def edit_round(round_id):
    budget_round = manage_round(round_id)
    form = RoundForm() if request.method == "POST" else RoundForm.for_round(budget_round)
    if form.validate_on_submit():
        try:
            services.update_round(current_user, budget_round, form.round_data())
        except RoundRuleError as error:
            flash(str(error), "error")
            return render_template("voting/round_form.html", form=form, budget_round=budget_round), 409
        commit()
        flash(_("The round was saved."), "success")
        return redirect(url_for("voting.manage", round_id=round_id))
    return render_template("voting/round_form.html", form=form, budget_round=budget_round)


@bp.route("/manage/<int:round_id>/budgets", methods=["GET", "POST"])
@access(Access.STAFF)
def budgets(round_id):
    budget_round = manage_round(round_id)
    districts = districts_in_order()
    form = budget_form(districts, budget_round)
    if form.validate_on_submit():
        try:
            services.set_budget(current_user, budget_round, None, form.citywide.data)
            for district in districts:
                services.set_budget(current_user, budget_round, district.id, form[f"district_{district.id}"].data)
        except RoundRuleError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("voting/budgets.html", budget_round=budget_round, form=form, districts=districts), 409
        commit()
        flash(_("The budgets were saved."), "success")
        return redirect(url_for("voting.manage", round_id=round_id))
    return render_template("voting/budgets.html", budget_round=budget_round, form=form, districts=districts)


@bp.route("/manage/<int:round_id>/advance", methods=["GET", "POST"])
@access(Access.STAFF)
def advance(round_id):
    """Confirm, then move the round to its next phase (voting is closed on its own page)."""
    budget_round = manage_round(round_id)
    if budget_round.phase is RoundPhase.VOTING:
        return redirect(url_for("voting.close_voting", round_id=round_id))
    target = budget_round.phase.next
    if target is None:
        flash(_("The round is already in its last phase."), "error")
        return redirect(url_for("voting.manage", round_id=round_id))
    now = utcnow()
    form = ConfirmForm()
    errors = []
    if form.validate_on_submit():
        try:
            phase = services.advance_phase(current_user, budget_round, now=now)
        except RoundRuleError as error:
            db.session.rollback()
            errors = error.messages
        else:
            commit()
            flash(_("The round is now in the phase: %(phase)s.", phase=phase.label), "success")
            return redirect(url_for("voting.manage", round_id=round_id))
    problems = services.voting_problems(budget_round, now) if target is RoundPhase.VOTING else []
    return render_template(
        "voting/confirm_advance.html", budget_round=budget_round, form=form, target=target, errors=errors,
        problems=problems, scheduled=services.scheduled_change(budget_round, now),
    ), 409 if errors else 200


@bp.route("/manage/<int:round_id>/close", methods=["GET", "POST"])
@access(Access.STAFF)
def close_voting(round_id):
    """Confirm, then close voting now: early needs a public reason; waiting paper ballots need a reason."""
    budget_round = manage_round(round_id)
    if budget_round.phase is not RoundPhase.VOTING:
        flash(_("The round is not in the voting phase, so voting cannot be closed."), "error")
        return redirect(url_for("voting.manage", round_id=round_id))
    now = utcnow()
    early = services.closes_early(budget_round, now)
    pending = services.pending_paper(budget_round)
    form = CloseVotingForm(early=early, paper_pending=pending)
    errors, status = [], 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.close_voting(
                    current_user, budget_round, reason=form.reason.data, paper_reason=form.paper_reason.data, now=now
                )
            except RoundRuleError as error:
                db.session.rollback()
                errors, status = error.messages, 409
            else:
                commit()
                flash(_("Voting has closed. The round is now in the phase: %(phase)s.", phase=RoundPhase.RESULTS.label),
                      "success")
                return redirect(url_for("voting.manage", round_id=round_id))
        else:
            status = 422
    return render_template(
        "voting/confirm_close.html", budget_round=budget_round, form=form, errors=errors, early=early,
        pending=pending, ahead=format_timedelta(budget_round.voting_closes_at - now, threshold=1.1) if early else None,
        now=now,
    ), status


@bp.route("/manage/<int:round_id>/reopen", methods=["GET", "POST"])
@access(Access.STAFF)
def reopen_voting(round_id):
    """Confirm, then open voting again with a new closing time and a public reason."""
    budget_round = manage_round(round_id)
    if not services.can_reopen(budget_round):
        flash(_("Only a round whose voting has closed and that shows results can be reopened."), "error")
        return redirect(url_for("voting.manage", round_id=round_id))
    blockers = services.reopen_blockers(budget_round)
    form = ReopenVotingForm()
    errors, status = [], 200
    if request.method == "POST":
        if blockers:
            errors, status = blockers, 409
        elif form.validate_on_submit():
            try:
                services.reopen_voting(
                    current_user, budget_round, closes_at=form.closes_at.data, reason=form.reason.data
                )
            except RoundRuleError as error:
                db.session.rollback()
                errors, status = error.messages, 409
            else:
                commit()
                flash(_("Voting is open again until %(time)s.", time=local_datetime(budget_round.voting_closes_at)),
                      "success")
                return redirect(url_for("voting.manage", round_id=round_id))
        else:
            status = 422
    return render_template(
        "voting/confirm_reopen.html", budget_round=budget_round, form=form, errors=errors, blockers=blockers
    ), status


@bp.route("/manage/<int:round_id>/projects/new", methods=["GET", "POST"])
@access(Access.STAFF)
def new_project(round_id):
    budget_round = manage_round(round_id)
    form = ProjectForm(budget_round.budgets)
    if form.validate_on_submit():
        budget = budget_or_404(budget_round, form.round_budget_id.data)
        try:
            services.add_project(current_user, budget, *form.project_data())
        except ProjectCostError as error:
            form.cost.errors.append(str(error))
            return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=None), 422
        except RoundRuleError as error:
            flash(str(error), "error")
            return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=None), 409
        commit()
        flash(_("The project was added."), "success")
        return redirect(url_for("voting.manage", round_id=round_id))
    return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=None)


@bp.route("/manage/projects/<int:project_id>/edit", methods=["GET", "POST"])
@access(Access.STAFF)
def edit_project(project_id):
    project = db.get_or_404(Project, project_id)
    budget_round = manage_round(project.budget.round_id)
    form = ProjectForm(budget_round.budgets) if request.method == "POST" else ProjectForm.for_project(budget_round.budgets, project)
    if form.validate_on_submit():
        budget = budget_or_404(budget_round, form.round_budget_id.data)
        try:
            services.update_project(current_user, project, budget, *form.project_data())
        except ProjectCostError as error:
            form.cost.errors.append(str(error))
            return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=project,
                                   delete_form=ConfirmForm()), 422
        except RoundRuleError as error:
            flash(str(error), "error")
            return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=project), 409
        commit()
        flash(_("The project was saved."), "success")
        return redirect(url_for("voting.manage", round_id=budget_round.id))
    return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=project,
                           delete_form=ConfirmForm())


@bp.route("/manage/projects/<int:project_id>/delete", methods=["POST"])
@access(Access.STAFF)
def delete_project(project_id):
    project = db.get_or_404(Project, project_id)
    budget_round = manage_round(project.budget.round_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_project(current_user, project)
        except RoundRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("The project was deleted."), "success")
    return redirect(url_for("voting.manage", round_id=budget_round.id))
