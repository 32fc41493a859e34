"""Builders of hand-made participation for the reach tests (no tests here): ballots, codes, ideas, reviews.

Rows are inserted directly, as the domains would store them, so that the tests can count them again with
plain SQL and compare with what the dashboard shows.
"""

import itertools
import secrets
from datetime import datetime

from sqlalchemy import text

from pb.extensions import db
from pb.forms import HELSINKI
from pb.models_base import utcnow
from pb.review.models import Review, ReviewChannel, ReviewStatus
from pb.voting.models import Ballot, Channel, Idea, VotingCode, VotingCodeBatch

_keys = itertools.count(1)


def cast_ballot(budget, *, channel="online", age_band="30-44", language="fi", voter_key=None, at=None, slot=None):
    """One ballot in ``budget``; a new voter unless ``voter_key`` is given. Returns the voter key."""
    key = voter_key or f"voter-{next(_keys)}"
    db.session.add(
        Ballot(
            round_id=budget.round_id,
            round_budget_id=budget.id,
            voter_key=key,
            slot=slot or ("citywide" if budget.district_id is None else "district"),
            channel=Channel(channel),
            age_band=age_band,
            language=language if channel == "online" else None,
            identity_verified=True,
            order_seed=1,
            receipt_hash=secrets.token_hex(32),
            created_at=at or utcnow(),
            updated_at=at or utcnow(),
        )
    )
    db.session.flush()
    return key


def voters(budget, count, **options):
    return [cast_ballot(budget, **options) for _ in range(count)]


def code_voter(budget, **options):
    """A voter who voted online with a code letter: the code row carries their voter key."""
    key = cast_ballot(budget, channel="online", **options)
    batch = VotingCodeBatch(round_id=budget.round_id, district_id=budget.district_id, label="Letters", size=1)
    db.session.add(batch)
    db.session.flush()
    db.session.add(VotingCode(batch_id=batch.id, round_id=budget.round_id, code_hash=secrets.token_hex(32),
                              district_id=budget.district_id, used_at=utcnow(), voter_key=key))
    db.session.flush()
    return key


def idea(budget_round, author, *, district=None, at=None):
    row = Idea(round_id=budget_round.id, district_id=district.id if district else None,
               author_id=author.id if author else None, title="Penkki", text="Penkki puistoon.",
               created_at=at or utcnow(), updated_at=at or utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def review(proposal, reviewer, *, channel="online", at=None):
    row = Review(proposal_id=proposal.id, reviewer_id=reviewer.id, status=ReviewStatus.SUBMITTED,
                 channel=ReviewChannel(channel), submitted_at=at or utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def helsinki(year, month=6, day=15):
    return datetime(year, month, day, 12, tzinfo=HELSINKI)


def sql(statement, **params):
    """Rows of a plain SQL query, as a dict of the first column to the second."""
    return {row[0]: row[1] for row in db.session.execute(text(statement), params).all()}
