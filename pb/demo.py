"""Demo data for ``flask pb seed-demo``: enough for a newcomer to click through every page.

Each capability adds its own records here, built through the same services the
pages use, so the demo never shows a state the product could not reach.
"""

from pb.audit.services import record
from pb.auth.models import User
from pb.extensions import db
from pb.models_base import utcnow

DEMO_ACCOUNTS = (
    ("resident@demo.pb", "resident"),
    ("ngo@demo.pb", "representative of the demo NGO"),
    ("group@demo.pb", "contact of the demo resident group"),
    ("staff@demo.pb", "staff (participation coordinator)"),
    ("steering@demo.pb", "member of the demo steering group"),
    ("admin@demo.pb", "administrator"),
)

DISTRICTS = (
    ({"fi": "Keskusta", "sv": "Centrum", "en": "City centre"}, 24_310, ["00100", "00120"]),
    ({"fi": "Pohjoinen suurpiiri", "sv": "Norra stordistriktet", "en": "North"}, 41_870, ["00600", "00610"]),
    ({"fi": "Itäinen suurpiiri", "sv": "Östra stordistriktet", "en": "East"}, 38_205, ["00900", "00920"]),
    ({"fi": "Läntinen suurpiiri", "sv": "Västra stordistriktet", "en": "West"}, 33_640, ["00320", "00350"]),
    ({"fi": "Eteläinen suurpiiri", "sv": "Södra stordistriktet", "en": "South"}, 29_115, ["00150", "00180"]),
)


def _account(email, name, password, locale="fi", **flags):
    user = User(email=email, display_name=name, locale=locale, email_verified_at=utcnow(), **flags)
    user.set_password(password)
    db.session.add(user)
    return user


def seed_demo(password):
    """Create the demo records if the database has no accounts yet. Returns True if it created them."""
    from pb.districts.models import District
    from pb.orgs.models import ContactPerson, MemberRole, Membership, Organisation, OrganisationKind
    from pb.steering.models import SteeringGroup, SteeringMember, SteeringRole
    from pb.transactions import commit

    if db.session.scalar(db.select(db.func.count(User.id))):
        return False

    resident = _account("resident@demo.pb", "Riikka Asukas", password)
    ngo_rep = _account("ngo@demo.pb", "Niko Järjestö", password)
    group_contact = _account("group@demo.pb", "Greta Ryhmä", password, locale="sv")
    staff = _account("staff@demo.pb", "Sanna Koordinaattori", password, is_staff_member=True)
    steering = _account("steering@demo.pb", "Samuel Ohjaaja", password)
    admin = _account("admin@demo.pb", "Aino Ylläpitäjä", password, locale="en", is_admin=True)

    districts = [District(name=name, population=population, postal_codes=codes) for name, population, codes in DISTRICTS]
    db.session.add_all(districts)

    ngo = Organisation(
        kind=OrganisationKind.NGO,
        name="Kaupunginosayhdistys Kulmakunta ry",
        business_id="1572860-0",
        email="info@kulmakunta.example",
        phone="+358 40 123 4567",
        address="Kulmakatu 1, 00100",
        website="https://kulmakunta.example",
        description="Asukasyhdistys, joka järjestää lähiötapahtumia ja ylläpitää asukastilaa.",
        district=districts[0],
    )
    ngo.memberships.append(Membership(user=ngo_rep, role=MemberRole.REPRESENTATIVE))
    ngo.memberships.append(Membership(user=resident, role=MemberRole.MEMBER))
    group = Organisation(
        kind=OrganisationKind.RESIDENT_GROUP,
        name="Itäpuiston pihaporukka",
        email="pihaporukka@example.test",
        description="Naapurit, jotka kunnostavat yhteistä pihaa ja järjestävät pihatalkoita.",
        district=districts[2],
    )
    group.memberships.append(Membership(user=group_contact, role=MemberRole.REPRESENTATIVE))
    group.contacts.append(ContactPerson(name="Greta Ryhmä", email="group@demo.pb", phone="+358 50 765 4321"))
    db.session.add_all([ngo, group])

    steering_group = SteeringGroup(
        name={"fi": "Kumppanuusrahoituksen ohjausryhmä", "sv": "Styrgruppen för partnerskapsfinansiering",
              "en": "Partnership funding steering group"},
        description={"fi": "Arvioi kumppanuusrahoitushaun hakemukset ja tekee päätösesityksen."},
    )
    steering_group.members.append(SteeringMember(user=steering, role=SteeringRole.EXPERT_BY_EXPERIENCE))
    steering_group.members.append(SteeringMember(user=staff, role=SteeringRole.OFFICIAL))
    db.session.add(steering_group)
    db.session.flush()

    record(admin, "demo.seed", details={"accounts": [email for email, _ in DEMO_ACCOUNTS]})
    commit()
    return True
