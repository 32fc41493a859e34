"""The neighbourhood-voting journey in a real browser, with an axe-core scan of every page on the way.

Staff set up a knapsack round with budgets for three districts and open it; a resident declares
their details and votes without JavaScript, then changes the vote with JavaScript and checks both
receipts; a voter with a code from a pop-up point votes; three staff members enter paper ballots
twice, one pair of entries differs and the third person's reading counts; staff close the round,
the tally jobs run (with ``REDIS_URL``: queued in Redis and run by a real RQ worker), the results
are published and must match an independent greedy count of the ballots stored in the database.

Controls are found by their label or role, so a missing label fails the journey too.
"""

import re
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from pb.extensions import db
from pb.voting.models import Ballot, BudgetRound
from tests.factories import PASSWORD, make_district, make_user
from tests.helpers import run_queued_jobs

pytestmark = pytest.mark.browser

HELSINKI = ZoneInfo("Europe/Helsinki")
ROUND_NAME = "Neighbourhood budget 2026"
DISTRICTS = {"North": ("Pohjoinen", "50 000"), "East": ("Itä", "40 000"), "West": ("Länsi", "30 000")}
PROJECTS = (  # district, English name, Finnish name, cost in euros; in this order on the official ballot
    ("North", "Playground", "Leikkipuisto", "30 000"),
    ("North", "Benches by the shore", "Penkit rannalle", "20 000"),
    ("North", "Outdoor gym", "Ulkokuntosali", "25 000"),
    ("East", "Book exchange cabinet", "Kirjanvaihtokaappi", "15 000"),
    ("East", "Skate park", "Skeittipaikka", "35 000"),
    ("West", "Community garden", "Yhteisöpuutarha", "10 000"),
    ("West", "Lights for the path", "Valot polulle", "25 000"),
)
# The ballots the journey casts: (district, channel, projects). The resident's first ballot
# (Playground and Benches) is replaced by the changed one, so it must not be counted.
CAST = [
    ("North", "online", frozenset({"Benches by the shore", "Outdoor gym"})),  # the resident, changed with JavaScript
    ("North", "paper", frozenset({"Outdoor gym"})),
    ("East", "online", frozenset({"Skate park"})),  # the code voter
    ("East", "paper", frozenset({"Skate park"})),
    ("West", "paper", frozenset({"Lights for the path"})),  # the sheet whose two entries differed
]
PAPER_BATCH = "Box 1"


def expect_heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def expect_flash(page, text, role="status"):
    expect(page.locator(".flashes").get_by_role(role)).to_contain_text(text)


def project_box(page, title):
    """A project's checkbox; its label is "<name> – <cost>"."""
    return page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(title)} –"))


