"""Demo records of participatory budgeting (called from pb.demo): this year's round in voting, a round
collecting ideas, and the texts of last year's projects (pb.demo counts that round through pb.tally).

Every round and project has its Finnish, Swedish and English text, so a reader sees the demo in their
own language; ideas stay in the language their author wrote them in.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pb.auth.models import find_by_email
from pb.voting import services as voting
from pb.voting.models import BallotFormat, EligibilityMode, IdentityPolicy

HELSINKI = ZoneInfo("Europe/Helsinki")


def helsinki_time(days_from_today, hour):
    """A round Finnish-time moment ``days_from_today`` days away, in UTC."""
    day = datetime.now(HELSINKI).date() + timedelta(days=days_from_today)
    return datetime.combine(day, time(hour), tzinfo=HELSINKI).astimezone(UTC)


def _text(fi, sv, en):
    return {"fi": fi, "sv": sv, "en": en}


BENCHES = (
    _text("Penkit rantapuistoon", "Bänkar i strandparken", "Benches for the lakeside park"),
    _text(
        "Kymmenen uutta penkkiä rantapuiston kävelytien varteen noin sadan metrin välein, jotta ikäihmiset ja "
        "lapsiperheet voivat levätä matkalla.",
        "Tio nya bänkar längs gångvägen i strandparken, ungefär var hundrade meter, så att äldre och barnfamiljer "
        "kan vila på vägen.",
        "Ten new benches along the path in the lakeside park, about every hundred metres, so that older people and "
        "families with children can rest on the way.",
    ),
)

# (title, description, cost in cents): the projects of each district budget this year.
DISTRICT_PROJECTS = (
    (
        _text("Valaistus kuntopolulle", "Belysning för motionsslingan", "Lights for the jogging track"),
        _text(
            "LED-valot 1,2 kilometrin kuntopolulle, jotta polkua voi käyttää turvallisesti myös pimeällä. Valot "
            "syttyvät liiketunnistimesta ja sammuvat kello 23.",
            "LED-belysning längs den 1,2 kilometer långa motionsslingan, så att den kan användas tryggt också när "
            "det är mörkt. Lamporna tänds med rörelsesensor och släcks klockan 23.",
            "LED lights along the 1.2-kilometre jogging track, so that it is safe to use after dark too. The lights "
            "switch on by a motion sensor and off at 11 pm.",
        ),
        45_000_00,
    ),
    (
        _text("Nuorten kesätapahtuma", "Sommarevenemang för unga", "Summer event for young people"),
        _text(
            "Kolmen päivän maksuton tapahtuma 13–18-vuotiaille koulujen loman alussa: bändejä, skeittikisa ja "
            "ruokaa. Nuoret suunnittelevat ohjelman yhdessä nuorisotalon kanssa.",
            "Ett gratis evenemang i tre dagar för 13–18-åringar i början av sommarlovet: band, skejttävling och "
            "mat. De unga planerar programmet tillsammans med ungdomsgården.",
            "A free three-day event for 13 to 18-year-olds at the start of the summer holidays: bands, a "
            "skateboarding contest and food. Young people plan the programme with the youth centre.",
        ),
        15_000_00,
    ),
    (
        _text("Kirjaston lukunurkka", "Läshörna i biblioteket", "Reading corner in the library"),
        _text(
            "Rauhallinen nurkka lähikirjastoon: säkkituoleja, hyvä valaistus, selkokirjoja ja kirjoja monella "
            "kielellä.",
            "En lugn hörna i närbiblioteket: sittsäckar, bra belysning, lättlästa böcker och böcker på många språk.",
            "A quiet corner in the local library: bean bags, good lighting, easy-to-read books and books in many "
            "languages.",
        ),
        25_000_00,
    ),
    (
        _text("Koirapuisto", "Hundpark", "Dog park"),
        _text(
            "Aidattu koirapuisto, jossa on omat alueet pienille ja isoille koirille, penkkejä, roska-astiat ja "
            "vesipiste.",
            "En inhägnad hundpark med egna områden för små och stora hundar, bänkar, soptunnor och en vattenpost.",
            "A fenced dog park with separate areas for small and large dogs, benches, litter bins and a water point.",
        ),
        38_000_00,
    ),
)

CITYWIDE_PROJECTS = (
    (
        _text("Ilmaiset kulttuuriliput nuorille", "Gratis kulturbiljetter för unga", "Free culture tickets for the young"),
        _text(
            "2 000 maksutonta lippua teatteriin, konsertteihin ja museoihin 12–25-vuotiaille. Liput jaetaan "
            "kouluissa ja nuorisotaloilla.",
            "2 000 gratis biljetter till teater, konserter och museer för 12–25-åringar. Biljetterna delas ut i "
            "skolor och på ungdomsgårdar.",
            "2,000 free tickets to theatre, concerts and museums for 12 to 25-year-olds, handed out at schools and "
            "youth centres.",
        ),
        60_000_00,
    ),
    (
        _text("Kaupunkipyörät lähiöihin", "Stadscyklar till förorterna", "City bikes for the suburbs"),
        _text(
            "Kymmenen uutta kaupunkipyöräasemaa lähiöihin, jotta juna-asemalle ja palveluihin pääsee pyörällä.",
            "Tio nya stadscykelstationer i förorterna, så att man kan cykla till tågstationen och till service.",
            "Ten new city bike stations in the suburbs, so that people can cycle to the train station and to services.",
        ),
        90_000_00,
    ),
    (
        _text("Lisää roska-astioita", "Fler soptunnor", "More litter bins"),
        _text(
            "Sata uutta roska-astiaa puistoihin ja bussipysäkeille, joilla astiat nyt täyttyvät nopeimmin.",
            "Hundra nya soptunnor i parker och vid busshållplatser där tunnorna nu blir fulla snabbast.",
            "A hundred new litter bins in parks and at bus stops where the bins now fill up fastest.",
        ),
        20_000_00,
    ),
)

# Last year's projects in two districts (by position in pb.demo.DISTRICTS): (title, description, cost in cents).
PAST_PROJECTS = {
    1: (
        (_text("Kuntoportaat rinteeseen", "Träningstrappor i backen", "Exercise stairs on the hill"),
         _text("Puiset portaat ja kaiteet Mäkipuiston rinteeseen kuntoiluun.",
               "Trappor och räcken av trä i Backparkens sluttning för motion.",
               "Wooden stairs with handrails on the slope of the hill park, for exercise."), 28_000_00),
        (_text("Koirapuiston aita", "Staket till hundparken", "Fence for the dog park"),
         _text("Uusi, korkeampi aita nykyiseen koirapuistoon ja toinen portti.",
               "Ett nytt, högre staket till den nuvarande hundparken och en andra grind.",
               "A new, higher fence and a second gate for the existing dog park."), 9_000_00),
        (_text("Valot pyörätielle", "Belysning längs cykelvägen", "Lights for the cycle path"),
         _text("Katuvalot 800 metrin pyörätielle koulun ja aseman välille.",
               "Gatubelysning längs den 800 meter långa cykelvägen mellan skolan och stationen.",
               "Street lights on the 800-metre cycle path between the school and the station."), 35_000_00),
        (_text("Kirjaston lukunurkka", "Läshörna i biblioteket", "Reading corner in the library"),
         _text("Säkkituoleja ja hyllyt selkokirjoille lähikirjastoon.",
               "Sittsäckar och hyllor för lättlästa böcker i närbiblioteket.",
               "Bean bags and shelves for easy-to-read books in the local library."), 6_500_00),
    ),
    2: (
        (_text("Skeittipaikka", "Skateplats", "Skate park"),
         _text("Betoninen skeittipaikka nuorisotalon viereen, suunniteltu yhdessä nuorten kanssa.",
               "En skateplats av betong bredvid ungdomsgården, planerad tillsammans med de unga.",
               "A concrete skate park next to the youth centre, designed together with young people."), 40_000_00),
        (_text("Penkit metsäpolulle", "Bänkar längs skogsstigen", "Benches on the forest path"),
         _text("Kuusi penkkiä metsäpolun varteen levähdyspaikoiksi.",
               "Sex bänkar längs skogsstigen som viloplatser.",
               "Six benches along the forest path as resting places."), 7_000_00),
        (_text("Ulkokuntosali", "Utegym", "Outdoor gym"),
         _text("Kahdeksan kuntolaitetta puistoon, myös ikäihmisille sopivia.",
               "Åtta träningsredskap i parken, också sådana som passar äldre.",
               "Eight exercise machines in the park, some suited to older people."), 22_000_00),
        (_text("Kesäkonsertit", "Sommarkonserter", "Summer concerts"),
         _text("Neljä maksutonta konserttia puistossa kesäsunnuntaisin.",
               "Fyra gratis konserter i parken på sommarsöndagar.",
               "Four free concerts in the park on summer Sundays."), 12_000_00),
    ),
}


def round_values(name, description, ballot_format, closes_in_days, **extra):
    """The settings of a demo round whose voting starts today and closes in ``closes_in_days`` days."""
    today = helsinki_time(0, 12).date()
    values = {
        "name": name, "description": description, "ballot_format": ballot_format, "max_choices": None,
        "points": None, "rule": "equalshares/add1", "rule_threshold": None, "min_age": 12,
        "eligibility": EligibilityMode.OWN_PLUS_CITYWIDE, "identity_policy": IdentityPolicy.SELF_DECLARED,
        "voting_closes_at": helsinki_time(closes_in_days, 20),
        "ideas_start": today - timedelta(days=90), "co_development_start": today - timedelta(days=60),
        "cost_estimation_start": today - timedelta(days=30), "voting_start": today,
        "results_start": today + timedelta(days=closes_in_days + 1),
        "implementation_start": today + timedelta(days=closes_in_days + 60),
    }
    values.update(extra)
    return values


def seed_voting_demo(staff, admin, districts):
    """A PB round in the voting phase (4 district budgets and a city-wide one, ideas turned into projects,
    ballots online, assisted and on paper, one paper ballot waiting for a third look) and a round collecting ideas.

    The demo resident has declared a home district but has not voted, so the ballot can be tried.
    """

    resident = find_by_email("resident@demo.pb")
    voting.declare_details(resident, 1985, districts[0].id)

    budget_round = voting.create_round(staff, round_values(
        _text("Lähibudjetti 2026", "Närbudget 2026", "Neighbourhood budget 2026"),
        _text("Asukkaat ehdottivat ideoita omalle alueelleen. Nyt äänestetään, mitkä toteutetaan.",
              "Invånarna föreslog idéer för sitt område. Nu röstar vi om vilka som genomförs.",
              "Residents suggested ideas for their area. Now everyone votes on which ones are carried out."),
        BallotFormat.KNAPSACK, 14,
    ))
    voting.set_budget(staff, budget_round, None, 150_000_00)
    for district in districts[:4]:
        voting.set_budget(staff, budget_round, district.id, 80_000_00)
    voting.advance_phase(staff, budget_round)  # collecting ideas

    ideas = [
        voting.submit_idea(resident, budget_round, districts[0].id, "Penkkejä rantapuistoon",
                           "Lisää penkkejä rantapuiston kävelytien varteen, jotta ikäihmiset voivat levätä.", "Rantapuisto"),
        voting.submit_idea(resident, budget_round, districts[0].id, "Istumapaikkoja järven rantaan",
                           "Paikkoja istua järven rannalla.", "Rantapuisto"),
        voting.submit_idea(resident, budget_round, districts[0].id, "Uimahalli keskustaan",
                           "Uusi uimahalli keskustaan.", ""),
    ]
    voting.advance_phase(staff, budget_round)  # developing ideas together
    voting.advance_phase(staff, budget_round)  # estimating costs
    benches, seats, pool = ideas
    voting.assess_idea(staff, benches, True, "Sopii puiston suunnitelmaan. Penkit voidaan asentaa keväällä.", 12_000_00)
    voting.merge_idea(staff, seats, benches)
    voting.assess_idea(staff, pool, False, "Uimahalli maksaa kymmeniä miljoonia euroja, paljon enemmän kuin budjetti.",
                       30_000_000_00)
    budgets = {budget.district_id: budget for budget in budget_round.budgets}
    voting.publish_idea(staff, benches, budgets[districts[0].id], *BENCHES, 12_000_00)
    for district in districts[:4]:
        for title, description, cost in DISTRICT_PROJECTS:
            voting.add_project(staff, budgets[district.id], title, description, cost)
    for title, description, cost in CITYWIDE_PROJECTS:
        voting.add_project(staff, budgets[None], title, description, cost)
    voting.advance_phase(staff, budget_round)  # voting: the ballot is now locked
    _cast_demo_ballots(staff, admin, budget_round, budgets[districts[0].id], districts[0])

    youth = voting.create_round(staff, round_values(
        _text("Nuorten budjetti 2027", "Ungdomsbudget 2027", "Youth budget 2027"),
        _text("12–25-vuotiaat ideoivat, mihin nuorten rahat käytetään.",
              "12–25-åringar kommer med idéer om vad ungdomarnas pengar används till.",
              "People aged 12 to 25 suggest what the young people's money is used for."),
        BallotFormat.APPROVAL, 200, max_choices=3, eligibility=EligibilityMode.ANY_ONE_DISTRICT,
    ))
    for district in districts[:3]:
        voting.set_budget(staff, youth, district.id, 20_000_00)
    voting.advance_phase(staff, youth)  # collecting ideas


def _cast_demo_ballots(staff, admin, budget_round, home, district):
    _batch, letters = voting.create_code_batch(staff, budget_round, "Kirjeet: Keskusta", 20, district.id)
    _batch, popup = voting.create_code_batch(staff, budget_round, "Pop-up: kirjasto", 10)
    by_title = {project.title["fi"]: project.id for project in home.projects}
    online_choices = (
        ("Penkit rantapuistoon", "Valaistus kuntopolulle"),
        ("Nuorten kesätapahtuma", "Kirjaston lukunurkka", "Penkit rantapuistoon"),
        ("Koirapuisto", "Kirjaston lukunurkka"),
        ("Valaistus kuntopolulle", "Nuorten kesätapahtuma"),
    )
    for code_text, titles in zip(letters, online_choices):
        code = voting.check_code(budget_round, code_text)
        voting.cast_ballot(voting.code_voter(budget_round, code), home, {by_title[title]: 1 for title in titles})
    session = voting.open_assisted_session(
        # The Population Register Centre's own example identity code, never a real person's.
        staff, budget_round, location="Keskustan kirjasto", identified_by="code", code_text=popup[0],
        personal_code="131052-308T", district_id=district.id, age_checked=True, residence_checked=True,
    )
    voting.cast_ballot(voting.assisted_voter(session), home, {by_title["Penkit rantapuistoon"]: 1}, actor=staff)
    # Left open, so that the demo staff account can look at an assisted session straight away.
    paper = {by_title["Koirapuisto"]: 1, by_title["Nuorten kesätapahtuma"]: 1}
    for row, code_text in enumerate(letters[10:12], start=1):
        voting.enter_paper(staff, budget_round, batch="Posti 1", row=row, budget=home, code_text=code_text, choices=paper)
        voting.enter_paper(admin, budget_round, batch="Posti 1", row=row, budget=home, code_text=code_text, choices=paper)
    # Two readings that differ: waits for a third person in the demo.
    voting.enter_paper(staff, budget_round, batch="Posti 1", row=3, budget=home, code_text=letters[12], choices=paper)
    voting.enter_paper(admin, budget_round, batch="Posti 1", row=3, budget=home, code_text=letters[12],
                       choices={by_title["Koirapuisto"]: 1})
