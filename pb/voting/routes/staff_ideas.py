"""Staff pages for residents' ideas: assessing, combining duplicates, putting an idea on the ballot."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from pb.access import Access, access
from pb.extensions import db
from pb.forms import translated_namespace
from pb.transactions import commit
from pb.voting import services
from pb.voting.forms import AssessForm, MergeForm, PublishForm
from pb.voting.models import Idea, IdeaStatus
from pb.voting.routes.blueprint import bp
from pb.voting.routes.helpers import budget_or_404, manage_round
from pb.voting.services import ProjectCostError, RoundRuleError


@bp.route("/manage/<int:round_id>/ideas")
@access(Access.STAFF)
def manage_ideas(round_id):
    budget_round = manage_round(round_id)
    return render_template("voting/manage_ideas.html", budget_round=budget_round, ideas=services.public_ideas(budget_round))


def _idea_page(item, *, assess_form=None, merge_form=None, publish_form=None, status=200):
    budget_round = item.round
    others = [other for other in services.public_ideas(budget_round) if other.id != item.id and other.status is not IdeaStatus.MERGED]
    if merge_form is None:
        merge_form = MergeForm(formdata=None)
    merge_form.into_id.choices = [SelectChoice(other.id, f"#{other.id} {other.title}") for other in others]
    if publish_form is None:
        budget = budget_round.budget_for(item.district_id)
        publish_form = PublishForm(
            budget_round.budgets, formdata=None,
            data={"round_budget_id": budget.id if budget else None, "title": translated_namespace({"fi": item.title}),
                  "description": translated_namespace({"fi": item.text}), "cost": item.cost_estimate_cents},
        )
    if assess_form is None:
        assess_form = AssessForm(formdata=None, data={
            "feasible": {IdeaStatus.FEASIBLE: "yes", IdeaStatus.NOT_FEASIBLE: "no"}.get(item.status),
            "reason": item.assessment_reason, "cost_estimate": item.cost_estimate_cents,
        })
    return render_template(
        "voting/manage_idea.html", idea=item, budget_round=budget_round, assess_form=assess_form,
        merge_form=merge_form, publish_form=publish_form, statuses=IdeaStatus,
    ), status


@bp.route("/manage/ideas/<int:idea_id>")
@access(Access.STAFF)
def manage_idea(idea_id):
    item = db.get_or_404(Idea, idea_id)
    manage_round(item.round_id)
    return _idea_page(item)


@bp.route("/manage/ideas/<int:idea_id>/assess", methods=["POST"])
@access(Access.STAFF)
def assess_idea(idea_id):
    item = db.get_or_404(Idea, idea_id)
    manage_round(item.round_id)
    form = AssessForm()
    if not form.validate_on_submit():
        return _idea_page(item, assess_form=form, status=422)
    try:
        services.assess_idea(current_user, item, form.feasible.data == "yes", form.reason.data, form.cost_estimate.data)
    except RoundRuleError as error:
        flash(str(error), "error")
        return _idea_page(item, assess_form=form, status=409)
    commit()
    flash(_("The assessment was saved."), "success")
    return redirect(url_for("voting.manage_idea", idea_id=idea_id))


@bp.route("/manage/ideas/<int:idea_id>/merge", methods=["POST"])
@access(Access.STAFF)
def merge_idea(idea_id):
    item = db.get_or_404(Idea, idea_id)
    manage_round(item.round_id)
    form = MergeForm()
    form.into_id.choices = [SelectChoice(other.id, other.title) for other in services.public_ideas(item.round)]
    if not form.validate_on_submit():
        return _idea_page(item, merge_form=form, status=422)
    try:
        services.merge_idea(current_user, item, db.session.get(Idea, form.into_id.data))
    except RoundRuleError as error:
        flash(str(error), "error")
        return _idea_page(item, merge_form=form, status=409)
    commit()
    flash(_("The ideas were combined."), "success")
    return redirect(url_for("voting.manage_idea", idea_id=idea_id))


@bp.route("/manage/ideas/<int:idea_id>/publish", methods=["POST"])
@access(Access.STAFF)
def publish_idea(idea_id):
    item = db.get_or_404(Idea, idea_id)
    budget_round = manage_round(item.round_id)
    form = PublishForm(budget_round.budgets)
    if not form.validate_on_submit():
        return _idea_page(item, publish_form=form, status=422)
    budget = budget_or_404(budget_round, form.round_budget_id.data)
    try:
        services.publish_idea(current_user, item, budget, *form.project_data())
    except ProjectCostError as error:
        form.cost.errors.append(str(error))
        return _idea_page(item, publish_form=form, status=422)
    except RoundRuleError as error:
        flash(str(error), "error")
        return _idea_page(item, publish_form=form, status=409)
    commit()
    flash(_("The idea is now a project on the ballot."), "success")
    return redirect(url_for("voting.manage_idea", idea_id=idea_id))
