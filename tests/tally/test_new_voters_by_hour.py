"""Issue #16 item 16: the live turnout's "new voters by hour" counts voters, not ballots."""

import secrets
from datetime import timedelta

from pb.extensions import db
from pb.models_base import utcnow
from pb.voting.models import Ballot, BallotChoice, Channel
from pb.voting.services.turnout import live_turnout
from tests.tally.support import make_round


def cast(budget, voter_key, at):
    ballot = Ballot(
        round_id=budget.round_id,
        round_budget_id=budget.id,
        voter_key=voter_key,
        slot=f"budget:{budget.id}",
        channel=Channel.ONLINE,
        identity_verified=True,
        order_seed=0,
        receipt_hash=secrets.token_hex(32),
        created_at=at,
    )
    ballot.choices.append(BallotChoice(project_id=budget.projects[0].id, points=1))
    db.session.add(ballot)


def test_a_voter_with_a_ballot_in_each_budget_is_one_new_voter_in_the_hour_of_the_first():
    budget_round = make_round(voting="open", districts=(("Keskusta", 1_000), ("Itä", 2_000)))
    first, second = budget_round.budgets
    now = utcnow().replace(minute=30, second=0, microsecond=0)
    earlier = now - timedelta(hours=2)
    # Two voters each vote in both budgets: one in the same hour, one two hours apart.
    cast(first, "a" * 64, now)
    cast(second, "a" * 64, now)
    cast(first, "b" * 64, earlier)
    cast(second, "b" * 64, now)
    db.session.commit()

    turnout = live_turnout(budget_round, now=now + timedelta(minutes=1))

    assert turnout["ballots"] == 4 and turnout["voters"] == 2
    by_hour = {row["start"].strftime("%H"): row["voters"] for row in turnout["by_hour"]}
    assert by_hour[now.strftime("%H")] == 1
    assert by_hour[earlier.strftime("%H")] == 1
    assert sum(by_hour.values()) == 2
