"""Importing a pabulib ``.pb`` file as a closed round, for benchmarks and trials with real data.

The voting domain writes its own rows: the round, its one city-wide budget, the projects and
every ballot with its choices. Ballots and choices go in with SQLAlchemy's bulk insert
(``executemany`` of one INSERT statement, in chunks): a file of 90,000 voters with 330,000
choices imports in about 6 s on SQLite and 20 s on PostgreSQL on a small machine. Run by
``flask pb import-pabulib`` (``pb.cli``) and the benchmarks.

What the file says that the round has no column for is kept, for trials that compare with the
file: the voting dates become the round's voting start and close (the close at midnight after
META ``date_end``, in the site's time zone, or now if that is later); the whole META (currency,
dates, place ...) and each project's id in the file go to the round's ``description`` JSON under
the key ``"pabulib"`` (next to the languages: pages read only the languages), and to the
audit event of the import. The money columns have no currency: they hold the file's minor units
scaled to cents, whatever the currency.
"""

import hashlib
import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, insert, select

from pb.audit.services import record
from pb.errors import DomainError
from pb.extensions import db
from pb.models_base import utcnow
from pb.rules import available_rules, read_pabulib
from pb.voting.codes import new_key_salt
from pb.voting.models import (
    Ballot,
    BallotChoice,
    BallotFormat,
    BudgetRound,
    Channel,
    Project,
    RoundBudget,
    RoundPhase,
    age_band,
)

UNIT = 100  # the database keeps money in cents (pb.tally counts in these minor units too)
IMPORT_CHUNK = 20_000  # rows a statement; bounds the memory of a large file's rows


class PabulibImportError(DomainError):
    """The file is valid pabulib, but a round cannot hold it (the message says why)."""


def import_pabulib(path, round_name, progress=None):
    """Import a ``.pb`` file as a closed round with one city-wide budget and all its ballots.

    For benchmarks and trials with real data: the round is frozen, its voting closed (at the
    file's ``date_end``, see the module docstring), its rule is the file's (greedy if the file
    names a rule this platform cannot count). Voters become ballots with a key derived from
    their file id; age and voting method, when the file has them, give the age band and the
    channel. Ballots and choices go in with bulk inserts; ``progress(done, total)`` is called
    after each chunk with the rows written so far (ballots, then choices). The file's META and
    project ids are kept (module docstring); the import is audited. Approval, choose-1 and
    cumulative files can be imported; ordinal and scoring ones cannot. Flushes, never commits.
    """
    instance = read_pabulib(path, keep_voters=True)
    if instance.vote_type not in ("approval", "choose-1", "cumulative"):
        raise PabulibImportError(
            f"{instance.vote_type} ballots cannot be imported: rounds use approval or cumulative ballots"
        )
    if UNIT % instance.unit:
        raise PabulibImportError(f"amounts with more than two decimals cannot be stored in cents (unit {instance.unit})")
    scale = UNIT // instance.unit
    meta = instance.meta
    cumulative = instance.vote_type == "cumulative"
    now = utcnow()
    rule = meta.get("rule") if meta.get("rule") in available_rules() else "greedy"
    longest = int(instance.ballots.lengths().max()) if instance.ballots.n_distinct else 1
    voting_start, voting_end = _file_date(meta.get("date_begin")), _file_date(meta.get("date_end"))
    budget_round = BudgetRound(
        name={"fi": round_name},
        description={"fi": meta.get("description", "")},
        phase=RoundPhase.VOTING,
        voting_start=voting_start,
        voting_closes_at=min(_closing_time(voting_end), now) if voting_end else now,
        frozen_at=now,
        ballot_format=BallotFormat.CUMULATIVE if cumulative else BallotFormat.APPROVAL,
        max_choices=None if cumulative else int(meta.get("max_length", longest) or longest),
        points=int(meta["max_sum_points"]) if cumulative else None,
        rule=rule,
        rule_threshold=int(meta["min_project_score_threshold"]) if rule == "greedy-threshold" else None,
        # Imported voters never vote here, so no voter key is ever derived from it; every round has one.
        key_salt=new_key_salt(),
    )
    budget = RoundBudget(round=budget_round, district_id=None, amount_cents=instance.budget * scale)
    db.session.add_all([budget_round, budget])
    db.session.flush()
    projects = [
        Project(
            round_budget_id=budget.id,
            title={"fi": project.name or project.id},
            description={},
            cost_cents=project.cost * scale,
            position=position,
        )
        for position, project in enumerate(instance.projects)
    ]
    db.session.add_all(projects)
    db.session.flush()
    project_ids = [project.id for project in projects]

    voters = instance.voters
    ballots = instance.ballots
    report = _progress_counter(progress, len(voters.ids) + int(ballots.lengths()[voters.ballot].sum()))
    ages = voters.columns.get("age") or [None] * len(voters.ids)
    methods = voters.columns.get("voting_method") or [None] * len(voters.ids)
    # Imported voters never vote here, so their keys only need to be unique in the round.
    keys = [hashlib.sha256(f"pabulib:{budget_round.id}:{voter_id}".encode()).hexdigest() for voter_id in voters.ids]
    round_id, budget_id, slot = budget_round.id, budget.id, f"budget:{budget.id}"
    _bulk_insert(
        Ballot,
        (
            {
                "round_id": round_id,
                "round_budget_id": budget_id,
                "voter_key": key,
                "slot": slot,
                "channel": _channel_of(methods[v]),
                "age_band": _band_of_age(ages[v], now.year),
                # Whoever ran the imported election checked its voters (or not): unknown here.
                "identity_verified": None,
                "order_seed": 0,
                "receipt_hash": hashlib.sha256(f"receipt:{key}".encode()).hexdigest(),
                "version": 1,
                "changes": 0,
                "created_at": now,
                "updated_at": now,
            }
            for v, key in enumerate(keys)
        ),
        report,
    )
    ballot_id = dict(
        db.session.execute(select(Ballot.voter_key, Ballot.id).where(Ballot.round_budget_id == budget.id)).all()
    )
    rows_of_voters = voters.ballot.tolist()
    _bulk_insert(
        BallotChoice,
        (
            {"ballot_id": ballot_id[key], "project_id": project_ids[i], "points": p if cumulative else 1}
            for key, row in zip(keys, rows_of_voters)
            for i, p in zip(*(part.tolist() for part in ballots.row(row)))
        ),
        report,
    )
    source = {
        "file": os.path.basename(str(path)),
        "meta": dict(meta),
        "project_ids": {str(db_id): project.id for db_id, project in zip(project_ids, instance.projects)},
        "ballots": len(keys),
    }
    budget_round.description = {**budget_round.description, "pabulib": source}
    db.session.flush()
    record(
        None,
        "voting.round_imported",
        subject=budget_round,
        details={**source, "round_budget_id": budget.id},
    )
    return budget_round