def log_in(page, live_server, user):
    """Log in through the login form, without another scan of it (the staff sign-in scans it once)."""
    if "/auth/login" not in page.url:
        page.goto(live_server.url("/auth/login"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.locator("form[action$='/auth/logout']")).to_have_count(1)


def ballot_total(page):
    return page.locator("#ballot-total")


@pytest.fixture
def assert_accessible_without_js(new_context, assert_accessible):
    """``assert_accessible_without_js(page)`` for a page in a context with JavaScript turned off.

    axe-core needs JavaScript (its timers do not run in such a page), so the page's HTML is scanned
    in a JavaScript context at the same address, with the site's scripts blocked: the same markup,
    the same style sheets, nothing changed by a script.
    """
    scanner = None

    def check(page):
        nonlocal scanner
        if scanner is None:
            context = new_context()
            context.route("**/*.js", lambda route: route.abort())
            scanner = context.new_page()
        url, html = page.url, page.content()

        def this_address(address):
            return address == url

        def same_page(route):
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        scanner.route(this_address, same_page)
        try:
            scanner.goto(url)
            assert_accessible(scanner)
        finally:
            scanner.unroute(this_address, same_page)

    return check


# --- staff: set-up ---------------------------------------------------------------------------


def create_round(page, scan):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff", exact=True).click()
    scan(page)
    page.get_by_role("link", name="Participatory budgeting rounds").click()
    expect_heading(page, "Manage neighbourhood voting")
    scan(page)
    page.get_by_role("link", name="Create a new round").click()
    expect_heading(page, "Create a new round")
    scan(page)
    name = page.get_by_role("group", name="Name of the round")
    name.get_by_label("In Finnish").fill("Lähibudjetti 2026")
    name.get_by_label("In English").fill(ROUND_NAME)
    page.get_by_role("group", name="What the round is about").get_by_label("In Finnish").fill(
        "Asukkaat päättävät, mihin alueen rahat käytetään."
    )
    closes = datetime.now(HELSINKI) + timedelta(days=10)
    page.get_by_label("Voting closes (Finnish time)").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("radio", name="Choose projects that fit the budget").check()
    expect(page.get_by_label("Counting rule")).to_have_value("greedy")
    expect(page.get_by_role("radio", name="Only in their own district")).to_be_checked()
    # New rounds count only verified voters unless staff choose the low threshold, as this journey's
    # resident votes with a plain account.
    expect(page.get_by_role("radio", name="Only voters whose identity is verified")).to_be_checked()
    page.get_by_role("radio", name=re.compile("^Also voters who declare")).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect_heading(page, f"Budgets: {ROUND_NAME}")
    expect_flash(page, "The round was created. Add the budgets next.")
    scan(page)

    for district, (_finnish, euros) in DISTRICTS.items():
        page.get_by_label(re.compile(rf"^{district}\b")).fill(euros)
    page.get_by_role("button", name="Save the budgets").click()
    expect_heading(page, f"Manage: {ROUND_NAME}")
    expect_flash(page, "The budgets were saved.")
    scan(page)

    for number, (district, english, finnish, euros) in enumerate(PROJECTS):
        page.get_by_role("link", name="Add a project").click()
        expect_heading(page, "Add a project")
        if number == 0:  # the same form seven times: one scan is enough
            scan(page)
        page.get_by_label("Budget", exact=True).select_option(label=district)
        title = page.get_by_role("group", name="Name of the project")
        title.get_by_label("In Finnish").fill(finnish)
        title.get_by_label("In English").fill(english)
        description = page.get_by_role("group", name="What the project does")
        description.get_by_label("In English").fill(f"{english} for {district}.")
        page.get_by_label("Cost, in euros").fill(euros)
        page.get_by_role("button", name="Save the project").click()
        expect_flash(page, "The project was added.")
    for district in DISTRICTS:
        projects = page.get_by_role("table", name=f"Projects in {district}")
        expect(projects.locator("tbody tr")).to_have_count(sum(1 for p in PROJECTS if p[0] == district))

    # Draft -> collecting ideas -> developing ideas -> estimating costs -> voting.
    for phase in ("Collecting ideas", "Developing ideas together", "Estimating costs", "Voting"):
        page.get_by_role("link", name=f"Move to the next phase: {phase}…").click()
        page.get_by_role("button", name=f"Yes, move to the phase: {phase}").click()
        expect_flash(page, f"The round is now in the phase: {phase}.")
    expect(page.get_by_text("Voting is open until")).to_be_visible()
    expect(page.get_by_role("link", name="Set the budgets")).to_have_count(0)
    expect(page.get_by_role("link", name="Add a project")).to_have_count(0)
    scan(page)


def make_codes(page, scan, count):
    """A batch of pop-up codes (any district); returns the codes as printed."""
    page.get_by_role("link", name="Voting codes").click()
    expect_heading(page, f"Voting codes: {ROUND_NAME}")
    scan(page)
    page.get_by_label("Name of the batch (for example: letters to the East district)").fill("Library pop-up")
    page.get_by_label("How many codes").fill(str(count))
    expect(page.get_by_label("District of the codes")).to_have_value("")  # any district: the voter says where
    page.get_by_role("button", name="Make and show the codes").click()
    expect_heading(page, "Codes of the batch Library pop-up")
    scan(page)
    codes = page.locator("ol.voting-codes code").all_inner_texts()
    assert len(codes) == count and all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code) for code in codes)
    page.get_by_role("link", name="Back to the voting codes").click()
    batches = page.get_by_role("table", name="Batches of codes")
    expect(batches.get_by_role("row", name=re.compile("Library pop-up"))).to_contain_text("Any district")
    page.get_by_role("link", name="Back to the round").click()
    return codes


