"""Turnout: how many ballots a budget or a round has, by channel, age band and hour, and the
ballot-secrecy rule every figure that breaks ballots down by a voter attribute follows.

Read-only counts of the ``ballots`` table, for the staff's live turnout page and for the
snapshot a tally stores with its result (``pb.tally``). Nothing here names a voter: only
numbers of ballots per group.

Ballot secrecy (``BALLOT_SECRECY_MIN_GROUP``, default 5): a group with fewer ballots than the
minimum is shown as "fewer than 5", never its number; so is a breakdown whose total is below the
minimum (as a whole). Where exactly one figure of a sum would be hidden, the reader could work it
out by subtracting the others from the total, so the next smallest figure of that sum is hidden
too (complementary suppression), repeated until no sum has a single hidden figure. Snapshots are
stored in full; the rule is applied when a figure is shown, with the minimum of that moment.
Auditors (``User.sees_every_group``) see staff figures in full.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from pb.extensions import db
from pb.models_base import utcnow
from pb.voting.models import AGE_BANDS, Ballot, Channel

# The age-band key of ballots whose voter's age is not known (e.g. voting codes): their
# ``age_band`` is NULL.
UNKNOWN_AGE = "unknown"


# --- the secrecy rule -----------------------------------------------------------------------


@dataclass(frozen=True)
class Withheld:
    """A figure not shown for ballot secrecy.

    ``small``: the group has fewer ballots than ``minimum`` (shown as "fewer than 5"). Otherwise the
    figure is hidden only so that a small group next to it cannot be worked out from the total.
    """

    small: bool
    minimum: int

    def __str__(self):
        if self.small:
            return _("fewer than %(minimum)s", minimum=self.minimum)
        return _("not shown")

    def as_data(self):
        """The figure in JSON and CSV files: "<5", or "hidden" for a figure hidden next to a small one."""
        return f"<{self.minimum}" if self.small else "hidden"


def secrecy_minimum(viewer=None):
    """The smallest group a figure may show to ``viewer``; None (no limit) for an auditor."""
    if viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.sees_every_group:
        return None
    return current_app.config["BALLOT_SECRECY_MIN_GROUP"]


def too_few(count, minimum):
    """Whether ``count`` ballots (more than none) are too few to show in groups or one by one."""
    return bool(minimum) and 0 < count < minimum


def withhold(values, sums, minimum, fixed=()):
    """``values`` ({key: count}) with every figure that would break ballot secrecy replaced by :class:`Withheld`.

    ``sums`` lists the additive relations a reader can use, as (total key, [part keys]): the parts
    add up to the total. ``fixed`` keys are always shown (published totals); a sum whose fixed total
    is below the minimum has all its parts hidden.
    """
    if not minimum or minimum <= 1:
        return dict(values)
    fixed = set(fixed)
    order = {key: position for position, key in enumerate(values)}
    hidden = {key for key, count in values.items() if key not in fixed and too_few(count, minimum)}
    for total, parts in sums:
        if total in fixed and too_few(values[total], minimum):
            hidden.update(parts)
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            members = [total, *parts]
            if sum(1 for key in members if key in hidden) != 1:
                continue
            candidates = [key for key in members if key not in hidden and key not in fixed]
            if candidates:
                hidden.add(min(candidates, key=lambda key: (values[key], order[key])))
                changed = True
    return {
        key: Withheld(small=count < minimum, minimum=minimum) if key in hidden else count
        for key, count in values.items()
    }


def protect_breakdown(counts, minimum, total=None):
    """A one-way breakdown ({group: ballots}) as it may be shown, or None when its total is too small
    to break down at all."""
    total = sum(counts.values()) if total is None else total
    if too_few(total, minimum):
        return None
    shown = withhold({**{("group", key): count for key, count in counts.items()}, ("total",): total},
                     [(("total",), [("group", key) for key in counts])], minimum, fixed=[("total",)])
    return {key: shown[("group", key)] for key in counts}


def protect_self_declared(ballots, self_declared, minimum):
    """How many ballots came from self-declared voters, as it may be shown (None when not known).

    The verified ones are the rest of the total, so either group being small hides the figure."""
    if not self_declared:
        return self_declared
    shown = protect_breakdown({"verified": ballots - self_declared, "self_declared": self_declared}, minimum, ballots)
    if shown is None:
        return Withheld(small=True, minimum=minimum)
    return shown["self_declared"]


def is_shown(value):
    return not isinstance(value, Withheld)


# --- counting -------------------------------------------------------------------------------


def _counts(column, *criteria):
    rows = db.session.execute(select(column, func.count(Ballot.id)).where(*criteria).group_by(column)).all()
    return {("" if key is None else str(key)): count for key, count in rows}


def turnout_snapshot(budget):
    """Ballots of one budget by channel and age band, against the district's population (stored in full
    with a count; :func:`published_turnout` applies the secrecy rule when it is shown)."""
    by_channel = _counts(Ballot.channel, Ballot.round_budget_id == budget.id)
    by_age = _counts(Ballot.age_band, Ballot.round_budget_id == budget.id)
    self_declared = db.session.scalar(
        select(func.count(Ballot.id)).where(Ballot.round_budget_id == budget.id, Ballot.identity_verified.is_(False))
    )
    return {
        "ballots": sum(by_channel.values()),
        "population": budget.district.population if budget.district is not None else None,
        "by_channel": {channel.value: by_channel.get(channel.value, 0) for channel in Channel},
        "by_age_band": _age_bands(by_age),
        "self_declared": self_declared,
    }


def published_turnout(snapshot, minimum):
    """A stored snapshot as it may be shown: breakdowns under the secrecy rule (None when the budget has
    too few ballots to break down), and the number of self-declared ballots (None when not known)."""
    if not snapshot:
        return {}
    ballots = snapshot.get("ballots", 0)
    return {
        "ballots": ballots,
        "population": snapshot.get("population"),
        "by_channel": protect_breakdown(snapshot.get("by_channel", {}), minimum, ballots),
        "by_age_band": protect_breakdown(snapshot.get("by_age_band", {}), minimum, ballots),
        "self_declared": protect_self_declared(ballots, snapshot.get("self_declared"), minimum),
        "minimum_group": minimum,
    }


def _age_bands(by_age):
    bands = {label: by_age.get(label, 0) for label, _low, _high in AGE_BANDS}
    bands[UNKNOWN_AGE] = by_age.get("", 0)
    return bands


def percent(part, whole):
    """A share in percent (one decimal, two below 1 %), or None without a whole to compare with."""
    if not whole or not is_shown(part):
        return None
    share = 100 * part / whole
    return round(share, 1 if share >= 1 else 2)


def _hour_bucket(moment):
    """The UTC hour of ``moment`` (a column), as "YYYY-MM-DD HH:00" text (SQLite stores UTC text)."""
    if db.session.get_bind().dialect.name == "postgresql":
        utc = func.timezone("UTC", moment)  # not the session's time zone
        return func.to_char(func.date_trunc("hour", utc), "YYYY-MM-DD HH24:00")
    return func.strftime("%Y-%m-%d %H:00", moment)


def _new_voters_by_hour(in_round, since):
    """{hour: voters whose first ballot of the round was cast in that hour} from ``since`` on.

    A voter casts one ballot per budget (a district's and the whole city's, say): counting ballots
    would count such a voter once per ballot, so each voter counts once, in the hour they first voted.
    """
    first_ballots = (
        select(Ballot.voter_key, func.min(Ballot.created_at).label("first_at"))
        .where(in_round)
        .group_by(Ballot.voter_key)
        .subquery()
    )
    bucket = _hour_bucket(first_ballots.c.first_at).label("hour")
    return dict(
        db.session.execute(
            select(bucket, func.count()).where(first_ballots.c.first_at >= since).group_by(bucket)
        ).all()
    )


def live_turnout(budget_round, now=None, hours=24, minimum=None):
    """Ballots so far in the round: by budget (with channels) and age band; new voters by hour (UTC hour buckets).

    With ``minimum`` (:func:`secrecy_minimum`) the channel and age figures follow the secrecy rule:
    the budgets-by-channel table is protected as a whole, its rows against each budget's ballots and
    its columns against the round's ballots by channel. Totals and hours are always shown.
    """
    now = now or utcnow()
    in_round = Ballot.round_id == budget_round.id
    per_budget_channel = db.session.execute(
        select(Ballot.round_budget_id, Ballot.channel, func.count(Ballot.id))
        .where(in_round)
        .group_by(Ballot.round_budget_id, Ballot.channel)
    ).all()
    budgets = []
    for budget in budget_round.budgets:
        channels = {channel.value: 0 for channel in Channel}
        for budget_id, channel, count in per_budget_channel:
            if budget_id == budget.id:
                channels[str(channel)] = count
        ballots = sum(channels.values())
        population = budget.district.population if budget.district is not None else None
        budgets.append(
            {"budget": budget, "ballots": ballots, "channels": channels, "population": population,
             "turnout": percent(ballots, population)}
        )
    by_channel = {channel.value: sum(row["channels"][channel.value] for row in budgets) for channel in Channel}
    ballots = sum(row["ballots"] for row in budgets)
    by_age_band = _age_bands(_counts(Ballot.age_band, in_round))
    if minimum:
        by_channel = _protect_channel_table(budgets, by_channel, ballots, minimum)
        by_age_band = protect_breakdown(by_age_band, minimum, ballots)
    since = (now - timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
    hourly = _new_voters_by_hour(in_round, since)
    hour_rows = []
    moment = since
    while moment <= now:
        key = moment.strftime("%Y-%m-%d %H:00")
        hour_rows.append({"start": moment, "voters": hourly.get(key, 0)})
        moment += timedelta(hours=1)
    return {
        "at": now,
        "budgets": budgets,
        "ballots": ballots,
        "voters": db.session.scalar(select(func.count(func.distinct(Ballot.voter_key))).where(in_round)),
        "by_channel": by_channel,
        "by_age_band": by_age_band,
        "by_hour": hour_rows,
        "minimum_group": minimum,
    }


def _protect_channel_table(budgets, by_channel, ballots, minimum):
    """Protect the budgets x channels table in place (rows) and give back the protected column totals.

    Every row adds up to its budget's ballots (shown), every column to the round's ballots of that
    channel, and the column totals to the round's ballots (shown): each of these sums gets no single
    hidden figure. Too few ballots in the whole round hides every channel figure.
    """
    channels = list(by_channel)
    values = {("total",): ballots}
    sums = [(("total",), [("channel", channel) for channel in channels])]
    for channel in channels:
        values[("channel", channel)] = by_channel[channel]
    for position, row in enumerate(budgets):
        values[("ballots", position)] = row["ballots"]
        for channel in channels:
            values[("cell", position, channel)] = row["channels"][channel]
        sums.append((("ballots", position), [("cell", position, channel) for channel in channels]))
    for channel in channels:
        sums.append((("channel", channel), [("cell", position, channel) for position in range(len(budgets))]))
    # The round's and each budget's ballots are published totals: shown, and a small one hides its parts.
    fixed = [("total",)] + [("ballots", position) for position in range(len(budgets))]
    shown = withhold(values, sums, minimum, fixed=fixed)
    for position, row in enumerate(budgets):
        row["channels"] = {channel: shown[("cell", position, channel)] for channel in channels}
    return {channel: shown[("channel", channel)] for channel in channels}
