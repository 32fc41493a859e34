"""Voters and eligibility: who is voting (a key, never a name), and in which budgets they may vote.

Every channel resolves its voter to one key per round. Where the person's identity is known
(electronic identification on the account, the identity document at an assisted session, a code
letter made from the register) the key is the person's (``codes.person_voter_key``), the same on
every channel, so the ballots' unique constraint refuses a second ballot of the same person.
Without a verified identity (self-declared voters of a low-threshold round) the key is the
account's or the code's own, and the ballot is marked as not verified.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from pb.audit.services import record
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import codes
from pb.voting.models import Ballot, Channel, EligibilityMode, IdentityPolicy, RegisterEntry, age_band


@dataclass
class Voter:
    """Who is voting, as far as the ballot needs to know: never a name, only a key."""

    key: str
    channel: Channel
    district_id: int | None
    age_band: str | None
    code_id: int | None = None
    session_id: int | None = None
    # A code (or a person helped at a pop-up point with a code) may change only the ballots
    # it cast in this sitting; anyone else presenting the same code is refused.
    owned_ballot_ids: frozenset = field(default_factory=frozenset)
    old_enough: bool = True
    # The person's identity is verified (document, electronic identification, register code letter).
    verified: bool = False
    # Keys under which this same person may already have voted (the account's or the code's own key
    # before the person was known): a ballot under any of them blocks a new one.
    other_keys: frozenset = field(default_factory=frozenset)
    # (reason, message) when this voter may not vote in the round at all (identity missing, not on register).
    problem: tuple | None = None

    @property
    def by_code(self):
        return self.code_id is not None


def is_old_enough(budget_round, birth_year, year):
    return birth_year is not None and year - birth_year >= budget_round.min_age


def account_details_missing(user):
    return user.birth_year is None or user.district_id is None


def declare_details(user, birth_year, district_id):
    """Store what a resident declares; electronic identification's year of birth is kept, not replaced."""
    if user.person_hash is not None:
        birth_year = user.birth_year
    changed = [name for name, value in (("birth_year", birth_year), ("district_id", district_id))
               if getattr(user, name) != value]
    user.birth_year, user.district_id = birth_year, district_id
    db.session.flush()
    if changed:
        record(user, "auth.voting_details_declared", user, {"fields": changed})


def account_voter(budget_round, user, now=None):
    """The voter for a signed-in resident with declared details (see ``old_enough`` and ``problem``)."""
    now = now or utcnow()
    own_key = codes.voter_key(budget_round, codes.account_identity(user))
    if user.person_hash is None:
        problem = None
        if budget_round.identity_policy is IdentityPolicy.VERIFIED:
            problem = ("identity_required", identity_required_message())
        return Voter(
            key=own_key, channel=Channel.ONLINE, district_id=user.district_id,
            age_band=age_band(user.birth_year, now.year),
            old_enough=is_old_enough(budget_round, user.birth_year, now.year), problem=problem,
        )
    return person_voter(
        budget_round, user.person_hash, Channel.ONLINE, user.birth_year, user.district_id, now,
        other_keys={own_key},
    )


def person_voter(budget_round, person_hash, channel, birth_year, district_id, now, *, other_keys=(), **fields):
    """The voter for a person whose identity is verified; the round's register, if any, has the last word."""
    key = codes.person_voter_key(budget_round, person_hash)
    problem = None
    if has_register(budget_round):
        entry = register_entry(budget_round, key)
        if entry is None:
            problem = ("not_on_register", not_on_register_message())
        else:
            birth_year, district_id = entry.birth_year, entry.district_id
    return Voter(
        key=key, channel=channel, district_id=district_id, age_band=age_band(birth_year, now.year),
        old_enough=is_old_enough(budget_round, birth_year, now.year), verified=True,
        other_keys=frozenset(other_keys) - {key}, problem=problem, **fields,
    )


def has_register(budget_round):
    query = db.select(RegisterEntry.id).filter_by(round_id=budget_round.id).limit(1)
    return db.session.execute(query).first() is not None


def register_entry(budget_round, key):
    query = db.select(RegisterEntry).filter_by(round_id=budget_round.id, voter_key=key)
    return db.session.execute(query).scalar_one_or_none()


def identity_required_message():
    return _(
        "In this vote, every voter's identity is checked. Identify yourself electronically, "
        "or vote with staff help at a service point (bring an identity document)."
    )


def not_on_register_message():
    return _(
        "You are not on the list of residents who can vote in this round. "
        "If you think this is a mistake, contact the staff."
    )


def same_person_message():
    return _(
        "This person has already voted in this budget (online, with staff help or on paper). "
        "Only one ballot counts, so this one was not saved."
    )


def too_young_message(budget_round):
    return _("You can vote if you turn %(age)s this year or are older.", age=budget_round.min_age)


def not_eligible_message():
    return _("You cannot vote in this budget. You can vote only in the areas shown on the voting page.")


def code_district(code):
    return code.district_id or code.batch.district_id


def code_voter(budget_round, code, channel=Channel.ONLINE, declared_district_id=None, owned=()):
    """The voter of a voting code: the person it was mailed to if it is a register code letter."""
    own_key = codes.voter_key(budget_round, codes.code_identity(code))
    district_id = code_district(code) or declared_district_id
    if code.bound_voter_key is not None:
        entry = register_entry(budget_round, code.bound_voter_key)
        birth_year = entry.birth_year if entry is not None else None
        year = utcnow().year
        return Voter(
            key=code.bound_voter_key, channel=channel, district_id=district_id, age_band=age_band(birth_year, year),
            old_enough=entry is None or is_old_enough(budget_round, birth_year, year), code_id=code.id,
            owned_ballot_ids=frozenset(owned), verified=True, other_keys=frozenset({own_key}),
        )
    problem = None
    if budget_round.identity_policy is IdentityPolicy.VERIFIED:
        problem = ("identity_required", identity_required_message())
    return Voter(
        # A code first used by a person whose identity staff checked keeps voting as that person.
        key=code.voter_key or own_key, channel=channel, district_id=district_id, age_band=None,
        code_id=code.id, owned_ballot_ids=frozenset(owned), problem=problem,
    )


def eligible_budgets(budget_round, voter):
    """The budgets this voter may vote in, by the round's eligibility mode."""
    result = []
    if budget_round.eligibility is EligibilityMode.ANY_ONE_DISTRICT:
        result.extend(budget_round.district_budgets)
    elif voter.district_id is not None and budget_round.budget_for(voter.district_id) is not None:
        result.append(budget_round.budget_for(voter.district_id))
    citywide = budget_round.citywide_budget
    if citywide is not None and budget_round.eligibility is not EligibilityMode.OWN_DISTRICT:
        result.append(citywide)
    return result


def slot_of(budget):
    """A voter has at most one district ballot and one city-wide ballot per round."""
    return "citywide" if budget.is_citywide else "district"


_VOTER_BALLOTS = (  # built once: every page of a voter's visit asks it
    db.select(Ballot)
    .where(Ballot.round_id == db.bindparam("round_id"), Ballot.voter_key == db.bindparam("key"))
    .order_by(Ballot.id)
)


def voter_ballots(budget_round, key):
    return db.session.execute(_VOTER_BALLOTS, {"round_id": budget_round.id, "key": key}).scalars().all()
