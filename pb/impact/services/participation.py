"""Who took part in each stage, by district, age band, channel and language, before any small-group rule.

What one participant is, per stage (the reach page says the same in plain words):

- ideas: a person who sent at least one idea to a round, once per round (an idea whose author's
  account is gone counts as one participant whose details are not known). District, age and language
  come from the person's account: the home district, the age by the end of the year of the first idea,
  the language of the account. Ideas are sent online.
- proposals: the applicant of a proposal sent to a call (drafts do not count; withdrawn ones do),
  once per call: the person who started it online (their home district, else the organisation's;
  their age and language), or the group staff helped (assisted: the group's district, age and
  language not known).
- votes: a voter, once per round (distinct ``voter_key`` per round: a district ballot and a city-wide
  ballot are one voter). District: the district of their district ballot; age band and language as
  stored with the ballot; channel: the ballot's, and "code" for an online voter whose key is a used
  voting code's (a code letter).
- reviews: a steering-group member who sent at least one review in a call, once per call (channel
  online, or paper when staff entered it).
- surveys: an answer to an experience survey (answers are anonymous, so they cannot be counted per
  person), from ``pb.surveys.services.summary.answer_counts_by``; not narrowed by round, call or year.

The counts here are raw: ``pb.impact.services.reach`` applies the small-group rule before anything is shown.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.orm import aliased

from pb.auth.models import User
from pb.calls.models import FundingCall
from pb.extensions import db
from pb.forms import HELSINKI
from pb.impact.services.population import BANDS
from pb.models_base import utcnow
from pb.orgs.models import Organisation
from pb.proposals.models import Channel as ProposalChannel
from pb.proposals.models import Proposal
from pb.review.models import Review, ReviewChannel, ReviewStatus
from pb.surveys.services.summary import answer_counts_by
from pb.voting.models import Ballot, BudgetRound, Idea, RoundBudget, VotingCode, age_band

STAGES = ("ideas", "proposals", "votes", "reviews", "surveys")
ROUND_STAGES = frozenset({"ideas", "votes"})
CALL_STAGES = frozenset({"proposals", "reviews"})
DIMENSIONS = ("district", "age_band", "channel", "language")
CHANNELS = ("online", "assisted", "paper", "code")
LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class ReachFilter:
    round_id: int | None = None
    call_id: int | None = None
    year: int | None = None
    stage: str | None = None

    def applies_to(self, stage):
        """Whether every chosen filter applies to ``stage`` (a round has no proposals, a call no ballots ...)."""
        if self.stage is not None and stage != self.stage:
            return False
        if self.round_id is not None and stage not in ROUND_STAGES:
            return False
        if self.call_id is not None and stage not in CALL_STAGES:
            return False
        return not (self.year is not None and stage == "surveys")


def _year_range(year):
    start = datetime(year, 1, 1, tzinfo=HELSINKI).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=HELSINKI).astimezone(UTC)
    return start, end


def local_year(moment):
    return moment.astimezone(HELSINKI).year if moment is not None else None


def _in_year(column, year):
    if year is None:
        return True
    start, end = _year_range(year)
    return and_(column >= start, column < end)


def _language(code):
    return code if code in LANGUAGES else None


def _value(item):
    return None if item is None else str(getattr(item, "value", item))


def _first_per_key(rows, key_of, attributes_of):
    """Joint counts of the first row of each participant key (rows come in time order)."""
    seen = {}
    for row in rows:
        key = key_of(row)
        if key not in seen:
            seen[key] = attributes_of(row)
    return Counter(seen.values())


def _ideas(filters):
    query = (
        select(Idea.id, Idea.round_id, Idea.author_id, Idea.created_at, User.district_id, User.birth_year, User.locale)
        .outerjoin(User, User.id == Idea.author_id)
        .where(_in_year(Idea.created_at, filters.year))
        .order_by(Idea.created_at, Idea.id)
    )
    if filters.round_id is not None:
        query = query.where(Idea.round_id == filters.round_id)
    return _first_per_key(
        db.session.execute(query),
        lambda row: (row.round_id, row.author_id) if row.author_id is not None else ("idea", row.id),
        lambda row: (row.district_id, age_band(row.birth_year, local_year(row.created_at)), "online",
                     _language(row.locale)),
    )


def _proposals(filters):
    person = aliased(User)
    query = (
        select(Proposal.id, Proposal.call_id, Proposal.channel, Proposal.created_by_id, Proposal.organisation_id,
               Proposal.submitted_at, Organisation.district_id.label("group_district"),
               person.district_id.label("person_district"), person.birth_year, person.locale)
        .outerjoin(Organisation, Organisation.id == Proposal.organisation_id)
        .outerjoin(person, person.id == Proposal.created_by_id)
        .where(Proposal.submitted_at.is_not(None), _in_year(Proposal.submitted_at, filters.year))
        .order_by(Proposal.submitted_at, Proposal.id)
    )
    if filters.call_id is not None:
        query = query.where(Proposal.call_id == filters.call_id)

    def key_of(row):
        if row.channel is ProposalChannel.ASSISTED:
            return (row.call_id, "group", row.organisation_id or f"proposal-{row.id}")
        return (row.call_id, "person", row.created_by_id or f"proposal-{row.id}")

    def attributes_of(row):
        if row.channel is ProposalChannel.ASSISTED:
            return (row.group_district, None, "assisted", None)
        district = row.person_district if row.person_district is not None else row.group_district
        return (district, age_band(row.birth_year, local_year(row.submitted_at)), "online", _language(row.locale))

    return _first_per_key(db.session.execute(query), key_of, attributes_of)


def _reviews(filters):
    query = (
        select(Review.reviewer_id, Review.channel, Review.submitted_at, Proposal.call_id, User.district_id,
               User.birth_year, User.locale)
        .join(Proposal, Proposal.id == Review.proposal_id)
        .join(User, User.id == Review.reviewer_id)
        .where(Review.status == ReviewStatus.SUBMITTED, _in_year(Review.submitted_at, filters.year))
        .order_by(Review.submitted_at, Review.id)
    )
    if filters.call_id is not None:
        query = query.where(Proposal.call_id == filters.call_id)
    return _first_per_key(
        db.session.execute(query),
        lambda row: (row.call_id, row.reviewer_id),
        lambda row: (row.district_id, age_band(row.birth_year, local_year(row.submitted_at)),
                     "paper" if row.channel is ReviewChannel.PAPER else "online", _language(row.locale)),
    )


def _votes(filters):
    """Voters (distinct voter keys per round), grouped in the database: one row per combination of groups."""
    codes = (
        select(VotingCode.round_id, VotingCode.voter_key)
        .where(VotingCode.voter_key.is_not(None))
        .distinct()
        .subquery()
    )
    criteria = [_in_year(Ballot.created_at, filters.year)]
    if filters.round_id is not None:
        criteria.append(Ballot.round_id == filters.round_id)
    voters = (
        select(
            func.max(RoundBudget.district_id).label("district_id"),
            func.max(Ballot.age_band).label("age_band"),
            func.max(cast(Ballot.channel, String)).label("channel"),
            func.max(Ballot.language).label("language"),
            case((func.count(codes.c.voter_key) > 0, 1), else_=0).label("by_code"),
        )
        .join(RoundBudget, RoundBudget.id == Ballot.round_budget_id)
        .outerjoin(codes, and_(codes.c.round_id == Ballot.round_id, codes.c.voter_key == Ballot.voter_key))
        .where(*criteria)
        .group_by(Ballot.round_id, Ballot.voter_key)
        .subquery()
    )
    columns = (voters.c.district_id, voters.c.age_band, voters.c.channel, voters.c.language, voters.c.by_code)
    counts = Counter()
    rows = db.session.execute(select(*columns, func.count()).group_by(*columns)).all()
    for district_id, band, channel, language, by_code, count in rows:
        channel = "code" if by_code and channel == "online" else channel
        counts[(district_id, band, channel, _language(language))] += count
    return counts


COUNTERS = {"ideas": _ideas, "proposals": _proposals, "votes": _votes, "reviews": _reviews}


def _answer_counts_by(group):
    """Survey answers by one background group: ``{value or None: count}`` (``pb.surveys`` owns the answers)."""
    return answer_counts_by(group)


def _survey_marginals():
    """``{dimension: Counter}`` of survey answers; values in the same form as the other stages'."""
    marginals = {}
    for dimension in DIMENSIONS:
        counts = Counter()
        for value, count in _answer_counts_by(dimension).items():
            value = _value(value)
            if dimension == "district":
                value = int(value) if value is not None and str(value).isdigit() else None
            elif dimension == "age_band":
                value = value if value in BANDS else None
            elif dimension == "channel":
                value = {"link": "online", "online": "online", "paper": "paper"}.get(value)
            else:
                value = _language(value)
            counts[value] += count
        marginals[dimension] = counts
    return marginals


