"""Reach: who took part in each stage (ideas, proposals, votes, reviews, surveys), by district, age band,
channel and language, against the population figures staff enter; the least-reached groups first.

What one participant is, per stage, is in ``pb.impact.services.participation`` (the page says it in plain
words, :data:`DEFINITIONS`).

Every figure follows the small-group rule of ``pb.voting.services.turnout``: a count below the minimum
(``BALLOT_SECRECY_MIN_GROUP``; for surveys at least ``SURVEY_MIN_GROUP``) is "fewer than 5", each
breakdown is protected against its total with complementary suppression (``protect_breakdown``), a stage
with too few participants is not broken down at all, and no rate is given for a withheld figure. The
rule applies to every viewer of this dashboard and its CSV, auditors too. The least-reached list uses
only shown rates, and for a group with "fewer than 5" only the bound the minimum and the population give.
"""

from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pb.calls.models import FundingCall
from pb.extensions import db
from pb.i18n import LANGUAGE_LABELS, localized
from pb.impact.services import population as population_service
from pb.impact.services.participation import (
    CHANNELS,
    DIMENSIONS,
    LANGUAGES,
    STAGES,
    ReachFilter,
    local_year,
    marginals,
)
from pb.impact.services.population import BANDS
from pb.tally.charts import Bar, bar_chart
from pb.voting.models import BudgetRound
from pb.voting.services.turnout import Withheld, is_shown, protect_breakdown, too_few

__all__ = ["DIMENSIONS", "STAGES", "ReachFilter", "csv_rows", "marginals", "reach", "stage_chart"]

LEAST_REACHED_SHOWN = 3


STAGE_LABELS = {
    "ideas": _l("Ideas"),
    "proposals": _l("Proposals to funding calls"),
    "votes": _l("Votes"),
    "reviews": _l("Reviews of proposals"),
    "surveys": _l("Experience surveys"),
}
DEFINITIONS = {
    "ideas": _l(
        "People who sent at least one idea to a participatory budgeting round. Each person counts once per "
        "round. District, age and language come from the person's account (their home district, their age "
        "in the year of the idea, the language they use the service in)."
    ),
    "proposals": _l(
        "Applicants who sent a proposal to a funding call: the person who sent it online, or the group that "
        "staff helped. Each counts once per call. Withdrawn proposals count; drafts do not. For a group "
        "helped by staff, age and language are not known."
    ),
    "votes": _l(
        "People who voted. Each voter counts once per round, even with a district ballot and a city-wide "
        "ballot. District: the district of their district ballot. Age and language as recorded with the "
        "ballot. Voters who used a code letter are under \"Code letter\"."
    ),
    "reviews": _l(
        "Steering group members who sent at least one review of a proposal in a call. Each counts once per call."
    ),
    "surveys": _l(
        "Answers to experience surveys. The answers are anonymous, so someone who answered two surveys counts "
        "twice. District and age are what the person chose to tell. These figures cannot be narrowed by round, "
        "call or year."
    ),
}
DIMENSION_LABELS = {
    "district": _l("District"),
    "age_band": _l("Age"),
    "channel": _l("Way of taking part"),
    "language": _l("Language"),
}
CHANNEL_LABELS = {
    "online": _l("Online"),
    "assisted": _l("With help from staff"),
    "paper": _l("On paper"),
    "code": _l("Code letter"),
}


@dataclass
class Group:
    key: object  # a district id, age band, channel or language; None: not known
    label: str
    count: object  # int, or Withheld
    population: int | None = None
    rate: float | None = None  # per 100 residents; only for a shown count with a population
    least_reached: bool = False

    @property
    def bound(self):
        """For a group withheld as small: the rate it stays under (minimum / population), else None."""
        if isinstance(self.count, Withheld) and self.count.small and self.population:
            return per_hundred(self.count.minimum, self.population)
        return None


@dataclass
class Breakdown:
    dimension: str
    label: str
    groups: list


@dataclass
class StageReach:
    stage: str
    label: str
    definition: str
    total: object  # int, or Withheld
    minimum: int
    breakdowns: list | None  # None: too few participants to break down
    least_reached: list = field(default_factory=list)

    def breakdown(self, dimension):
        return next((item for item in self.breakdowns or () if item.dimension == dimension), None)


