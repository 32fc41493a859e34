"""The figures of the public impact pages: per funding call, per PB round, and across the years.

Only what is public elsewhere is read, through the owning domains' models and services (read-only):

- partnership funding: the calls that are not drafts; the proposals whose funding decision is
  published (:func:`pb.review.services.public.published`); the granted amounts; of the agreements only
  those in force (both sides accepted a version): released instalments, spending and participants
  told in accepted reports, and the indicators' latest accepted values against their targets;
- participatory budgeting: the rounds that are not drafts, and of them only the budgets with a
  published result: the funded projects' implementation records (planned and actual cost, status,
  late), the ballots, and the turnout the result pages show, under the same ballot-secrecy rule
  (:func:`pb.tally.services.result_figures` for the public: a breakdown withheld there is withheld here).

An activity or project counts once, in the year of its call or round: the year the call closes (or
opens), or the year voting closes (or starts), in Finnish time.

By subject: :mod:`~pb.impact.services.calls` (a call), :mod:`~pb.impact.services.rounds` (a round),
:mod:`~pb.impact.services.attainment` (indicators against targets), :mod:`~pb.impact.services.surveys`
(experience survey results), :mod:`~pb.impact.services.progress` (stages and years); this module adds
them up across the years, and is what the pages import.
"""

from dataclasses import dataclass, field

from pb.impact.services.calls import (  # noqa: F401 - the pages read the figures through this module
    CallFigures,
    call_figures,
    call_year,
    public_calls,
    viewable_call,
)
from pb.impact.services.progress import Progress, ProgressCounts  # noqa: F401
from pb.impact.services.rounds import (  # noqa: F401
    RoundFigures,
    public_rounds,
    round_figures,
    round_year,
    viewable_round,
)
from pb.impact.services.surveys import survey_rows


@dataclass
class YearLine:
    year: int | None
    allocated_cents: int = 0
    released_cents: int = 0
    spent_cents: int = 0
    participants: int = 0
    pb_budget_cents: int = 0
    pb_planned_cents: int = 0
    pb_actual_cents: int = 0
    ballots: int = 0


@dataclass
class Overview:
    year: int | None  # the year chosen, None for all years
    years: list  # every year that has figures, newest first
    calls: list  # CallFigures with at least one funded activity
    rounds: list  # RoundFigures with at least one published result
    surveys: list = field(default_factory=list)

    @property
    def activity_progress(self):
        total = ProgressCounts()
        for figures in self.calls:
            total.add(figures.progress)
        return total

    @property
    def project_progress(self):
        total = ProgressCounts()
        for figures in self.rounds:
            total.add(figures.progress)
        return total

    def _sum(self, items, name):
        return sum(getattr(item, name) for item in items)

    @property
    def allocated_cents(self):
        return self._sum(self.calls, "allocated_cents")

    @property
    def released_cents(self):
        return self._sum(self.calls, "released_cents")

    @property
    def spent_cents(self):
        return self._sum(self.calls, "spent_cents")

    @property
    def participants(self):
        return self._sum(self.calls, "participants")

    @property
    def target_group_participants(self):
        return self._sum(self.calls, "target_group_participants")

    @property
    def indicators(self):
        return [line for figures in self.calls for line in figures.indicators]

    @property
    def indicators_good(self):
        return sum(1 for line in self.indicators if line.attainment.is_good)

    @property
    def pb_budget_cents(self):
        return self._sum(self.rounds, "budget_cents")

    @property
    def pb_planned_cents(self):
        return self._sum(self.rounds, "planned_cost_cents")

    @property
    def pb_actual_cents(self):
        return self._sum(self.rounds, "actual_cost_cents")

    @property
    def ballots(self):
        return self._sum(self.rounds, "ballots")

    def by_year(self):
        """One :class:`YearLine` per year, newest first."""
        lines = {}
        for figures in self.calls:
            line = lines.setdefault(figures.year, YearLine(figures.year))
            for name in ("allocated_cents", "released_cents", "spent_cents", "participants"):
                setattr(line, name, getattr(line, name) + getattr(figures, name))
        for figures in self.rounds:
            line = lines.setdefault(figures.year, YearLine(figures.year))
            line.pb_budget_cents += figures.budget_cents
            line.pb_planned_cents += figures.planned_cost_cents
            line.pb_actual_cents += figures.actual_cost_cents
            line.ballots += figures.ballots
        return sorted(lines.values(), key=lambda line: -(line.year or 0))


def all_figures(today=None):
    """(calls with a funded activity, rounds with a published result): every year."""
    calls = [figures for figures in (call_figures(call, today) for call in public_calls()) if figures.activities]
    rounds = [figures for figures in (round_figures(r, today) for r in public_rounds()) if figures.has_results]
    return calls, rounds


def overview(year=None, today=None, with_surveys=True):
    """The figures of ``year`` (None: all years), and the list of years to choose from."""
    calls, rounds = all_figures(today)
    years = sorted({figures.year for figures in [*calls, *rounds] if figures.year is not None}, reverse=True)
    if year is not None:
        calls = [figures for figures in calls if figures.year == year]
        rounds = [figures for figures in rounds if figures.year == year]
    result = Overview(year=year, years=years, calls=calls, rounds=rounds)
    if with_surveys:
        result.surveys = surveys_of(calls=calls, rounds=rounds)
    return result


def surveys_of(calls=(), rounds=()):
    """Survey results of the agreements of ``calls`` and of ``rounds`` (figures objects)."""
    return survey_rows(
        round_ids=[figures.id for figures in rounds],
        agreement_ids=[agreement_id for figures in calls for agreement_id in figures.agreement_ids],
    )
