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

    _account("resident@demo.pb", "Riikka Asukas", password)
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

    _seed_calls(staff, ngo_rep, steering_group, districts)

    record(admin, "demo.seed", details={"accounts": [email for email, _ in DEMO_ACCOUNTS]})
    commit()
    return True


def _helsinki_time(days_from_today, hour):
    """A round Finnish-time moment ``days_from_today`` days away, in UTC."""
    from datetime import UTC, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    helsinki = ZoneInfo("Europe/Helsinki")
    day = datetime.now(helsinki).date() + timedelta(days=days_from_today)
    return datetime.combine(day, time(hour), tzinfo=helsinki).astimezone(UTC)


def _call_data(title, themes, description, euros, kinds, cofunding_percent, districts, opens_at, closes_at, group):
    total, smallest, largest = euros
    return {
        "title": title,
        "themes": themes,
        "description": description,
        "total_budget_cents": total * 100,
        "min_grant_cents": smallest * 100,
        "max_grant_cents": largest * 100,
        "eligible_kinds": kinds,
        "cofunding_percent": cofunding_percent,
        "whole_municipality": not districts,
        "district_ids": [district.id for district in districts],
        "opens_at": opens_at,
        "closes_at": closes_at,
        "steering_group_id": group.id if group is not None else None,
    }


def _criterion(fi, sv, en, weight, scale_max=5, guidance=None):
    return {"name": {"fi": fi, "sv": sv, "en": en}, "guidance": guidance or {}, "weight": weight, "scale_max": scale_max}


def _seed_calls(staff, ngo_rep, steering_group, districts):
    """Funding calls in four states: open (opened by the clock), coming soon, closed (by the clock), draft."""
    from datetime import timedelta

    from pb.auth.models import find_by_email
    from pb.calls import services as calls
    from pb.calls.models import CallStatus

    resident = find_by_email("resident@demo.pb")

    days = timedelta(days=1)
    all_kinds = ["ngo", "resident_group", "cooperative"]

    opens_at = _helsinki_time(-14, 9)
    open_call = calls.create_call(staff, _call_data(
        {"fi": "Kumppanuusrahoitus: yhteisöllisyys lähiöissä", "sv": "Partnerskapsfinansiering: gemenskap i förorterna",
         "en": "Partnership funding: community in the neighbourhoods"},
        {"fi": "Toiminta, joka tuo naapurit yhteen ja vähentää yksinäisyyttä.",
         "sv": "Verksamhet som för grannar samman och minskar ensamhet.",
         "en": "Activities that bring neighbours together and reduce loneliness."},
        {"fi": "Rahoitamme asukasryhmien ja järjestöjen toimintaa, joka on avointa kaikille.\n\n"
               "Toiminnan pitää tapahtua kunnan alueella ja päättyä vuoden kuluessa.",
         "en": "We fund activities of resident groups and associations that are open to everyone.\n\n"
               "The activity must take place in the municipality and end within a year."},
        (200_000, 2_000, 20_000), all_kinds, 10, [], opens_at, _helsinki_time(30, 16), steering_group,
    ))
    for criterion in (
        _criterion("Yhteisöllisyys ja osallisuus", "Gemenskap och delaktighet", "Community and participation", 3,
                   guidance={"fi": "Tuoko toiminta ihmisiä yhteen? Voivatko osallistujat vaikuttaa siihen?",
                             "en": "Does the activity bring people together? Can the participants shape it?"}),
        _criterion("Vähiten osallistuvien tavoittaminen", "Att nå dem som deltar minst", "Reaching those who take part least",
                   2),
        _criterion("Toteutettavuus ja kustannukset", "Genomförbarhet och kostnader", "Feasibility and costs", 1, scale_max=10),
    ):
        calls.add_criterion(staff, open_call, criterion, now=opens_at - 12 * days)
    calls.transition(staff, open_call, CallStatus.PUBLISHED, now=opens_at - 10 * days)
    question = calls.add_comment(
        resident, open_call, "Voiko kaksi asukasryhmää hakea yhdessä?", now=opens_at - 7 * days
    )
    calls.answer_comment(
        staff, question, "Voi. Toinen ryhmistä on hakija ja toinen mainitaan kumppanina.", now=opens_at - 6 * days
    )

    upcoming = calls.create_call(staff, _call_data(
        {"fi": "Nuorten kesätoiminta", "sv": "Sommarverksamhet för unga", "en": "Summer activities for young people"},
        {"fi": "Maksuton kesätoiminta 12–17-vuotiaille.", "en": "Free summer activities for people aged 12 to 17."},
        {"fi": "Haku on tarkoitettu pohjoisen ja itäisen suurpiirin nuorten kesätoimintaan."},
        (60_000, 500, 5_000), ["ngo", "resident_group"], 0, [districts[1], districts[2]],
        _helsinki_time(10, 9), _helsinki_time(40, 16), steering_group,
    ))
    for criterion in (
        _criterion("Nuorten oma osallistuminen suunnitteluun", "Ungas eget deltagande", "Young people plan it themselves", 2),
        _criterion("Maksuttomuus ja saavutettavuus", "Avgiftsfrihet och tillgänglighet", "Free and accessible", 1),
    ):
        calls.add_criterion(staff, upcoming, criterion)
    calls.transition(staff, upcoming, CallStatus.PUBLISHED)
    calls.add_comment(ngo_rep, upcoming, "Voiko hakemukseen sisällyttää ohjaajien palkkakuluja?")

    closed_opens_at = _helsinki_time(-90, 9)
    closed = calls.create_call(staff, _call_data(
        {"fi": "Asukastilojen avoimet illat", "sv": "Öppna kvällar i invånarlokaler", "en": "Open evenings in residents' rooms"},
        {"fi": "Iltatoiminta asukastiloissa.", "en": "Evening activities in residents' rooms."},
        {"fi": "Haku asukastilojen iltojen järjestämiseen."},
        (30_000, 1_000, 3_000), all_kinds, 0, [districts[0]], closed_opens_at, _helsinki_time(-30, 16), steering_group,
    ))
    calls.add_criterion(staff, closed, _criterion("Avoimuus kaikille", "Öppet för alla", "Open to everyone", 1),
                        now=closed_opens_at - 20 * days)
    calls.transition(staff, closed, CallStatus.PUBLISHED, now=closed_opens_at - 14 * days)

    draft = calls.create_call(staff, _call_data(
        {"fi": "Ikäihmisten digituki", "en": "Digital help for older people"},
        {"fi": "Vertaistuki älylaitteiden käyttöön."},
        {"fi": "Luonnos: haun ehdot tarkentuvat."},
        (40_000, 1_000, 8_000), ["ngo"], 20, [], None, None, None,
    ))
    calls.add_criterion(staff, draft, _criterion("Vertaistuen laatu", "Kamratstödets kvalitet", "Quality of peer support", 1))
