"""Reading a budget's ballots as a ``pb.rules`` instance, and the hash of a count's exact inputs.

Reading ballots: :func:`load_instance` runs one query over ``ballots`` outer-joined to
``ballot_choices`` (three columns, driver tuples) and builds the ``pb.rules`` ballot arrays
directly: 90,000 ballots with 330,000 choices load in about a second on a small machine.

The inputs hash (the published check code): :func:`inputs_hash` of the instance, the round's
rule and threshold. The canonical text and its hash live in :mod:`pb.rules.inputs_hash`, so that
``python -m pb.rules check FILE.pb --hash`` recomputes it from the open data ``.pb`` file
(:func:`pb.tally.services.open_data.pabulib_export`) with the very same code.
"""

import numpy as np
from sqlalchemy import select

from pb.extensions import db
from pb.rules import Project as RulesProject
from pb.rules.inputs_hash import CANONICAL_VERSION, canonical_inputs, inputs_hash
from pb.rules.model import BallotsBuilder, Instance, Voters
from pb.voting.models import Ballot, BallotChoice, Project
from pb.voting.services.pabulib_import import UNIT

__all__ = [
    "CANONICAL_VERSION",
    "budget_projects",
    "canonical_inputs",
    "inputs_hash",
    "load_instance",
    "rule_of",
    "vote_type_of",
]


def budget_projects(budget_id):
    """(id, cost in cents, title) of the budget's projects in the official ballot order."""
    return db.session.execute(
        select(Project.id, Project.cost_cents, Project.title)
        .where(Project.round_budget_id == budget_id)
        .order_by(Project.position, Project.id)
    ).all()


def vote_type_of(budget_round):
    return budget_round.ballot_format.pabulib_vote_type


def load_instance(budget, *, projects=None, meta=None, with_ballot_ids=False):
    """The budget's current ballots as a ``pb.rules`` instance (money in cents, ids as text).

    Every ballot counts, also one without choices (it still takes its share in Equal Shares).
    With ``with_ballot_ids``, ``instance.voters`` maps each ballot's database id to its distinct
    ballot row (for the open data file's voter columns; never written out as such).
    """
    projects = budget_projects(budget.id) if projects is None else projects
    index = {project_id: position for position, (project_id, _cost, _title) in enumerate(projects)}
    with_points = vote_type_of(budget.round) != "approval"
    rows = _fetch_plain_rows(
        select(Ballot.id, BallotChoice.project_id, BallotChoice.points)
        .select_from(Ballot)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.round_budget_id == int(budget.id))
        .order_by(Ballot.id)
    )
    builder = BallotsBuilder()
    add = builder.add
    ballot_ids, ballot_rows = [], []
    current, indices, points = None, [], []
    for ballot_id, project_id, project_points in rows:
        if ballot_id != current:
            if current is not None:
                ballot_rows.append(add(indices, points if with_points else None))
                ballot_ids.append(current)
            current, indices, points = ballot_id, [], []
        if project_id is not None:
            indices.append(index[project_id])
            points.append(project_points)
    if current is not None:
        ballot_rows.append(add(indices, points if with_points else None))
        ballot_ids.append(current)
    voters = None
    if with_ballot_ids:
        voters = Voters(ids=[str(ballot_id) for ballot_id in ballot_ids], ballot=np.array(ballot_rows, dtype=np.int64))
    return Instance(
        budget=budget.amount_cents,
        projects=tuple(RulesProject(id=str(project_id), cost=int(cost)) for project_id, cost, _title in projects),
        vote_type=vote_type_of(budget.round),
        ballots=builder.build(),
        unit=UNIT,
        meta=dict(meta or {}),
        voters=voters,
    )


def _fetch_plain_rows(statement):
    """All rows as plain DB-API tuples, on the session's connection and transaction.

    SQLAlchemy's result rows cost as much again as the database for 300,000 rows of three
    integers; the driver's own tuples do not. Only integer values are bound into the SQL.
    """
    connection = db.session.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def rule_of(budget_round):
    """The round's rule and its threshold (a threshold only for greedy-threshold)."""
    threshold = budget_round.rule_threshold if budget_round.rule == "greedy-threshold" else None
    return budget_round.rule, threshold