@dataclass
class Reach:
    filters: ReachFilter
    stages: list
    population_year: int | None
    minimum: int
    left_out: list  # stages the filters do not apply to

    @property
    def has_population(self):
        return any(
            group.population for stage in self.stages for item in stage.breakdowns or () for group in item.groups
        )


def per_hundred(count, residents):
    """Participants per 100 residents, one decimal (two below 1)."""
    if not residents:
        return None
    rate = 100 * count / residents
    return round(rate, 1 if rate >= 1 else 2)


def minimum_group(stage=None):
    """The smallest group shown on the dashboard (the ballot secrecy minimum; for surveys at least theirs)."""
    minimum = current_app.config["BALLOT_SECRECY_MIN_GROUP"] or 0
    if stage == "surveys":
        minimum = max(minimum, current_app.config.get("SURVEY_MIN_GROUP") or 0)
    return minimum


# --- as it may be shown ----------------------------------------------------------------------


def _group_keys(dimension, counts, districts):
    if dimension == "district":
        keys = [district.id for district in districts]
    elif dimension == "age_band":
        keys = list(BANDS)
    elif dimension == "channel":
        keys = list(CHANNELS)
    else:
        keys = list(LANGUAGES)
    keys += [key for key in counts if key not in keys and key is not None]  # e.g. a district added since
    return keys + [None]


def _label(dimension, key, district_names):
    if key is None:
        return _("Not known")
    if dimension == "district":
        return district_names.get(key, str(key))
    if dimension == "channel":
        return str(CHANNEL_LABELS.get(key, key))
    if dimension == "language":
        return str(LANGUAGE_LABELS.get(key, key))
    return key


def _stage_reach(stage, counts_by_dimension, populations, districts, minimum):
    names = {district.id: localized(district.name) for district in districts}
    total = sum(counts_by_dimension["district"].values())
    shown_total = Withheld(small=True, minimum=minimum) if too_few(total, minimum) else total
    reach = StageReach(stage=stage, label=str(STAGE_LABELS[stage]), definition=str(DEFINITIONS[stage]),
                       total=shown_total, minimum=minimum, breakdowns=[])
    for dimension in DIMENSIONS:
        counts = counts_by_dimension[dimension]
        keys = _group_keys(dimension, counts, districts)
        # Empty groups are shown as 0 and kept out of the protected sum: hiding a 0 next to a small group
        # would not protect it (with the 0 "not shown", the total less the shown groups is the small one).
        shown = _protect({key: counts[key] for key in keys if counts.get(key)}, minimum)
        if shown is None:
            reach.breakdowns = None
            return reach
        residents = populations.get(dimension, {})
        groups = []
        for key in keys:
            population = residents.get(key) if key is not None else None
            count = shown.get(key, 0)
            rate = per_hundred(count, population) if is_shown(count) else None
            groups.append(Group(key=key, label=_label(dimension, key, names), count=count,
                                population=population, rate=rate))
        reach.breakdowns.append(Breakdown(dimension=dimension, label=str(DIMENSION_LABELS[dimension]), groups=groups))
    reach.least_reached = _least_reached(reach)
    return reach


def _protect(counts, minimum):
    """``protect_breakdown``, then more hiding until the hidden groups add up to at least the minimum.

    Two groups of one next to a shown 7 in a total of 9 are both "fewer than 5", yet the total less the
    shown group (2) says that each is 1; so the smallest shown group is hidden too, until what is hidden
    is itself no small number."""
    total = sum(counts.values())
    shown = protect_breakdown(counts, minimum, total)
    if shown is None or not minimum:
        return shown
    order = {key: position for position, key in enumerate(counts)}
    while True:
        hidden = total - sum(value for value in shown.values() if is_shown(value))
        candidates = [key for key, value in shown.items() if is_shown(value) and value > 0]
        if hidden == 0 or hidden >= minimum or not candidates:
            return shown
        key = min(candidates, key=lambda key: (shown[key], order[key]))
        shown[key] = Withheld(small=False, minimum=minimum)