def imported_ballots(budget_round):
    """How many ballots the round holds (all of them imported, for an imported round)."""
    return db.session.scalar(select(func.count(Ballot.id)).where(Ballot.round_id == budget_round.id))


def file_source(budget_round):
    """What an imported round keeps of its file: ``{"file", "meta", "project_ids", "ballots"}``, or None."""
    return (budget_round.description or {}).get("pabulib")


def _file_date(text):
    """A pabulib date (``DD.MM.YYYY``; some files give ``YYYY-MM-DD``), or None (a year alone, none)."""
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime((text or "").strip(), pattern).date()
        except ValueError:
            continue
    return None


def _closing_time(last_day: date):
    """Midnight after ``last_day`` in the site's time zone, in UTC."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def _progress_counter(progress, total):
    done = 0

    def report(rows):
        nonlocal done
        done += rows
        if progress is not None:
            progress(done, total)

    return report


def _bulk_insert(model, rows, report=None):
    """Insert ``rows`` (dicts with the same keys, by column name) into ``model``'s table;
    ``report(rows)`` after each chunk.

    One INSERT statement run with many parameter sets (the driver's ``executemany``), a chunk at
    a time, on the session's connection: part of the session's transaction. Core's insert of the
    table, not the ORM's bulk insert of the class: nothing here needs the ORM's bookkeeping, and
    it took about 60 % longer on a file of 90,000 ballots.
    """
    statement = insert(model.__table__)
    report = report or (lambda rows: None)
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == IMPORT_CHUNK:
            db.session.execute(statement, chunk)
            report(len(chunk))
            chunk = []
    if chunk:
        db.session.execute(statement, chunk)
        report(len(chunk))


def _channel_of(voting_method):
    return Channel.PAPER if (voting_method or "").strip().lower() == "paper" else Channel.ONLINE


def _band_of_age(age, year):
    """The age band of an age from a file (an age, not a birth year), or None."""
    if age is None or not str(age).strip().isdigit():
        return None
    return age_band(year - int(age), year)
