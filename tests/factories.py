"""Small builders for test data. They flush; the test commits where it needs to."""

import itertools

from pb.auth.models import User
from pb.extensions import db
from pb.models_base import utcnow

PASSWORD = "correct-horse-battery-9"
_counter = itertools.count(1)


def make_user(email=None, *, verified=True, staff=False, admin=False, name=None, locale="fi", password=PASSWORD):
    n = next(_counter)
    user = User(
        email=(email or f"user{n}@example.test").lower(),
        display_name=name or f"User {n}",
        locale=locale,
        email_verified_at=utcnow() if verified else None,
        is_staff_member=staff,
        is_admin=admin,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_district(name_fi="Keskusta", population=10000, **names):
    from pb.districts.models import District

    district = District(name={"fi": name_fi, **names}, population=population, postal_codes=[])
    db.session.add(district)
    db.session.commit()
    return district


def make_organisation(kind="ngo", *, name=None, business_id=None, representative=None, members=(), district=None):
    from pb.orgs.models import ContactPerson, MemberRole, Membership, Organisation, OrganisationKind

    n = next(_counter)
    org = Organisation(
        kind=OrganisationKind(kind),
        name=name or f"Organisation {n}",
        business_id=business_id,
        email=f"org{n}@example.test",
        district=district,
    )
    if org.kind is OrganisationKind.RESIDENT_GROUP:
        org.contacts.append(ContactPerson(name=f"Contact {n}", email=f"contact{n}@example.test"))
    if representative is not None:
        org.memberships.append(Membership(user=representative, role=MemberRole.REPRESENTATIVE))
    for member in members:
        org.memberships.append(Membership(user=member, role=MemberRole.MEMBER))
    db.session.add(org)
    db.session.commit()
    return org


def make_steering_group(name_fi="Ohjausryhmä", members=()):
    """``members`` is a sequence of (user, role value) pairs."""
    from pb.steering.models import SteeringGroup, SteeringMember, SteeringRole

    group = SteeringGroup(name={"fi": name_fi}, description={})
    for user, role in members:
        group.members.append(SteeringMember(user=user, role=SteeringRole(role)))
    db.session.add(group)
    db.session.commit()
    return group


_NEW_GROUP = object()


def make_call(state="open", *, criteria=3, steering_group=_NEW_GROUP, now=None, title_fi=None, **fields):
    """A funding call in ``state``, built directly (no audit rows), relative to ``now``:

    "draft" (complete, publishable), "upcoming" (published, opens in 10 days), "open" (published,
    opened by the clock 5 days ago, closes in 5 days) or "closed" (published, closed by the clock).
    ``fields`` override any column; ``criteria`` is how many weighted criteria (weights 1, 2, 3 ...) to add;
    ``steering_group`` is a new group unless given (None for none).
    """
    from datetime import timedelta

    from pb.calls.models import CallStatus, Criterion, FundingCall

    now = now or utcnow()
    day = timedelta(days=1)
    opens, closes = {"draft": (10, 40), "upcoming": (10, 40), "open": (-5, 5), "closed": (-40, -10)}[state]
    n = next(_counter)
    values = {
        "status": CallStatus.DRAFT if state == "draft" else CallStatus.PUBLISHED,
        "title": {"fi": title_fi or f"Haku {n}", "en": f"Call {n}"},
        "description": {"fi": "Kuvaus.", "en": "Description."},
        "themes": {"fi": "Yhteisöllisyys.", "en": "Community."},
        "total_budget_cents": 100_000_00,
        "min_grant_cents": 1_000_00,
        "max_grant_cents": 10_000_00,
        "eligible_kinds": ["ngo", "resident_group"],
        "cofunding_percent": 10,
        "whole_municipality": True,
        "opens_at": now + opens * day,
        "closes_at": now + closes * day,
        "steering_group": make_steering_group() if steering_group is _NEW_GROUP else steering_group,
        "published_at": None if state == "draft" else now + (opens - 5) * day,
    }
    values.update(fields)
    call = FundingCall(**values)
    for position in range(1, criteria + 1):
        call.criteria.append(
            Criterion(name={"fi": f"Kriteeri {position}", "en": f"Criterion {position}"}, guidance={},
                      weight=position, scale_max=5, position=position)
        )
    db.session.add(call)
    db.session.commit()
    return call


def make_proposal(call=None, *, organisation=None, representative=None, state="draft", title="Pihatalkoot",
                  lines=(("Tarvikkeet", 4_000_00),), cofunding_cents=500_00, goals=1, now=None, **fields):
    """A complete proposal built directly (no audit rows): a draft, or "submitted" (with version 1) or "withdrawn".

    Without ``call`` an open call is made; without ``organisation`` an NGO represented by
    ``representative`` (a new user unless given). The default budget fits ``make_call``'s limits.
    """
    from datetime import timedelta

    from pb.proposals.models import BudgetLine, Goal, Proposal, ProposalStatus, ProposalVersion
    from pb.proposals.services import snapshot

    now = now or utcnow()
    call = call or make_call("open", now=now)
    if organisation is None:
        organisation = make_organisation("ngo", representative=representative or make_user())
    values = {
        "call": call,
        "organisation": organisation,
        "created_by": organisation.memberships[0].user if organisation.memberships else None,
        "title": title,
        "summary": "Naapurit kunnostavat pihan yhdessä.",
        "description": "Talkoot joka kuukausi.",
        "target_groups": "Kaikki naapurit",
        "start_date": (now + timedelta(days=30)).date(),
        "end_date": (now + timedelta(days=200)).date(),
        "cofunding_cents": cofunding_cents,
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    proposal = Proposal(**values)
    proposal.budget_lines = [
        BudgetLine(position=n, item=item, amount_cents=amount) for n, (item, amount) in enumerate(lines, start=1)
    ]
    proposal.goals = [
        Goal(position=n, change=f"Muutos {n}", measure="Lasketaan osallistujat", baseline="5", target="20")
        for n in range(1, goals + 1)
    ]
    db.session.add(proposal)
    db.session.flush()
    if state in ("submitted", "withdrawn"):
        proposal.versions.append(
            ProposalVersion(number=1, snapshot=snapshot(proposal), submitted_at=now, submitted_by=proposal.created_by)
        )
        proposal.status = ProposalStatus.SUBMITTED
        proposal.submitted_at = now
    if state == "withdrawn":
        proposal.status = ProposalStatus.WITHDRAWN
        proposal.withdrawn_at = now
    db.session.commit()
    return proposal


def make_round(phase="voting", *, ballot_format="approval", districts=None, citywide_cents=None, projects=3,
               budget_cents=100_000_00, project_cost_cents=40_000_00, eligibility="own_district", now=None, **fields):
    """A PB round built directly (no audit rows): one budget per district in ``districts``
    (default: two new districts) with ``projects`` projects each, plus an optional city-wide budget.

    A "voting" round is open (frozen an hour ago, closing in 5 days); ``fields`` override columns.
    """
    from datetime import timedelta

    from pb.voting import codes
    from pb.voting.models import BallotFormat, BudgetRound, EligibilityMode, Project, RoundBudget, RoundPhase

    now = now or utcnow()
    n = next(_counter)
    if districts is None:
        districts = [make_district(f"Alue {n}a"), make_district(f"Alue {n}b")]
    fmt = BallotFormat(ballot_format)
    voting_or_later = RoundPhase(phase).order >= RoundPhase.VOTING.order
    values = {
        "name": {"fi": f"Kierros {n}", "en": f"Round {n}"},
        "description": {"fi": "Kuvaus."},
        "phase": RoundPhase(phase),
        "ballot_format": fmt,
        "max_choices": 2 if fmt is BallotFormat.APPROVAL else None,
        "points": 10 if fmt is BallotFormat.CUMULATIVE else None,
        "rule": "greedy",
        "min_age": 12,
        "eligibility": EligibilityMode(eligibility),
        "key_salt": codes.new_key_salt(),
        "voting_closes_at": now + timedelta(days=5),
        "frozen_at": now - timedelta(hours=1) if voting_or_later else None,
    }
    values.update(fields)
    budget_round = BudgetRound(**values)
    areas = [district.id for district in districts] + ([None] if citywide_cents else [])
    for district_id in areas:
        budget = RoundBudget(district_id=district_id, amount_cents=citywide_cents if district_id is None else budget_cents)
        for position in range(1, projects + 1):
            budget.projects.append(
                Project(title={"fi": f"Hanke {district_id or 'K'}-{position}", "en": f"Project {district_id or 'C'}-{position}"},
                        description={"fi": "Kuvaus."}, cost_cents=project_cost_cents, position=position)
            )
        budget_round.budgets.append(budget)
    db.session.add(budget_round)
    db.session.commit()
    return budget_round


def make_voter(district, *, birth_year=1990, staff=False, **kwargs):
    """A verified resident with declared year of birth and home district (for neighbourhood voting)."""
    user = make_user(staff=staff, **kwargs)
    user.birth_year = birth_year
    user.district_id = district.id if district is not None else None
    db.session.commit()
    return user
