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