def _least_reached(reach):
    """Districts and age bands with a population, least reached first: by the shown rate, or for a group of
    "fewer than 5" by the rate it stays under. Groups hidden only next to a small one are left out. Every group
    where nobody took part is named, then the next :data:`LEAST_REACHED_SHOWN`."""
    candidates = []
    for dimension in ("district", "age_band"):
        for group in reach.breakdown(dimension).groups:
            if group.key is None or not group.population:
                continue
            if group.rate is not None:
                candidates.append(((group.count / group.population, group.label), group))
            elif group.bound is not None:
                candidates.append(((group.count.minimum / group.population, group.label), group))
    candidates.sort(key=lambda candidate: candidate[0])
    nobody = sum(1 for _order, group in candidates if group.count == 0)
    chosen = [group for _order, group in candidates[:nobody + LEAST_REACHED_SHOWN]]
    for group in chosen:
        group.least_reached = True
    return chosen


def population_year_for(filters):
    """The year whose population figures the rates use: the filter's year, else the round's or call's year,
    else the latest; the nearest year with figures to it."""
    year = filters.year
    if year is None and filters.round_id is not None:
        budget_round = db.session.get(BudgetRound, filters.round_id)
        if budget_round is not None:
            year = budget_round.voting_start.year if budget_round.voting_start else local_year(budget_round.created_at)
    if year is None and filters.call_id is not None:
        call = db.session.get(FundingCall, filters.call_id)
        if call is not None:
            year = local_year(call.opens_at or call.created_at)
    return population_service.nearest_year(year)


def reach(filters):
    """The dashboard's figures under ``filters``, every one as it may be shown."""
    districts = population_service.districts()
    year = population_year_for(filters)
    populations = population_service.population_by_group(year)
    stages, left_out = [], []
    for stage in STAGES:
        if not filters.applies_to(stage):
            if filters.stage is None or filters.stage == stage:
                left_out.append(stage)
            continue
        stages.append(_stage_reach(stage, marginals(stage, filters), populations, districts, minimum_group(stage)))
    return Reach(filters=filters, stages=stages, population_year=year, minimum=minimum_group(), left_out=left_out)


# --- chart and CSV ---------------------------------------------------------------------------


def _figure_text(value):
    return str(value) if isinstance(value, Withheld) else f"{value}"


def stage_chart(stage_reach):
    """Participants per 100 residents of the districts and age bands with a population, as SVG; None without any."""
    bars = []
    for dimension in ("district", "age_band"):
        for group in stage_reach.breakdown(dimension).groups:
            if group.key is None or not group.population:
                continue
            if group.rate is not None:
                text = _("%(rate)s per 100", rate=group.rate)
            else:
                text = _figure_text(group.count)
            if group.least_reached:
                text = _("%(figure)s – least reached", figure=text)
            label = _("Age %(band)s", band=group.label) if dimension == "age_band" else group.label
            bars.append(Bar(label=label, value=group.rate or 0, value_text=text, highlighted=group.least_reached))
    if not bars:
        return None
    return bar_chart(
        bars,
        title=_("%(stage)s: taking part per 100 residents", stage=stage_reach.label),
        description=_("Districts, then age groups. The least reached groups have a dark outline. "
                      "The same numbers are in the tables below."),
        chart_id=f"reach-chart-{stage_reach.stage}",
    )


# key: the group's code (district id, age band, channel, language code; empty for "not known"); group: its name.
CSV_FIELDS = ("stage", "dimension", "key", "group", "participants", "residents", "per_100_residents")


def csv_rows(result):
    """The dashboard's figures as CSV rows (dicts of :data:`CSV_FIELDS`), under the same rule as the page."""
    rows = []
    for stage in result.stages:
        rows.append({"stage": stage.stage, "dimension": "all", "key": "all", "group": "all",
                     "participants": _data(stage.total)})
        for breakdown in stage.breakdowns or ():
            for group in breakdown.groups:
                rows.append({
                    "stage": stage.stage,
                    "dimension": breakdown.dimension,
                    "key": "" if group.key is None else group.key,
                    "group": group.label,
                    "participants": _data(group.count),
                    "residents": "" if group.population is None else group.population,
                    "per_100_residents": "" if group.rate is None else group.rate,
                })
    return rows


def _data(value):
    return value.as_data() if isinstance(value, Withheld) else value
