"""Participatory-budgeting figures of a public round: only its budgets with a published result, their funded
projects' implementation records, ballots and the turnout the result pages show (same secrecy rule).
See :mod:`pb.impact.services.figures`."""

from dataclasses import dataclass, field

from sqlalchemy import select

from pb.extensions import db
from pb.impact.services.progress import Progress, ProgressCounts, year_of
from pb.implementation.models import ImplementationStatus, ProjectImplementation, helsinki_today
from pb.tally.models import TallyRun
from pb.tally.services import published_runs_of_round, result_figures
from pb.voting.models import BudgetRound, RoundPhase
from pb.voting.services.turnout import percent


@dataclass
class ProjectLine:
    project_id: int
    budget_id: int
    title: dict
    planned_cost_cents: int
    actual_cost_cents: int | None
    progress: Progress
    percent_done: int


@dataclass
class BudgetTurnout:
    """One budget's published turnout, as its result page shows it (breakdowns None when withheld)."""

    budget: object
    run: TallyRun
    ballots: int
    population: int | None
    turnout_percent: float | None
    by_channel: dict | None
    by_age_band: dict | None
    minimum_group: int | None


@dataclass
class RoundFigures:
    round: BudgetRound
    year: int | None
    budgets: list = field(default_factory=list)  # BudgetTurnout, in the round's budget order
    projects: list = field(default_factory=list)
    progress: ProgressCounts = field(default_factory=ProgressCounts)

    @property
    def id(self):
        return self.round.id

    @property
    def has_results(self):
        return bool(self.budgets)

    @property
    def budget_cents(self):
        """Money to share in the budgets with a published result."""
        return sum(row.budget.amount_cents for row in self.budgets)

    @property
    def planned_cost_cents(self):
        return sum(line.planned_cost_cents for line in self.projects)

    @property
    def actual_cost_cents(self):
        return sum(line.actual_cost_cents or 0 for line in self.projects)

    @property
    def ballots(self):
        return sum(row.ballots for row in self.budgets)

    @property
    def district_turnout_percent(self):
        """Ballots in the district budgets per person living in those districts (None when not known)."""
        rows = [row for row in self.budgets if not row.budget.is_citywide]
        if not rows or any(not row.population for row in rows):
            return None
        return percent(sum(row.ballots for row in rows), sum(row.population for row in rows))


def public_rounds():
    """Rounds the public sees (not drafts), newest first."""
    return db.session.execute(
        select(BudgetRound).where(BudgetRound.phase != RoundPhase.DRAFT).order_by(BudgetRound.id.desc())
    ).scalars().all()


def round_year(budget_round):
    """The year the round counts in: the year voting closes (or starts, or it was made), Finnish time."""
    return year_of(budget_round.voting_closes_at, budget_round.voting_start, budget_round.created_at)


def _progress_of(implementation, today):
    if implementation.status is ImplementationStatus.DONE:
        return Progress.DONE
    if implementation.status is ImplementationStatus.CANCELLED:
        return Progress.CANCELLED
    if implementation.is_late(today):
        return Progress.LATE
    if implementation.status is ImplementationStatus.IN_PROGRESS:
        return Progress.IN_PROGRESS
    return Progress.NOT_STARTED


def round_figures(budget_round, today=None):
    """The figures of one public round: only its budgets with a published result (see the module docstring)."""
    today = today or helsinki_today()
    figures = RoundFigures(round=budget_round, year=round_year(budget_round))
    runs = published_runs_of_round(budget_round)
    for budget in budget_round.budgets:
        run = runs.get(budget.id)
        if run is None:
            continue
        shown = result_figures(run)  # the public's view, as on the result page
        turnout = shown["turnout"]
        population = turnout.get("population") if turnout else None
        figures.budgets.append(BudgetTurnout(
            budget=budget, run=run, ballots=run.ballot_count, population=population,
            turnout_percent=percent(run.ballot_count, population),
            by_channel=turnout.get("by_channel") if turnout else None,
            by_age_band=turnout.get("by_age_band") if turnout else None,
            minimum_group=shown["minimum_group"],
        ))
    run_ids = [row.run.id for row in figures.budgets]
    if run_ids:
        records = db.session.execute(
            select(ProjectImplementation).where(ProjectImplementation.tally_run_id.in_(run_ids))
            .order_by(ProjectImplementation.project_id)
        ).scalars().all()
        order = {budget.id: position for position, budget in enumerate(budget_round.budgets)}
        records.sort(key=lambda r: (order.get(r.project.round_budget_id, 0), r.project.position, r.project_id))
        for implementation in records:
            progress = _progress_of(implementation, today)
            figures.progress.count(progress)
            figures.projects.append(ProjectLine(
                project_id=implementation.project_id, budget_id=implementation.project.round_budget_id,
                title=implementation.project.title, planned_cost_cents=implementation.planned_cost_cents,
                actual_cost_cents=implementation.actual_cost_cents, progress=progress,
                percent_done=implementation.progress,
            ))
    return figures


def viewable_round(round_id):
    """The round if the public sees it, else None."""
    budget_round = db.session.get(BudgetRound, round_id)
    return budget_round if budget_round is not None and budget_round.phase is not RoundPhase.DRAFT else None
