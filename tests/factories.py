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
