"""Demo records of the review, built through the review's own services (called from pb.demo).

A call in review, where the demo steering member (steering@demo.pb) has one review submitted, one
to do and one recusal, and a member without web access has a paper review entered by staff; and
a decided call with a signed meeting, its minutes, the applicants told and a public decision page.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pb.auth.models import User, find_by_email
from pb.calls import services as calls
from pb.calls.models import CallStatus
from pb.extensions import db
from pb.models_base import utcnow
from pb.orgs.models import MemberRole, Organisation
from pb.proposals import services as proposals
from pb.proposals.models import DecisionOutcome, Eligibility
from pb.review.models import Recommendation
from pb.review.services import conflicts, meetings, reviews
from pb.steering.models import SteeringGroup, SteeringMember, SteeringRole

HELSINKI = ZoneInfo("Europe/Helsinki")
APPEAL_TEXT = {
    "fi": "Päätökseen voi hakea oikaisua 14 päivän kuluessa tiedoksisaannista. Lähetä vapaamuotoinen "
          "oikaisuvaatimus kirjaamoon: kirjaamo@kunta.example.",
    "sv": "Du kan begära omprövning av beslutet inom 14 dagar från delfåendet. Skicka en fritt formulerad "
          "begäran till registratorskontoret: kirjaamo@kunta.example.",
    "en": "You can ask for a review of the decision within 14 days of being told. Send a free-form request "
          "to the registry: kirjaamo@kunta.example.",
}


def _at(days_from_today, hour):
    day = datetime.now(HELSINKI).date() + timedelta(days=days_from_today)
    return datetime.combine(day, time(hour), tzinfo=HELSINKI).astimezone(UTC)


def _member_account(email, name, password):
    user = User(email=email, display_name=name, locale="fi", email_verified_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    return user


def _representative(organisation):
    return next(m.user for m in organisation.memberships if m.role is MemberRole.REPRESENTATIVE)


def _call(staff, group, title, euros, opens_at, closes_at):
    total, smallest, largest = euros
    call = calls.create_call(staff, {
        "title": title,
        "themes": {"fi": "Kohtaamiset ja yhdessä tekeminen lähiöissä.",
                   "en": "Meeting places and doing things together in the neighbourhoods."},
        "description": {"fi": "Rahoitamme avointa toimintaa, joka tuo naapurit yhteen.",
                        "en": "We fund open activities that bring neighbours together."},
        "total_budget_cents": total * 100, "min_grant_cents": smallest * 100, "max_grant_cents": largest * 100,
        "eligible_kinds": ["ngo", "resident_group"], "cofunding_percent": 0, "whole_municipality": True,
        "district_ids": [], "opens_at": opens_at, "closes_at": closes_at, "steering_group_id": group.id,
    }, )
    for fi, en, weight, scale in (
        ("Yhteisöllisyys", "Community", 3, 5),
        ("Vähiten osallistuvien tavoittaminen", "Reaching those who take part least", 2, 5),
        ("Toteutettavuus ja kustannukset", "Feasibility and costs", 1, 10),
    ):
        calls.add_criterion(staff, call, {"name": {"fi": fi, "en": en}, "guidance": {}, "weight": weight,
                                          "scale_max": scale}, now=opens_at - timedelta(days=20))
    calls.update_review_settings(staff, call, {
        "review_deadline": None, "official_confirms": False, "appeal_text": APPEAL_TEXT,
    }, now=opens_at - timedelta(days=15))
    calls.transition(staff, call, CallStatus.PUBLISHED, now=opens_at - timedelta(days=14))
    return call


def _proposal(organisation, call, title, summary, lines, now):
    actor = _representative(organisation)
    proposal = proposals.create_proposal(actor, call, organisation, title, now)
    today = now.date()
    steps = {
        "basics": {"title": title, "summary": summary, "description": summary + "\n\nToiminta on maksutonta.",
                   "target_groups": "Alueen asukkaat", "district_ids": [], "start_date": today + timedelta(days=60),
                   "end_date": today + timedelta(days=240), "partners": []},
        "budget": {"lines": [(item, euros * 100) for item, euros in lines], "cofunding_cents": 0,
                   "cofunding_sources": ""},
        "goals": {"goals": [{"change": "Naapurit tutustuvat toisiinsa", "measure": "Osallistujat lasketaan",
                             "baseline": "0", "target": "20"}]},
    }
    for step in ("basics", "budget", "goals"):
        proposals.save_step(actor, proposal, step, steps[step], proposal.version_id, now)
    proposals.submit(actor, proposal, proposal.version_id, now)
    return proposal


def _score(actor, proposal, reviewer, points, recommendation, now, comment=""):
    criteria = proposal.call.criteria
    conflicts.declare(actor, proposal, reviewer, False, now=now)
    reviews.save(actor, proposal, reviewer, {
        "scores": {criterion.id: value for criterion, value in zip(criteria, points, strict=True)},
        "comments": {criteria[0].id: comment} if comment else {},
        "recommendation": recommendation,
        "comment": comment,
    }, submit=True, now=now)


def seed_review_demo(password):
    staff = find_by_email("staff@demo.pb")
    steering = find_by_email("steering@demo.pb")
    ngo = db.session.execute(db.select(Organisation).where(Organisation.business_id.is_not(None))).scalars().first()
    neighbours = db.session.execute(
        db.select(Organisation).where(Organisation.business_id.is_(None)).order_by(Organisation.id)
    ).scalars().first()

    chair = _member_account("chair@demo.pb", "Paula Puheenjohtaja", password)
    ngo_member = _member_account("jarjestoedustaja@demo.pb", "Jussi Järjestöedustaja", password)
    paper_member = _member_account("kokemus@demo.pb", "Kaarina Kokemusasiantuntija", password)
    group = SteeringGroup(
        name={"fi": "Lähiörahaston ohjausryhmä", "sv": "Styrgruppen för förortsfonden",
              "en": "Neighbourhood fund steering group"},
        description={"fi": "Arvioi lähiörahaston hakemukset ja päättää avustuksista."},
    )
    for user, role in ((chair, SteeringRole.CHAIR), (steering, SteeringRole.EXPERT_BY_EXPERIENCE),
                       (ngo_member, SteeringRole.NGO_REPRESENTATIVE), (paper_member, SteeringRole.EXPERT_BY_EXPERIENCE),
                       (staff, SteeringRole.OFFICIAL)):
        group.members.append(SteeringMember(user=user, role=role))
    db.session.add(group)
    db.session.flush()

    _seed_decided_call(staff, chair, steering, ngo_member, group, ngo, neighbours)
    _seed_call_in_review(staff, chair, steering, ngo_member, paper_member, group, ngo, neighbours)


def _seed_decided_call(staff, chair, steering, ngo_member, group, ngo, neighbours):
    opens_at, closes_at = _at(-200, 9), _at(-170, 16)
    call = _call(staff, group, {"fi": "Kesän pihajuhlat", "sv": "Sommarens gårdsfester", "en": "Summer yard parties"},
                 (6_000, 500, 4_000), opens_at, closes_at)
    sent = opens_at + timedelta(days=3)
    funded = _proposal(ngo, call, "Korttelijuhla Kulmapuistossa", "Koko korttelin juhla puistossa.",
                       [("Äänentoisto", 2_000), ("Tarjoilut", 1_500)], sent)
    rejected = _proposal(neighbours, call, "Pihagrilli", "Grilli pihalle kaikkien käyttöön.",
                         [("Grilli", 1_200)], sent)
    review_time = closes_at + timedelta(days=5)
    for proposal in (funded, rejected):
        proposals.screen(staff, proposal, Eligibility.ELIGIBLE, now=closes_at + timedelta(days=2))
    calls.transition(staff, call, CallStatus.IN_REVIEW, now=closes_at + timedelta(days=3))
    conflicts.recuse_automatically(call)
    _score(chair, funded, chair, (4, 4, 7), Recommendation.FUND_WITH_CHANGES, review_time)
    _score(steering, funded, steering, (5, 3, 8), Recommendation.FUND, review_time)
    _score(ngo_member, funded, ngo_member, (4, 4, None), Recommendation.FUND, review_time)
    _score(chair, rejected, chair, (2, 1, 5), Recommendation.DO_NOT_FUND, review_time)
    _score(steering, rejected, steering, (2, 2, 4), Recommendation.DO_NOT_FUND, review_time)
    conflicts.declare(ngo_member, rejected, ngo_member, True, "Asun samassa taloyhtiössä kuin hakijat.", review_time)

    meeting_time = closes_at + timedelta(days=14)
    meeting = meetings.prepare(staff, call, meeting_time, "Kaupungintalo, kokoushuone 2",
                               [chair.id, steering.id, ngo_member.id, staff.id], chair.id, [funded.id, rejected.id],
                               now=meeting_time - timedelta(days=5))
    meetings.start(chair, meeting, now=meeting_time)
    items = {item.proposal_id: item for item in meeting.items}
    meetings.decide(chair, items[funded.id], DecisionOutcome.APPROVED_REDUCED, 3_000_00,
                    "Tarjoilukulut enintään 1 000 euroa. Juhla ilmoitetaan koko korttelille.",
                    "Hyvä ja avoin hanke, mutta tarjoilukulut ovat suuret suhteessa hyötyyn.", now=meeting_time)
    meetings.decide(chair, items[rejected.id], DecisionOutcome.REJECTED, None, "",
                    "Grilli on pysyvä hankinta eikä avointa toimintaa; haku rahoittaa toimintaa.", now=meeting_time)
    meetings.close(chair, meeting, "Kokous päättyi klo 18.30.", now=meeting_time + timedelta(hours=2))
    meetings.sign(chair, meeting, now=meeting_time + timedelta(days=1))


def _seed_call_in_review(staff, chair, steering, ngo_member, paper_member, group, ngo, neighbours):
    opens_at, closes_at = _at(-60, 9), _at(-10, 16)
    call = _call(staff, group, {"fi": "Lähiöiden kohtaamispaikat", "sv": "Mötesplatser i förorterna",
                                "en": "Meeting places in the neighbourhoods"}, (20_000, 1_000, 8_000), opens_at, closes_at)
    sent = opens_at + timedelta(days=10)
    recused_from = _proposal(neighbours, call, "Pihakirppis ja kahvila", "Kirpputori ja kahvila pihalla kerran kuussa.",
                             [("Pöydät ja teltat", 1_500), ("Kahvitarvikkeet", 900)], sent)
    reviewed = _proposal(ngo, call, "Kulmakunnan olohuone", "Asukastila auki arki-iltaisin kaikille.",
                         [("Tilan vuokra", 4_000), ("Ohjaajan palkkio", 2_500)], sent)
    to_do = _proposal(ngo, call, "Lauantain lähiöruokailu", "Yhteinen ruokailu lauantaisin asukastilassa.",
                      [("Ruokatarvikkeet", 3_500)], sent)
    for proposal in (recused_from, reviewed, to_do):
        proposals.screen(staff, proposal, Eligibility.ELIGIBLE, now=closes_at + timedelta(days=1))
    calls.transition(staff, call, CallStatus.IN_REVIEW, now=closes_at + timedelta(days=2))
    calls.update_review_settings(staff, call, {
        "review_deadline": _at(7, 16), "official_confirms": True, "appeal_text": APPEAL_TEXT,
    }, now=closes_at + timedelta(days=2))
    conflicts.recuse_automatically(call)

    now = utcnow() - timedelta(days=2)
    conflicts.declare(steering, recused_from, steering, True, "Hakijaryhmän yhteyshenkilö on naapurini.", now)
    _score(steering, reviewed, steering, (4, 5, 6), Recommendation.FUND, now, "Tavoittaa hyvin yksin asuvia.")
    for proposal, points, recommendation in ((recused_from, (3, 3, 7), Recommendation.FUND_WITH_CHANGES),
                                             (reviewed, (5, 4, 8), Recommendation.FUND),
                                             (to_do, (2, 3, None), Recommendation.DO_NOT_FUND)):
        _score(chair, proposal, chair, points, recommendation, now)
    _score(ngo_member, reviewed, ngo_member, (2, 2, 9), Recommendation.FUND_WITH_CHANGES, now)
    # A member without web access reviewed on paper; staff entered the sheet for her.
    _score(staff, reviewed, paper_member, (4, 4, 7), Recommendation.FUND, now)
    conflicts.declare(staff, to_do, staff, False, now=now)
