"""Rounds, budgets and projects: set-up by staff, and what must be ready before voting opens.

Moving between phases (by hand or by the schedule) is in ``phases``.
"""

from datetime import datetime

from flask_babel import gettext as _

from pb.audit.services import record
from pb.extensions import db
from pb.money import money
from pb.rules import available_rules
from pb.voting import codes
from pb.voting.models import BallotFormat, BudgetRound, IdeaStatus, Project, RoundBudget, RoundPhase
from pb.voting.services.errors import ProjectCostError, RoundRuleError

# Changing these after voting opens would change what voters were asked, so they freeze.
FROZEN_FIELDS = (
    "ballot_format",
    "max_choices",
    "points",
    "rule",
    "rule_threshold",
    "min_age",
    "eligibility",
    "identity_policy",
    "voting_closes_at",
)
LANGUAGES = ("fi", "sv", "en")
ROUND_FIELDS = (
    "name",
    "description",
    "ideas_start",
    "co_development_start",
    "cost_estimation_start",
    "voting_start",
    "results_start",
    "implementation_start",
    "paper_entry_until",
    *FROZEN_FIELDS,
)


def rounds_for(user):
    query = db.select(BudgetRound).order_by(BudgetRound.id.desc())
    if not (user.is_authenticated and user.is_staff):
        query = query.where(BudgetRound.phase != RoundPhase.DRAFT)
    return db.session.execute(query).scalars().all()


def _check_round_settings(values):
    fmt = values["ballot_format"]
    if values["rule"] not in available_rules():
        raise RoundRuleError(_("Choose a counting rule from the list."))
    if values["rule"] == "greedy-threshold" and not values.get("rule_threshold"):
        raise RoundRuleError(_("The rule needs a minimum score. Give the minimum score."))
    if values["rule"] != "greedy-threshold" and values.get("rule_threshold") is not None:
        raise RoundRuleError(_("A minimum score is used only with the minimum score rule. Leave it empty."))
    if fmt is BallotFormat.APPROVAL and not values.get("max_choices"):
        raise RoundRuleError(_("Say how many projects a voter may choose."))
    if fmt is BallotFormat.CUMULATIVE and not values.get("points"):
        raise RoundRuleError(_("Say how many points each voter has to share."))
    paper_until, closes_at = values.get("paper_entry_until"), values.get("voting_closes_at")
    if paper_until is not None and (closes_at is None or paper_until < closes_at):
        raise RoundRuleError(
            _("Paper ballots can be entered until a time after voting closes. Set it after the closing time, or leave it empty.")
        )


def create_round(actor, values):
    _check_round_settings(values)
    budget_round = BudgetRound(key_salt=codes.new_key_salt(), created_by_id=actor.id)
    for name in ROUND_FIELDS:
        setattr(budget_round, name, values.get(name))
    db.session.add(budget_round)
    db.session.flush()
    record(actor, "voting.round_created", budget_round, {"name": budget_round.name.get("fi")})
    return budget_round


def _frozen_error():
    return RoundRuleError(
        _(
            "Voting has opened, so the ballot, its limits, the budgets, the projects and the counting rule "
            "can no longer be changed."
        )
    )


def _same(new, old):
    """Equal values; times to the minute, as the form shows and sends them."""
    if isinstance(new, datetime) and isinstance(old, datetime):
        return new.replace(second=0, microsecond=0) == old.replace(second=0, microsecond=0)
    return new == old


def update_round(actor, budget_round, values):
    """Change the round; refused for the frozen settings once voting has opened. Returns changed names."""
    merged = {name: values.get(name, getattr(budget_round, name)) for name in ROUND_FIELDS}
    if values.get("description") is not None:
        # The form edits the languages; what else the description keeps (an imported file's META) stays.
        kept = {key: value for key, value in (budget_round.description or {}).items() if key not in LANGUAGES}
        merged["description"] = {**kept, **values["description"]}
    changed = [name for name in ROUND_FIELDS if not _same(merged[name], getattr(budget_round, name))]
    if budget_round.is_frozen and any(name in FROZEN_FIELDS for name in changed):
        raise _frozen_error()
    _check_round_settings(merged)
    for name in changed:
        setattr(budget_round, name, merged[name])
    if changed:
        db.session.flush()
        record(actor, "voting.round_updated", budget_round, {"fields": changed})
    return changed


