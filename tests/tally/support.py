"""Builders for tally tests: a round with budgets and projects, ballots written directly as rows.

Ballots go straight into the tables (as the voting services leave them), so these tests
exercise counting, not casting. Each ballot gets a unique random voter key and receipt.
"""

import secrets
from datetime import timedelta

from pb.extensions import db
from pb.models_base import utcnow
from pb.tally import services
from pb.tally.models import TallyRun
from pb.transactions import commit
from pb.voting.models import (
    Ballot,
    BallotChoice,
    BallotFormat,
    BudgetRound,
    Channel,
    Project,
    RoundBudget,
    RoundPhase,
)
from tests.factories import make_district, make_user
from tests.helpers import run_queued_jobs

DEFAULT_PROJECTS = (
    (30_000_00, "Leikkipuisto"),
    (20_000_00, "Penkit rannalle"),
    (15_000_00, "Kirjastokaappi"),
    (25_000_00, "Ulkokuntosali"),
)


def make_round(
    *,
    voting="closed",
    rule="greedy",
    threshold=None,
    ballot_format=BallotFormat.APPROVAL,
    max_choices=None,
    points=None,
    districts=(("Keskusta", 1_000),),
    budget_cents=60_000_00,
    projects=DEFAULT_PROJECTS,
):
    """A frozen round whose voting is "closed" (ended yesterday) or "open" (ends in 5 days).

    Every district gets a budget of ``budget_cents`` with ``projects`` ((cost, Finnish title) pairs).
    """
    now = utcnow()
    closes = now - timedelta(days=1) if voting == "closed" else now + timedelta(days=5)
    budget_round = BudgetRound(
        name={"fi": "Kierros", "en": "Round"},
        description={},
        phase=RoundPhase.VOTING,
        voting_closes_at=closes,
        frozen_at=now - timedelta(days=10),
        ballot_format=ballot_format,
        max_choices=max_choices,
        points=points,
        rule=rule,
        rule_threshold=threshold,
        key_salt=secrets.token_hex(16),
    )
    db.session.add(budget_round)
    for name, population in districts:
        district = make_district(name, population=population)
        budget = RoundBudget(round=budget_round, district_id=district.id, amount_cents=budget_cents)
        for position, (cost, title) in enumerate(projects):
            budget.projects.append(Project(title={"fi": title}, description={}, cost_cents=cost, position=position))
        db.session.add(budget)
    db.session.commit()
    return budget_round


def add_ballots(budget, votes, *, channel=Channel.ONLINE, age_band=None, identity_verified=True):
    """One ballot per entry of ``votes``: a list of projects (approval) or {project: points}.

    ``identity_verified=False`` makes them ballots of self-declared voters (a low-threshold round).
    """
    for vote in votes:
        key = secrets.token_hex(32)
        ballot = Ballot(
            round_id=budget.round_id,
            round_budget_id=budget.id,
            voter_key=key,
            slot=f"budget:{budget.id}",
            channel=channel,
            age_band=age_band,
            identity_verified=identity_verified,
            order_seed=0,
            receipt_hash=secrets.token_hex(32),
        )
        points = vote if isinstance(vote, dict) else {project: 1 for project in vote}
        for project, value in points.items():
            ballot.choices.append(BallotChoice(project_id=project.id, points=value))
        db.session.add(ballot)
    db.session.commit()


def published(app, budget):
    """Count ``budget`` as staff (with the real worker where there is one) and publish the result."""
    staff = make_user(staff=True)
    services.start_tally(budget, staff)
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    run = db.session.execute(db.select(TallyRun)).scalar_one()
    services.publish_tally(run, staff)
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    return run


def secrecy_minimum(monkeypatch, app, minimum):
    """Run with ``BALLOT_SECRECY_MIN_GROUP = minimum`` (1: every group shown) for tests about something else."""
    monkeypatch.setitem(app.config, "BALLOT_SECRECY_MIN_GROUP", minimum)
