"""Staff pages of a round under /voting/manage/: the round, its budgets and projects, moving its phase."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access
from pb.districts.services import districts_in_order
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.models_base import utcnow
from pb.transactions import commit
from pb.voting import services
from pb.voting.forms import ProjectForm, RoundForm, budget_form
from pb.voting.models import Channel, Project, RoundPhase
from pb.voting.routes.blueprint import bp
from pb.voting.routes.helpers import budget_or_404, manage_round
from pb.voting.services import RoundRuleError


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
        counts=services.ballot_counts(budget_round),
        channels=list(Channel),
        problems=services.voting_problems(budget_round, now) if budget_round.phase.next is RoundPhase.VOTING else [],
        voting_open=budget_round.is_voting_open(now),
        confirm=ConfirmForm(),
    )


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


@bp.route("/manage/<int:round_id>/advance", methods=["POST"])
@access(Access.STAFF)
def advance(round_id):
    budget_round = manage_round(round_id)
    if ConfirmForm().validate_on_submit():
        try:
            phase = services.advance_phase(current_user, budget_round)
        except RoundRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("The round is now in the phase: %(phase)s.", phase=phase.label), "success")
    return redirect(url_for("voting.manage", round_id=round_id))


@bp.route("/manage/<int:round_id>/projects/new", methods=["GET", "POST"])
@access(Access.STAFF)
def new_project(round_id):
    budget_round = manage_round(round_id)
    form = ProjectForm(budget_round.budgets)
    if form.validate_on_submit():
        budget = budget_or_404(budget_round, form.round_budget_id.data)
        try:
            services.add_project(current_user, budget, *form.project_data())
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