def set_budget(actor, budget_round, district_id, amount_cents):
    """Add or change one budget (``district_id`` None = city-wide); ``amount_cents`` None removes it."""
    if budget_round.is_frozen:
        raise _frozen_error()
    budget = budget_round.budget_for(district_id)
    if amount_cents is None:
        if budget is None:
            return None
        if budget.projects:
            raise RoundRuleError(_("This budget has projects. Move or delete the projects first."))
        budget_round.budgets.remove(budget)
        db.session.flush()
        record(actor, "voting.budget_removed", budget_round, {"district_id": district_id})
        return None
    if budget is None:
        budget = RoundBudget(district_id=district_id, amount_cents=amount_cents)
        budget_round.budgets.append(budget)
    too_expensive = [project for project in budget.projects if project.cost_cents > amount_cents]
    if too_expensive:
        raise RoundRuleError(
            _(
                "The budget %(budget)s cannot be %(amount)s: the project %(project)s costs %(cost)s. "
                "Lower the project's cost or move it first.",
                budget=budget.display_name, amount=money(amount_cents),
                project=too_expensive[0].display_title, cost=money(too_expensive[0].cost_cents),
            )
        )
    budget.amount_cents = amount_cents
    db.session.flush()
    record(actor, "voting.budget_set", budget_round, {"district_id": district_id, "amount_cents": amount_cents})
    return budget


def _next_position(budget):
    return max((project.position for project in budget.projects), default=0) + 1


def _check_cost(budget, cost_cents):
    """A project costing more than its whole budget could never be funded: refuse it."""
    if cost_cents > budget.amount_cents:
        raise ProjectCostError(
            _(
                "The project costs %(cost)s, more than the whole budget of %(budget)s (%(amount)s). "
                "Lower the cost, or put the project in a bigger budget.",
                cost=money(cost_cents), budget=budget.display_name, amount=money(budget.amount_cents),
            )
        )


def add_project(actor, budget, title, description, cost_cents):
    if budget.round.is_frozen:
        raise _frozen_error()
    _check_cost(budget, cost_cents)
    project = Project(title=title, description=description, cost_cents=cost_cents, position=_next_position(budget))
    budget.projects.append(project)
    db.session.flush()
    record(actor, "voting.project_added", project, {"budget_id": budget.id, "cost_cents": cost_cents})
    return project


def update_project(actor, project, budget, title, description, cost_cents):
    if project.budget.round.is_frozen:
        raise _frozen_error()
    if budget.round_id != project.budget.round_id:
        raise RoundRuleError(_("Choose a budget of the same round."))
    _check_cost(budget, cost_cents)
    if budget is not project.budget:
        project.budget = budget
        project.position = _next_position(budget)
    project.title, project.description, project.cost_cents = title, description, cost_cents
    db.session.flush()
    record(actor, "voting.project_updated", project, {"budget_id": budget.id, "cost_cents": cost_cents})


def delete_project(actor, project):
    if project.budget.round.is_frozen:
        raise _frozen_error()
    for idea in project.ideas:
        idea.status = IdeaStatus.FEASIBLE
    record(actor, "voting.project_deleted", project, {"budget_id": project.round_budget_id})
    db.session.delete(project)
    db.session.flush()


def voting_problems(budget_round, now):
    problems = []
    if not budget_round.budgets:
        problems.append(_("Add at least one budget."))
    for budget in budget_round.budgets:
        if not budget.projects:
            problems.append(_("The budget %(name)s has no projects.", name=budget.display_name))
        for project in budget.projects:
            if project.cost_cents > budget.amount_cents:
                problems.append(
                    _("The project %(project)s costs more than the budget %(name)s.",
                      project=project.display_title, name=budget.display_name)
                )
    if budget_round.voting_closes_at is None or budget_round.voting_closes_at <= now:
        problems.append(_("Set a closing time for voting in the future."))
    return problems


def lock_round(row):
    """Re-read a row under a row lock (PostgreSQL); SQLite serialises writers anyway."""
    db.session.refresh(row, with_for_update=True)
