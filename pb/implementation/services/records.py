"""Implementation records: made when a tally result is published, edited by staff, read by the pages.

:func:`create_for_run` is registered with the tally (``on_published``) when this module is imported,
so the records of a run's funded projects are written in the same transaction as its publication.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from pb.audit.services import record
from pb.errors import DomainError
from pb.extensions import db
from pb.implementation.models import ImplementationStatus, ProjectImplementation, helsinki_today
from pb.tally.services.publishing import on_published
from pb.voting.models import BudgetRound, Project, RoundBudget

# What staff edit on a record: the form's field names, which the refusals below name too.
EDITABLE = (
    "responsible_unit",
    "status",
    "cancel_reason",
    "progress",
    "planned_cost_cents",
    "actual_cost_cents",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
)


class RecordRefused(DomainError):
    """Values the rules refuse; ``errors`` maps a field name to its translated message."""

    status = 422

    def __init__(self, errors):
        super().__init__(*errors.values())
        self.errors = dict(errors)


# --- made when a result is published ---------------------------------------------------------


@on_published
def create_for_run(run):
    """One record per project ``run`` funded, unless the project has one already; audited. Returns the new ones.

    Planned cost is the project's cost as it was on the ballot. Called by the tally in the publishing
    transaction; calling it again for the same run adds nothing.
    """
    project_ids = [int(project_id) for project_id in run.selected_ids]
    if not project_ids:
        return []
    existing = set(
        db.session.execute(
            select(ProjectImplementation.project_id).where(ProjectImplementation.project_id.in_(project_ids))
        ).scalars()
    )
    projects = db.session.execute(
        select(Project).where(Project.id.in_([pid for pid in project_ids if pid not in existing])).order_by(Project.id)
    ).scalars().all()
    created = []
    for project in projects:
        implementation = ProjectImplementation(
            project_id=project.id, tally_run_id=run.id, planned_cost_cents=project.cost_cents,
            status=ImplementationStatus.PLANNED, progress=0, responsible_unit="", cancel_reason={},
        )
        db.session.add(implementation)
        created.append(implementation)
    db.session.flush()
    for implementation in created:
        record(
            run.published_by,
            "implementation.created",
            implementation,
            {"project_id": implementation.project_id, "tally_run_id": run.id,
             "planned_cost_cents": implementation.planned_cost_cents},
        )
    return created


# --- editing ---------------------------------------------------------------------------------


def check_values(values, today=None):
    """The refusals for ``values`` (a dict with the :data:`EDITABLE` keys), as {field: message}."""
    errors = {}
    progress = values["progress"]
    if progress is None or not 0 <= progress <= 100:
        errors["progress"] = _("The progress is a whole number from 0 to 100.")
    for field in ("planned_cost_cents", "actual_cost_cents"):
        if values[field] is not None and values[field] < 0:
            errors[field] = _("The amount cannot be negative.")
    if values["planned_cost_cents"] is None:
        errors["planned_cost_cents"] = _("Write the planned cost.")
    for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        if values[start] and values[end] and values[end] < values[start]:
            errors[end] = _("The end date cannot be before the start date.")
    today = today or helsinki_today()
    for field in ("actual_start", "actual_end"):
        if values[field] and values[field] > today:
            errors[field] = _("An actual date cannot be in the future. Write the planned date instead.")
    status = values["status"]
    if status is ImplementationStatus.CANCELLED and not (values["cancel_reason"] or {}).get("fi"):
        errors["cancel_reason"] = _("Write the public reason for cancelling the project, at least in Finnish.")
    if status is ImplementationStatus.DONE and not values["actual_end"]:
        errors["actual_end"] = _("Write the day the project was finished.")
    return errors


def update_record(actor, implementation, values, today=None):
    """Change the record to ``values``; raises :class:`RecordRefused`. Audited with what changed; flushes.

    A done project is 100 % carried out; a reason for cancelling is kept only while it is cancelled.
    Returns the changes ({field: [old, new]}), empty when nothing changed.
    """
    values = {key: values[key] for key in EDITABLE}
    values["responsible_unit"] = (values["responsible_unit"] or "").strip()
    errors = check_values(values, today)
    if errors:
        raise RecordRefused(errors)
    if values["status"] is ImplementationStatus.DONE:
        values["progress"] = 100
    if values["status"] is not ImplementationStatus.CANCELLED:
        values["cancel_reason"] = {}
    changes = {}
    for key, new in values.items():
        old = getattr(implementation, key)
        if old != new:
            changes[key] = [_plain(old), _plain(new)]
            setattr(implementation, key, new)
    if changes:
        db.session.flush()
        record(actor, "implementation.record_changed", implementation, {"changes": changes})
    return changes


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, ImplementationStatus):
        return value.value
    return value


# --- reading ---------------------------------------------------------------------------------


def record_of_project(project_id):
    return db.session.execute(
        select(ProjectImplementation)
        .where(ProjectImplementation.project_id == project_id)
        .options(joinedload(ProjectImplementation.project).joinedload(Project.budget).joinedload(RoundBudget.round))
    ).scalar_one_or_none()


def _with_project():
    return joinedload(ProjectImplementation.project).joinedload(Project.budget)


def records_of_round(budget_round):
    """{budget: [records]} of the round, in the budgets' order, projects in ballot order."""
    rows = db.session.execute(
        select(ProjectImplementation)
        .join(Project, Project.id == ProjectImplementation.project_id)
        .join(RoundBudget, RoundBudget.id == Project.round_budget_id)
        .where(RoundBudget.round_id == budget_round.id)
        .order_by(RoundBudget.id, Project.position, Project.id)
        .options(_with_project())
    ).scalars().all()
    grouped = {budget: [] for budget in budget_round.budgets}
    for implementation in rows:
        grouped.setdefault(implementation.project.budget, []).append(implementation)
    return {budget: items for budget, items in grouped.items() if items}


def rounds_with_records():
    """The rounds that have funded projects, newest first."""
    with_records = (
        select(RoundBudget.round_id)
        .join(Project, Project.round_budget_id == RoundBudget.id)
        .join(ProjectImplementation, ProjectImplementation.project_id == Project.id)
    )
    return db.session.execute(
        select(BudgetRound).where(BudgetRound.id.in_(with_records)).order_by(BudgetRound.id.desc())
    ).scalars().all()


def staff_overview(today=None):
    """Every record, late ones first, then by round (newest first) and ballot order."""
    rows = db.session.execute(
        select(ProjectImplementation)
        .join(Project, Project.id == ProjectImplementation.project_id)
        .join(RoundBudget, RoundBudget.id == Project.round_budget_id)
        .order_by(RoundBudget.round_id.desc(), RoundBudget.id, Project.position, Project.id)
        .options(_with_project().joinedload(RoundBudget.round), selectinload(ProjectImplementation.updates))
    ).scalars().all()
    today = today or helsinki_today()
    return sorted(rows, key=lambda implementation: not implementation.is_late(today))
