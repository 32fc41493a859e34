"""Importing a pabulib ``.pb`` file as a closed round, for benchmarks and trials with real data.

The voting domain writes its own rows: the round, its one city-wide budget, the projects and
every ballot with its choices. Ballots and choices go in with SQLAlchemy's bulk insert
(``executemany`` of one INSERT statement, in chunks): a file of 90,000 voters with 330,000
choices imports in about 6 s on SQLite and 20 s on PostgreSQL on a small machine. Run by
``flask pb import-pabulib`` (``pb.cli``) and the benchmarks.
"""

import hashlib

from sqlalchemy import insert, select

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


def import_pabulib(path, round_name):
    """Import a ``.pb`` file as a closed round with one city-wide budget and all its ballots.

    For benchmarks and trials with real data: the round is frozen, its voting closed now, its
    rule is the file's (greedy if the file names a rule this platform cannot count). Voters
    become ballots with a key derived from their file id; age and voting method, when the file
    has them, give the age band and the channel. Ballots and choices go in with bulk inserts.
    Approval, choose-1 and cumulative files can be imported; ordinal and scoring ones cannot.
    Flushes, never commits.
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
    budget_round = BudgetRound(
        name={"fi": round_name},
        description={"fi": meta.get("description", "")},
        phase=RoundPhase.VOTING,
        voting_closes_at=now,
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
                "order_seed": 0,
                "receipt_hash": hashlib.sha256(f"receipt:{key}".encode()).hexdigest(),
                "version": 1,
                "changes": 0,
                "created_at": now,
                "updated_at": now,
            }
            for v, key in enumerate(keys)
        ),
    )
    ballot_id = dict(
        db.session.execute(select(Ballot.voter_key, Ballot.id).where(Ballot.round_budget_id == budget.id)).all()
    )
    ballots, rows_of_voters = instance.ballots, voters.ballot.tolist()
    _bulk_insert(
        BallotChoice,
        (
            {"ballot_id": ballot_id[key], "project_id": project_ids[i], "points": p if cumulative else 1}
            for key, row in zip(keys, rows_of_voters)
            for i, p in zip(*(part.tolist() for part in ballots.row(row)))
        ),
    )
    return budget_round


def _bulk_insert(model, rows):
    """Insert ``rows`` (dicts with the same keys, by column name) into ``model``'s table.

    One INSERT statement run with many parameter sets (the driver's ``executemany``), a chunk at
    a time, on the session's connection: part of the session's transaction. Core's insert of the
    table, not the ORM's bulk insert of the class: nothing here needs the ORM's bookkeeping, and
    it took about 60 % longer on a file of 90,000 ballots.
    """
    statement = insert(model.__table__)
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == IMPORT_CHUNK:
            db.session.execute(statement, chunk)
            chunk = []
    if chunk:
        db.session.execute(statement, chunk)


def _channel_of(voting_method):
    return Channel.PAPER if (voting_method or "").strip().lower() == "paper" else Channel.ONLINE


def _band_of_age(age, year):
    """The age band of an age from a file (an age, not a birth year), or None."""
    if age is None or not str(age).strip().isdigit():
        return None
    return age_band(year - int(age), year)
