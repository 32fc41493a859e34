"""Voters and eligibility: who is voting (a key, never a name), and in which budgets they may vote."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

from pb.audit.services import record
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import codes
from pb.voting.models import Ballot, Channel, EligibilityMode, age_band


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

    @property
    def by_code(self):
        return self.code_id is not None


def is_old_enough(budget_round, birth_year, year):
    return birth_year is not None and year - birth_year >= budget_round.min_age


def account_details_missing(user):
    return user.birth_year is None or user.district_id is None


def declare_details(user, birth_year, district_id):
    changed = [name for name, value in (("birth_year", birth_year), ("district_id", district_id))
               if getattr(user, name) != value]
    user.birth_year, user.district_id = birth_year, district_id
    db.session.flush()
    if changed:
        record(user, "auth.voting_details_declared", user, {"fields": changed})


def account_voter(budget_round, user, now=None):
    """The voter for a signed-in resident with declared details (see ``old_enough``)."""
    now = now or utcnow()
    return Voter(
        key=codes.voter_key(budget_round, codes.account_identity(user)),
        channel=Channel.ONLINE,
        district_id=user.district_id,
        age_band=age_band(user.birth_year, now.year),
        old_enough=is_old_enough(budget_round, user.birth_year, now.year),
    )


def too_young_message(budget_round):
    return _("You can vote if you turn %(age)s this year or are older.", age=budget_round.min_age)


def not_eligible_message():
    return _("You cannot vote in this budget. You can vote only in the areas shown on the voting page.")


def code_district(code):
    return code.district_id or code.batch.district_id


def code_voter(budget_round, code, channel=Channel.ONLINE, declared_district_id=None, owned=()):
    return Voter(
        key=codes.voter_key(budget_round, codes.code_identity(code)),
        channel=channel,
        district_id=code_district(code) or declared_district_id,
        age_band=None,
        code_id=code.id,
        owned_ballot_ids=frozenset(owned),
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


def voter_ballots(budget_round, key):
    query = db.select(Ballot).filter_by(round_id=budget_round.id, voter_key=key).order_by(Ballot.id)
    return db.session.execute(query).scalars().all()
