"""One-time voting codes: printing batches, and checking a code a voter typed.

The codes exist in plain text only in the response that prints them; the database keeps
keyed hashes (see ``pb.voting.codes``).
"""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.codes import formatted
from pb.extensions import db
from pb.voting import codes
from pb.voting.models import Channel, EligibilityMode, RoundPhase, VotingCode, VotingCodeBatch
from pb.voting.services.eligibility import Voter, code_district, code_voter, eligible_budgets, slot_of, voter_ballots
from pb.voting.services.errors import RoundRuleError, closed_message, refuse_ballot

MAX_CODES_PER_BATCH = 5000


_CODE_BY_HASH = db.select(VotingCode).where(
    VotingCode.round_id == db.bindparam("round_id"), VotingCode.code_hash == db.bindparam("code_hash")
)


def find_code(budget_round, text):
    if not codes.looks_like_voting_code(text):
        return None
    values = {"round_id": budget_round.id, "code_hash": codes.code_hash(budget_round, text)}
    return db.session.execute(_CODE_BY_HASH, values).scalar_one_or_none()


def check_code(budget_round, text, now=None, channel=Channel.ONLINE):
    """The code if it may still vote in some budget of the round; else refused (and audited)."""
    if not budget_round.is_voting_open(now):
        refuse_ballot("voting_closed", closed_message(), budget_round, channel=channel)
    code = find_code(budget_round, text)
    if code is None:
        refuse_ballot(
            "code_unknown",
            _("We did not find this code. Check that you typed it correctly, with all %(count)s characters.",
              count=codes.CODE_LENGTH),
            budget_round, channel=channel, status=422,
        )
    voter = code_voter(budget_round, code, channel)
    if voter.problem is not None and channel is Channel.ONLINE:
        refuse_ballot(*voter.problem, budget_round, channel=channel, status=403)
    used = voter_ballots(budget_round, voter.key)
    if used and _possible_slots(budget_round, code) <= {slot_of(ballot.budget) for ballot in used}:
        other_channel = any(ballot.channel is not channel for ballot in used)
        refuse_ballot(
            "cross_channel_duplicate" if other_channel else "code_reused",
            _("This code has already been used to vote. Each code can vote only once."),
            budget_round, channel=channel,
        )
    return code


def _possible_slots(budget_round, code):
    district = code_district(code)
    voter = Voter(key="", channel=Channel.ONLINE, district_id=district, age_band=None)
    budgets = eligible_budgets(budget_round, voter)
    if district is None and budget_round.eligibility is not EligibilityMode.ANY_ONE_DISTRICT:
        budgets += budget_round.district_budgets  # a pop-up code: the voter says where they live
    return {slot_of(budget) for budget in budgets}


def create_code_batch(actor, budget_round, label, size, district_id=None):
    """Make ``size`` new codes; returns the batch and the codes in plain text, shown only this once."""
    if not 1 <= size <= MAX_CODES_PER_BATCH:
        raise RoundRuleError(_("A batch has 1 to %(max)s codes.", max=MAX_CODES_PER_BATCH))
    if budget_round.phase.order > RoundPhase.VOTING.order:
        raise RoundRuleError(_("Voting is over, so no new codes can be made."))
    batch = VotingCodeBatch(
        round_id=budget_round.id, district_id=district_id, label=label, size=size, created_by_id=actor.id
    )
    db.session.add(batch)
    db.session.flush()
    plain = []
    seen = set()
    while len(plain) < size:
        code = codes.new_voting_code()
        hashed = codes.code_hash(budget_round, code)
        if hashed in seen:
            continue
        seen.add(hashed)
        plain.append(code)
        db.session.add(VotingCode(batch_id=batch.id, round_id=budget_round.id, code_hash=hashed, district_id=district_id))
    db.session.flush()
    record(actor, "voting.codes_created", batch, {"round_id": budget_round.id, "size": size, "district_id": district_id})
    return batch, [formatted(code) for code in plain]


def code_batches(budget_round):
    used = db.select(db.func.count(VotingCode.id)).where(
        VotingCode.batch_id == VotingCodeBatch.id, VotingCode.used_at.is_not(None)
    ).scalar_subquery()
    query = (
        db.select(VotingCodeBatch, used)
        .where(VotingCodeBatch.round_id == budget_round.id)
        .order_by(VotingCodeBatch.id)
    )
    return db.session.execute(query).all()
