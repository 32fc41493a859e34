"""Demo data for ``flask pb seed-demo``: enough for a newcomer to click through every page.

Each capability adds its own records here, built through the same services the
pages use, so the demo never shows a state the product could not reach.
"""

from datetime import timedelta

from pb.agreements.demo import seed_agreements_demo
from pb.audit.services import record
from pb.auth.models import User, find_by_email
from pb.calls import services as calls
from pb.calls.models import CallStatus, FundingCall
from pb.districts.models import District
from pb.extensions import db
from pb.impact.demo import seed_impact_demo
from pb.implementation.demo import seed_implementation_demo
from pb.models_base import utcnow
from pb.orgs.models import ContactPerson, MemberRole, Membership, Organisation, OrganisationKind
from pb.proposals import services as proposals
from pb.proposals.models import Eligibility, IneligibilityReason
from pb.review.demo import seed_review_demo
from pb.steering.models import SteeringGroup, SteeringMember, SteeringRole
from pb.surveys.demo import seed_surveys_demo
from pb.tally import services as tally
from pb.transactions import commit
from pb.voting import services as voting
from pb.voting.demo import PAST_PROJECTS, helsinki_time, seed_voting_demo
from pb.voting.models import BallotFormat, EligibilityMode, IdentityPolicy

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
    _seed_proposals(staff, ngo_rep, group_contact, ngo, group)
    seed_voting_demo(staff, admin, districts)
    _seed_results(staff, districts)
    seed_review_demo(password)
    seed_implementation_demo(staff)  # after _seed_results: the published results made the records
    seed_agreements_demo(staff)  # after the review demo: its decided call approved a proposal
    seed_surveys_demo(staff)  # after the agreements demo: a before/after pair on its agreement
    seed_impact_demo(staff)  # population figures of the demo districts, for the reach dashboard

    record(admin, "demo.seed", details={"accounts": [email for email, _ in DEMO_ACCOUNTS]})
    commit()
    return True


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

    resident = find_by_email("resident@demo.pb")

    days = timedelta(days=1)
    all_kinds = ["ngo", "resident_group", "cooperative"]

    opens_at = helsinki_time(-14, 9)
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
        (200_000, 2_000, 20_000), all_kinds, 10, [], opens_at, helsinki_time(30, 16), steering_group,
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
        helsinki_time(10, 9), helsinki_time(40, 16), steering_group,
    ))
    for criterion in (
        _criterion("Nuorten oma osallistuminen suunnitteluun", "Ungas eget deltagande", "Young people plan it themselves", 2),
        _criterion("Maksuttomuus ja saavutettavuus", "Avgiftsfrihet och tillgänglighet", "Free and accessible", 1),
    ):
        calls.add_criterion(staff, upcoming, criterion)
    calls.transition(staff, upcoming, CallStatus.PUBLISHED)
    calls.add_comment(ngo_rep, upcoming, "Voiko hakemukseen sisällyttää ohjaajien palkkakuluja?")

    closed_opens_at = helsinki_time(-90, 9)
    closed = calls.create_call(staff, _call_data(
        {"fi": "Asukastilojen avoimet illat", "sv": "Öppna kvällar i invånarlokaler", "en": "Open evenings in residents' rooms"},
        {"fi": "Iltatoiminta asukastiloissa.", "en": "Evening activities in residents' rooms."},
        {"fi": "Haku asukastilojen iltojen järjestämiseen."},
        (30_000, 1_000, 3_000), all_kinds, 0, [districts[0]], closed_opens_at, helsinki_time(-30, 16), steering_group,
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


def _proposal_content(title, summary, district_ids, lines, cofunding_euros, goal, start_days, end_days):
    """The three form steps of a demo proposal, as the services take them."""

    today = utcnow().date()
    return {
        "basics": {
            "title": title,
            "summary": summary,
            "description": summary + "\n\nToiminta on maksutonta ja avointa kaikille.",
            "target_groups": "Alueen asukkaat, erityisesti yksin asuvat",
            "district_ids": district_ids,
            "start_date": today + timedelta(days=start_days),
            "end_date": today + timedelta(days=end_days),
            "partners": [{"name": "Alueen seurakunta", "kind": "public_body", "role": "Antaa tilat käyttöön"}],
        },
        "budget": {
            "lines": [(item, euros * 100) for item, euros in lines],
            "cofunding_cents": cofunding_euros * 100,
            "cofunding_sources": "Talkootyö ja jäsenmaksut",
        },
        "goals": {
            "goals": [{"change": goal, "measure": "Osallistujat lasketaan joka kerta", "baseline": "0", "target": "15"}]
        },
    }


def _fill(actor, proposal, content, now):
    for step in ("basics", "budget", "goals"):
        proposals.save_step(actor, proposal, step, content[step], proposal.version_id, now)


def _seed_proposals(staff, ngo_rep, group_contact, ngo, group):
    """Proposals in every state: in the open call a draft, a sent one, a withdrawn one and one made with
    staff's help; in the closed call two sent ones, screened eligible and not eligible."""

    calls_by_title = {call.title["fi"]: call for call in db.session.execute(db.select(FundingCall)).scalars()}
    open_call = calls_by_title["Kumppanuusrahoitus: yhteisöllisyys lähiöissä"]
    closed = calls_by_title["Asukastilojen avoimet illat"]
    now = utcnow()

    draft = proposals.create_proposal(ngo_rep, open_call, ngo, "Lähiön lukupiiri", now)
    proposals.save_step(ngo_rep, draft, "basics", _proposal_content(
        "Lähiön lukupiiri", "Kokoonnumme kerran viikossa lukemaan ja juttelemaan.", [], [], 0, "", 30, 200,
    )["basics"], draft.version_id, now)

    sent = proposals.create_proposal(group_contact, open_call, group, "Pihatalkoot ja yhteiset illalliset", now)
    _fill(group_contact, sent, _proposal_content(
        "Pihatalkoot ja yhteiset illalliset", "Kunnostamme pihan yhdessä ja syömme talkoiden jälkeen yhdessä.",
        [], [("Puutarhatarvikkeet", 1_800), ("Ruokatarvikkeet", 1_200)], 400, "Naapurit tuntevat toisensa", 20, 180,
    ), now)
    proposals.submit(group_contact, sent, sent.version_id, now)

    withdrawn = proposals.create_proposal(ngo_rep, open_call, ngo, "Kulmakunnan kesäjuhla", now)
    _fill(ngo_rep, withdrawn, _proposal_content(
        "Kulmakunnan kesäjuhla", "Koko korttelin kesäjuhla puistossa.",
        [], [("Lava ja äänentoisto", 2_500)], 300, "Uudet asukkaat löytävät yhdistyksen", 60, 90,
    ), now)
    proposals.submit(ngo_rep, withdrawn, withdrawn.version_id, now)
    proposals.withdraw(ngo_rep, withdrawn, now)

    assisted, _code = proposals.create_assisted(
        staff, open_call,
        {"name": "Kontulan kävelykaverit", "phone": "+358 40 555 0101", "kind": OrganisationKind.RESIDENT_GROUP},
        "Kävelyryhmä ikäihmisille", now=now,
    )
    _fill(staff, assisted, _proposal_content(
        "Kävelyryhmä ikäihmisille", "Kävelemme yhdessä kahdesti viikossa. Kukaan ei lähde yksin.",
        [], [("Heijastinliivit", 300), ("Kahvit kävelyn jälkeen", 1_900)], 250, "Yksin asuvat ikäihmiset liikkuvat",
        14, 300,
    ), now)
    proposals.submit(staff, assisted, assisted.version_id, now)

    sent_at = closed.opens_at + timedelta(days=5)
    keskusta = [district.id for district in closed.districts]
    eligible = proposals.create_proposal(ngo_rep, closed, ngo, "Avoimet illat Kulmakunnan tilassa", sent_at)
    _fill(ngo_rep, eligible, _proposal_content(
        "Avoimet illat Kulmakunnan tilassa", "Asukastila on auki tiistai-iltaisin kaikille.", keskusta,
        [("Tilan siivous", 900), ("Kahvi ja pulla", 1_100)], 0, "Asukastilalla käy uusia ihmisiä", -60, 120,
    ), sent_at)
    proposals.submit(ngo_rep, eligible, eligible.version_id, sent_at)
    not_eligible = proposals.create_proposal(group_contact, closed, group, "Pelli-illat asukastilassa", sent_at)
    _fill(group_contact, not_eligible, _proposal_content(
        "Pelli-illat asukastilassa", "Lautapeli-iltoja kerran kuussa.", keskusta,
        [("Lautapelit", 1_500)], 0, "Perheet pelaavat yhdessä", -50, 100,
    ), sent_at)
    proposals.submit(group_contact, not_eligible, not_eligible.version_id, sent_at)

    proposals.screen(staff, eligible, Eligibility.ELIGIBLE, now=now)
    proposals.screen(
        staff, not_eligible, Eligibility.NOT_ELIGIBLE, IneligibilityReason.OTHER,
        "Samat pelli-illat saavat jo rahoitusta kunnan toisesta avustuksesta.", now=now,
    )


def _seed_results(staff, districts):
    """Last year's round: voting closed, each district's votes counted and the results published.

    Ballots are cast with letter codes, as the voting pages take them; the counts go through
    pb.tally's services (the what-if counts run as a job after the demo is committed).
    """

    today = helsinki_time(0, 12).date()
    past = voting.create_round(staff, {
        "name": {"fi": "Osallistuva budjetti 2025", "sv": "Deltagande budget 2025", "en": "Participatory budget 2025"},
        "description": {"fi": "Viime vuoden kierros. Äänet on laskettu ja tulokset julkaistu.",
                        "sv": "Förra årets omgång. Rösterna är räknade och resultaten publicerade.",
                        "en": "Last year's round. The votes are counted and the results published."},
        "ballot_format": BallotFormat.APPROVAL, "max_choices": 3, "points": None, "rule": "greedy",
        "rule_threshold": None, "min_age": 12, "eligibility": EligibilityMode.OWN_DISTRICT,
        "identity_policy": IdentityPolicy.SELF_DECLARED, "voting_closes_at": helsinki_time(1, 20),
        "ideas_start": today - timedelta(days=120),
        "co_development_start": today - timedelta(days=90), "cost_estimation_start": today - timedelta(days=60),
        "voting_start": today - timedelta(days=30), "results_start": today, "implementation_start": today,
    })
    projects = {districts[position]: items for position, items in PAST_PROJECTS.items()}
    for district in projects:
        voting.set_budget(staff, past, district.id, 60_000_00)
    for _phase in range(3):  # ideas, developing them, estimating costs
        voting.advance_phase(staff, past)
    budgets = {district: past.budget_for(district.id) for district in projects}
    for district, items in projects.items():
        for title, description, cost in items:
            voting.add_project(staff, budgets[district], title, description, cost)
    voting.advance_phase(staff, past)  # voting
    # Choices by position in each district's list: most people want the first project, and so on.
    choices = [(0, 1), (0,), (0, 2), (1, 3), (0, 1, 3), (2,), (0, 2), (3,), (1,), (0, 3), (2, 3), (0,)]
    for district, budget in budgets.items():
        _batch, letters = voting.create_code_batch(staff, past, f"Kirjeet 2025: {district.name['fi']}",
                                                   len(choices), district.id)
        on_ballot = list(budget.projects)
        for code_text, picked in zip(letters, choices):
            voter = voting.code_voter(past, voting.check_code(past, code_text))
            voting.cast_ballot(voter, budget, {on_ballot[i].id: 1 for i in picked})
    # Results: voting closes now, before its announced time, so it needs a public reason.
    voting.close_voting(staff, past, reason="Esimerkkikierros: kaikki äänet on annettu.")
    for budget in budgets.values():
        tally.publish_tally(tally.count_now(budget, staff), staff)
