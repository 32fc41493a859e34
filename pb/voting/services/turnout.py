"""Turnout: how many ballots a budget or a round has, by channel, age band and hour.

Read-only counts of the ``ballots`` table, for the staff's live turnout page and for the
snapshot a tally stores with its result (``pb.tally``). Nothing here names a voter: only
numbers of ballots per group.
"""

from datetime import timedelta

from sqlalchemy import func, select

from pb.extensions import db
from pb.models_base import utcnow
from pb.voting.models import AGE_BANDS, Ballot, Channel

# The age-band key of ballots whose voter's age is not known (e.g. voting codes): their
# ``age_band`` is NULL.
UNKNOWN_AGE = "unknown"


def _counts(column, *criteria):
    rows = db.session.execute(select(column, func.count(Ballot.id)).where(*criteria).group_by(column)).all()
    return {("" if key is None else str(key)): count for key, count in rows}


def turnout_snapshot(budget):
    """Ballots of one budget by channel and age band, against the district's population."""
    by_channel = _counts(Ballot.channel, Ballot.round_budget_id == budget.id)
    by_age = _counts(Ballot.age_band, Ballot.round_budget_id == budget.id)
    return {
        "ballots": sum(by_channel.values()),
        "population": budget.district.population if budget.district is not None else None,
        "by_channel": {channel.value: by_channel.get(channel.value, 0) for channel in Channel},
        "by_age_band": _age_bands(by_age),
    }


def _age_bands(by_age):
    bands = {label: by_age.get(label, 0) for label, _low, _high in AGE_BANDS}
    bands[UNKNOWN_AGE] = by_age.get("", 0)
    return bands


def percent(part, whole):
    """A share in percent (one decimal, two below 1 %), or None without a whole to compare with."""
    if not whole:
        return None
    share = 100 * part / whole
    return round(share, 1 if share >= 1 else 2)


def _hour_bucket():
    """The UTC hour a ballot was first cast, as "YYYY-MM-DD HH:00" text (SQLite stores UTC text)."""
    if db.session.get_bind().dialect.name == "postgresql":
        utc = func.timezone("UTC", Ballot.created_at)  # not the session's time zone
        return func.to_char(func.date_trunc("hour", utc), "YYYY-MM-DD HH24:00")
    return func.strftime("%Y-%m-%d %H:00", Ballot.created_at)


def live_turnout(budget_round, now=None, hours=24):
    """Ballots so far in the round: by budget (with channels), age band and hour (UTC hour buckets)."""
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
    since = (now - timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)
    bucket = _hour_bucket().label("hour")
    hourly = dict(
        db.session.execute(
            select(bucket, func.count(Ballot.id)).where(in_round, Ballot.created_at >= since).group_by(bucket)
        ).all()
    )
    hour_rows = []
    moment = since
    while moment <= now:
        key = moment.strftime("%Y-%m-%d %H:00")
        hour_rows.append({"start": moment, "ballots": hourly.get(key, 0)})
        moment += timedelta(hours=1)
    return {
        "at": now,
        "budgets": budgets,
        "ballots": sum(row["ballots"] for row in budgets),
        "voters": db.session.scalar(select(func.count(func.distinct(Ballot.voter_key))).where(in_round)),
        "by_channel": {channel.value: sum(row["channels"][channel.value] for row in budgets) for channel in Channel},
        "by_age_band": _age_bands(_counts(Ballot.age_band, in_round)),
        "by_hour": hour_rows,
    }