# --- residents -------------------------------------------------------------------------------


def open_round_page(page, live_server, scan=None):
    page.goto(live_server.url("/"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vote", exact=True).click()
    expect_heading(page, "Neighbourhood voting")
    if scan:
        scan(page)
    page.get_by_role("link", name=ROUND_NAME).click()
    expect_heading(page, ROUND_NAME)
    expect(page.get_by_text("Voting is open until")).to_be_visible()
    if scan:
        scan(page)


def resident_votes_without_javascript(page, live_server, scan, resident):
    """Log in from the voting page, declare year of birth and district, vote with the server's total."""
    open_round_page(page, live_server, scan)
    page.get_by_role("link", name="Vote now").click()
    expect_heading(page, f"Vote: {ROUND_NAME}")
    scan(page)
    page.get_by_role("link", name="Log in to vote").click()
    log_in(page, live_server, resident)  # and back to voting, which first asks for the details

    expect_heading(page, "Your details for voting")
    page.get_by_label("Year of birth").fill("2008")
    page.get_by_label("Your home district").select_option(label="North")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that the details are true.")
    expect(page.get_by_label("Year of birth")).to_have_value("2008")
    scan(page)
    page.get_by_label("I live in this district, and what I wrote is true.").check()
    page.get_by_role("button", name="Save and continue").click()
    expect_heading(page, f"Vote: {ROUND_NAME}")
    expect_flash(page, "Your details were saved.")
    ballots = page.get_by_role("table", name="Your ballots")
    expect(ballots.locator("tbody tr")).to_have_count(1)  # own district only
    scan(page)

    ballots.get_by_role("link", name="Vote in North").click()
    expect_heading(page, "Your ballot: North")
    update = page.get_by_role("button", name="Update total")
    expect(update).to_be_visible()  # no script hides it
    for title in ("Playground", "Benches by the shore", "Outdoor gym"):
        project_box(page, title).check()
    update.click()  # the server adds up the costs; nothing is saved
    expect(ballot_total(page)).to_contain_text(
        "Chosen: €75,000.00. That is €25,000.00 more than the budget of €50,000.00."
    )
    expect(project_box(page, "Outdoor gym")).to_be_checked()
    page.get_by_role("button", name="Send my ballot").click()
    expect(page.get_by_role("alert")).to_contain_text("Your ballot was not saved")
    expect(page.get_by_role("alert")).to_contain_text("That is more than the budget of €50,000.00.")
    scan(page)
    project_box(page, "Outdoor gym").uncheck()
    page.get_by_role("button", name="Update total").click()
    expect(ballot_total(page)).to_contain_text("Chosen: €50,000.00. Budget: €50,000.00. Left: €0.00.")
    page.get_by_role("button", name="Send my ballot").click()

    expect_heading(page, "Your ballot is saved")
    scan(page)
    receipt = page.locator("strong.receipt-code").inner_text()
    page.get_by_role("link", name="Back to the voting page").click()
    expect(page.get_by_role("table", name="Your ballots")).to_contain_text("Voted.")
    return receipt


def resident_changes_with_javascript(page, live_server, scan):
    """The running total follows the ticks without a trip to the server; the change replaces the ballot."""
    open_round_page(page, live_server)
    page.get_by_role("link", name="Vote now").click()
    page.get_by_role("link", name="Change your ballot in North").click()
    expect_heading(page, "Your ballot: North")
    expect(page.get_by_text("You have already voted here.")).to_be_visible()
    # The script hides the button: the total follows the ticks.
    expect(page.get_by_role("button", name="Update total")).to_be_hidden()
    expect(project_box(page, "Playground")).to_be_checked()
    expect(project_box(page, "Benches by the shore")).to_be_checked()
    expect(project_box(page, "Outdoor gym")).not_to_be_checked()
    scan(page)
    project_box(page, "Outdoor gym").check()
    expect(ballot_total(page)).to_have_text(
        "Chosen: €75,000.00. That is €25,000.00 more than the budget of €50,000.00. Remove a project."
    )
    project_box(page, "Playground").uncheck()
    expect(ballot_total(page)).to_have_text("Chosen: €45,000.00. Budget: €50,000.00. Left: €5,000.00.")
    page.get_by_role("button", name="Save my changed ballot").click()
    expect_heading(page, "Your ballot is saved")
    expect(page.get_by_text("Your earlier ballot was replaced. Only this ballot counts.")).to_be_visible()
    return page.locator("strong.receipt-code").inner_text()


def check_receipts(page, scan, old_receipt, new_receipt):
    page.get_by_role("link", name="Check a receipt code").click()
    expect_heading(page, "Check your receipt code")
    page.get_by_label("Receipt code").fill(old_receipt)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("We did not find this receipt code.")
    scan(page)
    page.get_by_label("Receipt code").fill(new_receipt.lower().replace("-", ""))  # as people type it
    page.get_by_role("button", name="Check", exact=True).click()
    found = page.get_by_role("main").get_by_role("status")
    expect(found).to_contain_text("Your ballot is saved.")
    expect(found).to_contain_text(f"Round: {ROUND_NAME}. Area: North.")
    expect(found).to_contain_text("It will be counted when voting closes.")
    expect(page.get_by_role("main")).not_to_contain_text("Outdoor gym")  # the check does not show the choices
    scan(page)


def code_voter_votes(page, live_server, scan, code):
    open_round_page(page, live_server)
    page.get_by_role("link", name="Vote now").click()
    page.get_by_role("link", name="Vote with a code").click()
    expect_heading(page, "Vote with a code")
    page.get_by_label("Voting code").fill(code)
    page.get_by_role("button", name="Continue").click()  # a pop-up code does not know the district
    expect(page.get_by_role("alert")).to_contain_text("Choose your home district. Your code does not say it.")
    scan(page)
    page.get_by_label(re.compile("^Your home district")).select_option(label="East")
    page.get_by_role("button", name="Continue").click()
    expect_heading(page, f"Vote: {ROUND_NAME}")
    expect(page.get_by_text("You are voting with a voting code.")).to_be_visible()
    scan(page)
    page.get_by_role("link", name="Vote in East").click()
    expect_heading(page, "Your ballot: East")
    project_box(page, "Skate park").check()
    expect(ballot_total(page)).to_have_text("Chosen: €35,000.00. Budget: €40,000.00. Left: €5,000.00.")
    page.get_by_role("button", name="Send my ballot").click()
    expect_heading(page, "Your ballot is saved")
    expect(page.locator("strong.receipt-code")).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    page.get_by_role("link", name="Back to the voting page").click()
    expect(page.get_by_role("table", name="Your ballots")).to_contain_text("Voted.")
    page.get_by_role("button", name="I have finished voting").click()
    expect_heading(page, ROUND_NAME)
    expect_flash(page, "You have finished voting. Thank you!")


# --- staff: paper ballots --------------------------------------------------------------------


def save_paper_entry(page, code, titles, *, batch=None, row=None):
    if batch is not None:
        page.get_by_label("Batch (written on the envelope or box)").fill(batch)
    if row is not None:
        page.get_by_label("Number of the ballot in the batch").fill(str(row))
    page.get_by_label("Voting code printed on the ballot").fill(code)
    for title in titles:
        project_box(page, title).check()
    page.get_by_role("button", name="Save this entry").click()


def open_paper_page(page):
    page.get_by_role("link", name="Enter paper ballots").click()
    expect_heading(page, f"Paper ballots: {ROUND_NAME}")


def first_entries(page, scan, sheets):
    """The first person types every sheet: (row, district, code, projects marked)."""
    open_paper_page(page)
    expect(page.get_by_text("No paper ballot is waiting.")).to_be_visible()
    scan(page)
    for number, (row, district, code, titles) in enumerate(sheets):
        page.get_by_role("link", name=f"Enter a paper ballot for {district}").click()
        expect_heading(page, f"Enter a paper ballot: {district}")
        if number == 0:
            scan(page)
        save_paper_entry(page, code, titles, batch=PAPER_BATCH, row=row)
        expect_flash(page, f"Ballot {PAPER_BATCH} / {row} saved. Another person must now enter it a second time.")
        expect(page.get_by_label("Batch (written on the envelope or box)")).to_have_value(PAPER_BATCH)
        if number == 0:
            scan(page)
        page.get_by_role("link", name="All paper ballots").click()
    waiting = page.get_by_role("table", name="Paper ballots that need a second entry or a third look")
    expect(waiting.locator("tbody tr")).to_have_count(len(sheets))
    expect(waiting).to_contain_text("Waiting for the second entry")
    scan(page)


def enter_waiting_sheet(page, row, code, titles):
    page.get_by_role("link", name=f"Enter {PAPER_BATCH} / {row}").click()
    expect(page.get_by_label("Batch (written on the envelope or box)")).to_have_value(PAPER_BATCH)
    expect(page.get_by_label("Number of the ballot in the batch")).to_have_value(str(row))
    save_paper_entry(page, code, titles)


# --- counting and results --------------------------------------------------------------------


def independent_count():
    """{district: (ballots, {project: votes}, {funded projects})} from the ballots stored in the database.

    Plain greedy, written here without pb.rules or pb.tally: projects by most votes (equal votes in
    the official ballot order), each funded if its cost fits in the money left.
    """
    db.session.expire_all()
    budget_round = db.session.execute(db.select(BudgetRound)).scalar_one()
    result = {}
    for budget in budget_round.budgets:
        ballots = db.session.execute(db.select(Ballot).filter_by(round_budget_id=budget.id)).scalars().all()
        votes = Counter(choice.project_id for ballot in ballots for choice in ballot.choices)
        official_order = sorted(budget.projects, key=lambda project: (project.position, project.id))
        money_left, funded = budget.amount_cents, set()
        for project in sorted(official_order, key=lambda project: -votes[project.id]):  # a stable sort
            if project.cost_cents <= money_left:
                funded.add(project.title["en"])
                money_left -= project.cost_cents
        scores = {project.title["en"]: votes[project.id] for project in budget.projects}
        result[budget.district.name["en"]] = (len(ballots), scores, funded)
    return result


def stored_ballots():
    """(district, channel, projects) of every ballot in the database, with how many there are of each."""
    db.session.expire_all()
    ballots = db.session.execute(db.select(Ballot)).scalars().all()
    return Counter(
        (
            ballot.budget.district.name["en"],
            ballot.channel.value,
            frozenset(choice.project.title["en"] for choice in ballot.choices),
        )
        for ballot in ballots
    )


def published_table(page):
    """{project: (votes, funded)} from a published result page."""
    table = {}
    for row in page.get_by_role("table", name="All projects, most votes first").locator("tbody tr").all():
        votes, _cost, funded = row.locator("td").all_inner_texts()
        table[row.locator("th").inner_text()] = (int(votes), {"Yes": True, "No": False}[funded])
    return table


def count_and_publish(page, app, scan, expected):
    page.get_by_role("link", name="Count the votes and publish the results").click()
    expect_heading(page, f"Count votes: {ROUND_NAME}")
    scan(page)
    queued = bool(app.config.get("REDIS_URL"))
    for district in DISTRICTS:
        page.get_by_role("button", name=f"Count the votes of {district}").click()
        expect_flash(page, "Counting started. This page shows its progress.")
        jobs = page.get_by_role("table", name=f"Counting jobs of {district}")
        # With Redis the job waits in the queue for a worker; without, it ran inside the request.
        expect(jobs.locator("td.status")).to_have_text("Waiting" if queued else "Done")
    scan(page)
    run_queued_jobs(app)  # a real RQ worker drains the queue (nothing to do when jobs run inline)
    page.get_by_role("link", name="Update now").click()

    for number, district in enumerate(DISTRICTS):
        ballots, scores, funded = expected[district]
        expect(page.get_by_role("table", name=f"Counting jobs of {district}").locator("td.status")).to_have_text("Done")
        results = page.get_by_role("table", name=f"Results of {district}")
        expect(results.locator("tbody tr")).to_have_count(1)
        results.get_by_role("link", name=re.compile(r"^count \d+$")).click()
        expect_heading(page, f"Results: {district}")
        expect(page.get_by_text("This result is not published. Only staff can see it.")).to_be_visible()
        if number == 0:
            scan(page)
        page.get_by_role("link", name="Publish this result").click()
        expect_heading(page, f"Publish the result of {district}?")
        page.get_by_role("button", name="Yes, publish the result").click()
        expect_flash(page, "The result is published.")
        expect_heading(page, f"Results: {district}")
        assert published_table(page) == {title: (score, title in funded) for title, score in scores.items()}
        expect(page.locator("dl.facts dt:text-is('Ballots') + dd")).to_have_text(str(ballots))
        if number == 0:
            scan(page)
        page.get_by_role("link", name="All areas of this vote").click()
        page.get_by_role("link", name="Count and publish results").click()
        expect_heading(page, f"Count votes: {ROUND_NAME}")


def check_public_results(page, live_server, scan, expected):
    open_round_page_after_voting(page, live_server)
    page.get_by_role("link", name="Results of this round").click()
    expect_heading(page, f"Results: {ROUND_NAME}")
    scan(page)
    for district, (ballots, _scores, funded) in expected.items():
        area = page.get_by_role("region", name=district)
        expect(area).to_contain_text(f"Ballots: {ballots}.")
        titles = {re.sub(r" – .*$", "", item) for item in area.get_by_role("listitem").all_inner_texts()}
        assert titles == funded, (district, titles, funded)
    page.get_by_role("link", name="All projects of West and why they were or were not funded").click()
    expect_heading(page, "Results: West")
    _ballots, scores, funded = expected["West"]
    assert published_table(page) == {title: (score, title in funded) for title, score in scores.items()}
    expect(page.get_by_role("link", name="Result as CSV (spreadsheet)")).to_be_visible()
    scan(page)


def open_round_page_after_voting(page, live_server):
    page.goto(live_server.url("/"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vote", exact=True).click()
    page.get_by_role("link", name=ROUND_NAME).click()
    expect_heading(page, ROUND_NAME)
    expect(page.get_by_role("link", name="Vote now")).to_have_count(0)


# --- the journey -----------------------------------------------------------------------------


def test_staff_open_round_residents_vote_paper_double_entry_tally_publish(
    app, page, new_context, live_server, sign_in, assert_accessible, assert_accessible_without_js
):
    scan = assert_accessible
    for english, (finnish, _euros) in DISTRICTS.items():
        make_district(finnish, population=4_000, en=english)
    staff = make_user(staff=True, locale="en", name="Sanna Staff")
    second = make_user(staff=True, locale="en", name="Pekka Paper")
    third = make_user(staff=True, locale="en", name="Tiina Third")
    resident = make_user(locale="en", name="Riikka Resident")  # year of birth and district not given yet

    # 1. Staff create the round, its budgets and projects, open voting and print pop-up codes.
    sign_in(page, staff.email, PASSWORD)
    create_round(page, scan)
    online_code, *paper_codes = make_codes(page, scan, 4)

    # 2. A resident votes without JavaScript, changes the vote with it, and checks the receipts.
    no_script = new_context(java_script_enabled=False).new_page()
    first_receipt = resident_votes_without_javascript(no_script, live_server, assert_accessible_without_js, resident)
    resident_page = new_context().new_page()
    log_in(resident_page, live_server, resident)
    second_receipt = resident_changes_with_javascript(resident_page, live_server, scan)
    assert second_receipt != first_receipt
    check_receipts(resident_page, scan, first_receipt, second_receipt)

    # 3. A voter with a code from the pop-up point votes in the district they live in.
    code_voter_votes(new_context().new_page(), live_server, scan, online_code)

    # 4. Paper ballots, each typed by two staff members. Sheet 1's entries differ; a third person decides.
    sheets = [
        (1, "West", paper_codes[0], ["Lights for the path"]),
        (2, "North", paper_codes[1], ["Outdoor gym"]),
        (3, "East", paper_codes[2], ["Skate park"]),
    ]
    first_entries(page, scan, sheets)
    second_page = new_context().new_page()
    log_in(second_page, live_server, second)
    second_page.goto(live_server.url("/voting/manage/"))
    second_page.get_by_role("link", name=ROUND_NAME).click()
    open_paper_page(second_page)
    enter_waiting_sheet(second_page, 1, paper_codes[0], ["Community garden"])  # misread
    expect_flash(second_page, f"Ballot {PAPER_BATCH} / 1: the two entries differ.", role="alert")
    scan(second_page)
    for row, _district, code, titles in sheets[1:]:
        second_page.get_by_role("link", name="All paper ballots").click()
        enter_waiting_sheet(second_page, row, code.lower(), titles)  # small letters are the same code
        expect_flash(second_page, f"Ballot {PAPER_BATCH} / {row}: both entries match. The ballot is counted.")
    second_page.get_by_role("link", name="All paper ballots").click()
    waiting = second_page.get_by_role("table", name="Paper ballots that need a second entry or a third look")
    expect(waiting.locator("tbody tr")).to_have_count(1)
    expect(waiting.get_by_role("row", name=f"{PAPER_BATCH} / 1")).to_contain_text(
        "Entries differ: needs a third look"
    )
    expect(waiting).to_contain_text("Sanna Staff, Pekka Paper")
    scan(second_page)

    third_page = new_context().new_page()
    log_in(third_page, live_server, third)
    third_page.goto(live_server.url("/voting/manage/"))
    third_page.get_by_role("link", name=ROUND_NAME).click()
    open_paper_page(third_page)
    enter_waiting_sheet(third_page, 1, paper_codes[0], ["Lights for the path"])
    expect_flash(third_page, f"Ballot {PAPER_BATCH} / 1: both entries match. The ballot is counted.")
    third_page.get_by_role("link", name="All paper ballots").click()
    expect(third_page.get_by_text("No paper ballot is waiting.")).to_be_visible()
    expect(third_page.get_by_role("main")).to_contain_text("Counted: 3")

    # 5. Staff close the round.
    page.get_by_role("link", name="Back to the round").click()
    north = page.locator("section").filter(has=page.get_by_role("heading", name=re.compile("^North:")))
    # Two ballots: too few to show by way of voting, even to staff (ballot secrecy; auditors see them).
    expect(north).to_contain_text("Ballots: 2.")
    expect(north).to_contain_text("Not broken down by way of voting: fewer than 5 ballots.")
    page.get_by_role("link", name="Close voting now…").click()
    page.get_by_label("Why voting closes early (shown to everyone)").fill("All the ballots of the journey are in.")
    page.get_by_role("button", name="Yes, close voting now").click()
    expect_flash(page, "Voting has closed. The round is now in the phase: Results.")
    scan(page)

    # 6. The ballots stored are exactly the ones cast (the replaced and the misread ones are not),
    #    and an independent count of them is what the published results must show.
    assert stored_ballots() == Counter(CAST)
    expected = independent_count()
    assert expected == {
        "North": (
            2, {"Playground": 0, "Benches by the shore": 1, "Outdoor gym": 2}, {"Outdoor gym", "Benches by the shore"}
        ),
        "East": (2, {"Book exchange cabinet": 0, "Skate park": 2}, {"Skate park"}),
        "West": (1, {"Community garden": 0, "Lights for the path": 1}, {"Lights for the path"}),
    }
    count_and_publish(page, app, scan, expected)

    # 7. The resident reads the published results; the receipt now says the ballot is counted.
    check_public_results(resident_page, live_server, scan, expected)
    resident_page.get_by_role("navigation", name="Main").get_by_role("link", name="Vote", exact=True).click()
    resident_page.get_by_role("link", name="Check your receipt code").click()
    resident_page.get_by_label("Receipt code").fill(second_receipt)
    resident_page.get_by_role("button", name="Check", exact=True).click()
    expect(resident_page.get_by_role("main").get_by_role("status")).to_contain_text(
        "Voting has closed. Your ballot is among the ballots that are counted."
    )
    run_queued_jobs(app)  # the "what if" counts queued by publishing, so no job is left in Redis