def marginals(stage, filters):
    """``{dimension: {group: participants}}`` of ``stage`` under ``filters``, before the small-group rule."""
    if stage == "surveys":
        return _survey_marginals()
    joint = COUNTERS[stage](filters)
    result = {dimension: Counter() for dimension in DIMENSIONS}
    for attributes, count in joint.items():
        for dimension, value in zip(DIMENSIONS, attributes, strict=True):
            result[dimension][value] += count
    return result


def filter_years():
    """The years the filter offers: from the first recorded participation to this year."""
    firsts = [
        db.session.scalar(select(func.min(Idea.created_at))),
        db.session.scalar(select(func.min(Proposal.submitted_at))),
        db.session.scalar(select(func.min(Ballot.created_at))),
        db.session.scalar(select(func.min(Review.submitted_at))),
    ]
    this_year = local_year(utcnow())
    first = min([local_year(moment) for moment in firsts if moment is not None] or [this_year])
    return list(range(this_year, first - 1, -1))


def filter_rounds():
    """Every round, newest first (staff see drafts too)."""
    query = select(BudgetRound).order_by(BudgetRound.created_at.desc(), BudgetRound.id.desc())
    return db.session.execute(query).scalars().all()


def filter_calls():
    """Every funding call, newest first."""
    query = select(FundingCall).order_by(FundingCall.created_at.desc(), FundingCall.id.desc())
    return db.session.execute(query).scalars().all()
