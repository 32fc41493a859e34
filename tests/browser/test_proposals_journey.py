"""The partnership-funding journey in a real browser, with an axe-core scan of every page on the way.

Staff create, publish and open a call with three weighted criteria; an association drafts, leaves,
resumes, adds costs and a file, checks and sends; a resident group sends; staff send one for a group
met at a pop-up point; the deadline passes and a late send is refused; staff check eligibility and
the applicants read the result. Controls are found by label or role, so a missing label fails too.
"""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from pb.calls.models import FundingCall
from pb.extensions import db
from pb.models_base import utcnow
from tests.factories import PASSWORD, make_organisation, make_proposal, make_steering_group, make_user

pytestmark = pytest.mark.browser

HELSINKI = ZoneInfo("Europe/Helsinki")
CALL_TITLE = "Neighbourhood partnership fund 2026"
# The smallest file the upload check sniffs as a PDF.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
CRITERIA = (("Tavoittaa vähiten osallistuvat", "Reaches people who take part least", "3"),
            ("Naapurit tekevät yhdessä", "Neighbours do it together", "2"),
            ("Toteutettavuus", "Can be done as planned", "1"))


def local_input(moment):
    """A time as the browser's date-time field takes it, in Finnish time."""
    return moment.astimezone(HELSINKI).strftime("%Y-%m-%dT%H:%M")


def action_name(action, title):
    """The name of a link like "Continue<span class=visually-hidden>: title</span>".

    The hidden part is absolutely positioned, so browsers compute it as a block and put a space before it.
    """
    return re.compile(rf"^{action}\s*: {re.escape(title)}$")


def expect_heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def signed_in_page(new_context, sign_in, user):
    page = new_context().new_page()
    sign_in(page, user.email, PASSWORD)
    return page


def create_and_open_call(page, live_server, assert_accessible, steering_group_name):
    page.goto(live_server.url("/calls/manage/new"))
    expect_heading(page, "Create a new funding call")
    assert_accessible(page)
    title = page.get_by_role("group", name="Name of the call")
    title.get_by_label("In Finnish").fill("Lähiöiden kumppanuusraha 2026")
    title.get_by_label("In Swedish").fill("Partnerskapspengar för förorterna 2026")
    title.get_by_label("In English").fill(CALL_TITLE)
    themes = page.get_by_role("group", name="What we fund")
    themes.get_by_label("In Finnish").fill("Yhteisöllinen toiminta.")
    themes.get_by_label("In English").fill("Activities that bring people together.")
    page.get_by_role("group", name="What the call is for").get_by_label("In Finnish").fill("Naapurustojen hyväksi.")
    page.get_by_label("Total budget of the call, in euros").fill("50 000")
    page.get_by_label("Smallest grant, in euros").fill("1 000")
    page.get_by_label("Largest grant, in euros").fill("8 000")
    page.get_by_label("Own funding required, in percent").fill("10")
    who = page.get_by_role("group", name="Who can apply")
    who.get_by_label("Registered association").check()
    who.get_by_label("Resident group").check()
    expect(page.get_by_label("The whole municipality")).to_be_checked()
    # Publishing needs an opening time in the future; "Open now" then opens the call at once.
    now = datetime.now(HELSINKI)
    page.get_by_label("Opens (Finnish time)").fill(local_input(now + timedelta(minutes=10)))
    page.get_by_label("Closes (Finnish time)").fill(local_input(now + timedelta(days=30)))
    page.get_by_label("Steering group that reviews the proposals").select_option(label=steering_group_name)
    page.get_by_role("button", name="Save the draft").click()
    expect_heading(page, f"Manage: {CALL_TITLE}")
    expect(page.get_by_role("status")).to_contain_text("The draft call was saved")
    assert_accessible(page)

    for number, (finnish, english, weight) in enumerate(CRITERIA, start=1):
        page.get_by_role("link", name="Add a criterion").click()
        expect_heading(page, "Add a review criterion")
        if number == 1:  # the same form three times: one scan is enough
            assert_accessible(page)
        name = page.get_by_role("group", name="Name of the criterion")
        name.get_by_label("In Finnish").fill(finnish)
        name.get_by_label("In English").fill(english)
        page.get_by_role("group", name="Guidance for applicants and reviewers").get_by_label("In Finnish").fill(
            "Pisteet 0–5."
        )
        page.get_by_label("Weight").fill(weight)
        page.get_by_label("Highest score").fill("5")
        page.get_by_role("button", name="Add the criterion").click()
        expect(page.get_by_role("status")).to_contain_text("The criterion was added")
    criteria = page.get_by_role("table", name="Review criteria in the order shown to applicants")
    for _finnish, english, weight in CRITERIA:
        expect(criteria.get_by_role("row", name=english)).to_contain_text(weight)
    expect(criteria.get_by_role("row", name=CRITERIA[0][1])).to_contain_text("50 %")
    assert_accessible(page)

    page.get_by_role("link", name="Publish the call").click()
    expect_heading(page, "Publish the call?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, publish").click()
    expect(page.get_by_role("status")).to_contain_text("The call is now: Coming soon")
    page.get_by_role("link", name="Open now").click()
    expect_heading(page, "Open the call now?")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, open now").click()
    expect(page.get_by_role("status")).to_contain_text("The call is now: Open for applications")
    expect(page.get_by_text("its details and criteria can no longer be changed")).to_be_visible()
    assert_accessible(page)


def apply_from_call_page(page, assert_accessible, title):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funding calls").click()
    expect_heading(page, "Funding calls")
    assert_accessible(page)
    page.get_by_role("link", name=CALL_TITLE, exact=True).click()
    expect_heading(page, CALL_TITLE)
    expect(page.get_by_text("Open for applications")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Apply").click()
    expect_heading(page, f"Apply: {CALL_TITLE}")
    assert_accessible(page)
    page.get_by_label("Name of the proposal").fill(title)
    page.get_by_role("button", name="Start the proposal").click()
    expect_heading(page, f"The activity: {title}")
    expect(page.get_by_role("status")).to_contain_text("The draft was saved")


def fill_basics(page, summary):
    page.get_by_label("Summary in plain language").fill(summary)
    page.get_by_label("Description of the activity").fill("Joka kuukausi talkoot.\n\nLopuksi yhteinen juhla.")
    page.get_by_label("Who the activity is for").fill("Kaikki naapurit")
    page.get_by_label("Start date").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_label("End date").fill((date.today() + timedelta(days=200)).isoformat())
    page.get_by_role("button", name="Save and continue").click()


def fill_budget(page, lines, cofunding, then="Save and continue"):
    for number, (item, amount) in enumerate(lines, start=1):
        page.get_by_label(f"Cost {number}: what it is").fill(item)
        page.get_by_label(f"Cost {number}: euros").fill(amount)
    page.get_by_label("Own funding in euros").fill(cofunding)
    page.get_by_label("Where the own funding comes from").fill("Talkootyö")
    page.get_by_role("button", name=then).click()


def fill_goal(page):
    page.get_by_label("Goal 1: what will change").fill("Naapurit tuntevat toisensa.")
    page.get_by_label("Goal 1: how it is measured").fill("Lasketaan osallistujat.")
    page.get_by_label("Goal 1: the situation now").fill("5")
    page.get_by_label("Goal 1: target").fill("30")
    page.get_by_role("button", name="Save and continue").click()


def send_from_preview(page, assert_accessible, title):
    expect_heading(page, f"Check and send: {title}")
    expect(page.get_by_text("Before you can send the proposal:")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="Send the proposal").click()
    expect_heading(page, title)
    expect(page.get_by_role("status")).to_contain_text("Your proposal was sent")
    expect(page.locator(".status")).to_have_text("Received")
    assert_accessible(page)


def complete_and_send(page, assert_accessible, title):
    """From the first step of a new draft to a sent proposal, without attachments."""
    fill_basics(page, "Naapurit kunnostavat pihan yhdessä.")
    expect_heading(page, f"Budget: {title}")
    fill_budget(page, [("Tarvikkeet", "3000")], "400")
    expect_heading(page, f"Goals: {title}")
    fill_goal(page)
    expect_heading(page, f"Attachments: {title}")
    expect(page.get_by_text("No files yet. Attachments are optional.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Continue to check and send").click()
    send_from_preview(page, assert_accessible, title)


def ngo_drafts_resumes_and_sends(page, assert_accessible, tmp_path, title):
    apply_from_call_page(page, assert_accessible, title)
    assert_accessible(page)  # the first step, "The activity"
    summary = "Naapurit kunnostavat korttelin pihan yhdessä."
    fill_basics(page, summary)
    expect_heading(page, f"Budget: {title}")
    expect(page.get_by_role("status")).to_contain_text("Saved.")

    # Leave for the front page, then come back through "My applications".
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("link", name="Home").click()
    assert_accessible(page)
    main_nav.get_by_role("link", name="My applications").click()
    expect_heading(page, "My applications")
    expect(page.get_by_role("row", name=title)).to_contain_text("Draft – not sent yet")
    assert_accessible(page)
    page.get_by_role("link", name=action_name("Continue", title)).click()
    expect_heading(page, f"The activity: {title}")
    expect(page.get_by_label("Summary in plain language")).to_have_value(summary)
    # Moving to another step saves what was typed (a button of the form, no link that would lose it).
    page.get_by_role("button", name="Save and go to 2. Budget").click()
    expect_heading(page, f"Budget: {title}")
    assert_accessible(page)

    # Over the call's largest grant: the draft keeps it, with the limit named as a warning for sending.
    fill_budget(page, [("Tarvikkeet", "2500"), ("Juhla", "6000")], "1000", then="Save and stay on this page")
    expect(page.locator(".notice-warning")).to_contain_text("one grant from this call can be at most €8,000.00")
    expect(page.get_by_label("Cost 2: euros")).to_have_value("6000")
    assert_accessible(page)
    page.get_by_label("Cost 2: euros").fill("1500")
    page.get_by_label("Own funding in euros").fill("600")
    page.get_by_role("button", name="Save and continue").click()
    expect_heading(page, f"Goals: {title}")
    assert_accessible(page)
    fill_goal(page)

    expect_heading(page, f"Attachments: {title}")
    assert_accessible(page)
    plan = tmp_path / "toimintasuunnitelma.pdf"
    plan.write_bytes(PDF_BYTES)
    page.get_by_label("File to add").set_input_files(plan)
    page.get_by_role("button", name="Add the file").click()
    expect(page.get_by_role("status")).to_contain_text("The file toimintasuunnitelma.pdf was added")
    expect(page.get_by_role("table", name="Files added to the proposal")).to_contain_text("toimintasuunnitelma.pdf")
    assert_accessible(page)
    page.get_by_role("link", name="Continue to check and send").click()
    expect(page.get_by_role("main")).to_contain_text("€4,000.00")
    send_from_preview(page, assert_accessible, title)
    expect(page.get_by_role("link", name="toimintasuunnitelma.pdf")).to_be_visible()


def staff_sends_for_a_group(page, assert_accessible, title):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funding calls").click()
    page.get_by_role("link", name=CALL_TITLE, exact=True).click()
    page.get_by_role("link", name="Proposals to this call").click()
    expect_heading(page, f"Proposals: {CALL_TITLE}")
    assert_accessible(page)
    page.get_by_role("link", name="Make a proposal for a group").click()
    expect_heading(page, f"Make a proposal for a group: {CALL_TITLE}")
    assert_accessible(page)
    page.get_by_label("Name of the group").fill("Puistokadun vanhemmat")
    page.get_by_label("Contact email").fill("puistokatu@example.test")
    page.get_by_label("Contact phone").fill("040 765 4321")
    page.get_by_label("Kind of group, if it is not registered here").select_option(label="Resident group")
    page.get_by_label("Name of the proposal").fill(title)
    page.get_by_role("button", name="Start the proposal").click()
    expect_heading(page, "Claim code for the group")
    code = page.locator("strong.claim-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){2}", code), code
    expect(page.get_by_role("status")).to_contain_text("The code is shown only now")
    assert_accessible(page)
    page.get_by_role("link", name="Fill in the proposal").click()
    expect_heading(page, f"The activity: {title}")
    complete_and_send(page, assert_accessible, title)
    expect(page.get_by_text("This proposal was made with help from staff")).to_be_visible()


def test_staff_open_call_applicants_send_deadline_passes_staff_screen(
    page, new_context, live_server, sign_in, assert_accessible, tmp_path
):
    staff = make_user(staff=True, locale="en", name="Sanna Staff")
    steering_group = make_steering_group("Kaupunginosien ohjausryhmä", members=[(staff, "chair")])
    ngo_rep = make_user(locale="en", name="Niko NGO")
    ngo = make_organisation(
        "ngo", name="Kulmakunnan asukasyhdistys ry", business_id="1572860-0", representative=ngo_rep
    )
    contact = make_user(locale="en", name="Pirjo Piha")
    make_organisation("resident_group", name="Kulmakadun pihaporukka", representative=contact)

    # 1. Staff create, publish and open the call.
    sign_in(page, staff.email, PASSWORD)
    create_and_open_call(page, live_server, assert_accessible, steering_group.name["fi"])

    # 2. The association drafts, leaves, resumes, adds costs and a file, checks and sends.
    ngo_page = signed_in_page(new_context, sign_in, ngo_rep)
    ngo_title = "Pihatalkoot Kulmakunnassa"
    ngo_drafts_resumes_and_sends(ngo_page, assert_accessible, tmp_path, ngo_title)

    # 3. The resident group sends its own proposal.
    group_page = signed_in_page(new_context, sign_in, contact)
    group_title = "Kulmakadun kesäjuhla"
    apply_from_call_page(group_page, assert_accessible, group_title)
    complete_and_send(group_page, assert_accessible, group_title)

    # 4. Staff send one for a group met at a pop-up point.
    assisted_title = "Puistokadun leikkipäivä"
    staff_sends_for_a_group(page, assert_accessible, assisted_title)

    # 5. The association has a second, complete draft open on "Check and send" when the deadline passes.
    call = db.session.execute(db.select(FundingCall)).scalar_one()
    late_title = "Syksyn lukupiiri"
    make_proposal(call, organisation=ngo, title=late_title)
    ngo_page.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    ngo_page.get_by_role("link", name=late_title, exact=True).click()
    expect_heading(ngo_page, late_title)
    assert_accessible(ngo_page)
    ngo_page.get_by_role("link", name="Check and send", exact=True).click()
    expect_heading(ngo_page, f"Check and send: {late_title}")
    # The server runs in its own (forked) process, so patching its clock from here would not reach it.
    # Moving the call's deadline into the past in the shared database is the same as the clock
    # passing the deadline: the server compares its own time with closes_at.
    db.session.refresh(call)
    call.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    ngo_page.get_by_role("button", name="Send the proposal").click()
    expect(ngo_page.get_by_role("alert")).to_contain_text(
        "The call has closed, so proposals can no longer be sent or changed."
    )
    expect(ngo_page.get_by_role("button", name="Send the proposal")).to_have_count(0)
    assert_accessible(ngo_page)
    ngo_page.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    expect(ngo_page.get_by_role("row", name=late_title)).to_contain_text("Draft – not sent yet")
    expect(ngo_page.get_by_role("link", name=action_name("Continue", late_title))).to_have_count(0)

    # 6. Staff check eligibility: one eligible, one not (a reason from the list plus free text).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funding calls").click()
    page.get_by_role("link", name=CALL_TITLE, exact=True).click()
    expect(page.get_by_role("link", name="Apply")).to_have_count(0)
    expect(page.locator(".status")).to_have_text("Closed")
    assert_accessible(page)
    page.get_by_role("link", name="Proposals to this call").click()
    sent = page.get_by_role("table", name="Proposals sent to this call")
    expect(sent.get_by_role("row")).to_have_count(4)
    expect(sent.get_by_role("row", name=assisted_title)).to_contain_text("With help from staff")
    expect(page.get_by_text("1 draft has not been sent.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=action_name("Check", ngo_title)).click()
    expect_heading(page, f"Check eligibility: {ngo_title}")
    assert_accessible(page)
    page.get_by_role("radio", name="Eligible", exact=True).check()
    page.get_by_role("button", name="Save the result").click()
    expect(page.get_by_role("status")).to_contain_text("The result was saved")

    page.get_by_role("link", name=action_name("Check", group_title)).click()
    expect_heading(page, f"Check eligibility: {group_title}")
    page.get_by_role("radio", name="Not eligible", exact=True).check()
    page.get_by_role("button", name="Save the result").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the reason why the proposal is not eligible.")
    assert_accessible(page)
    page.get_by_label("Reason, if not eligible").select_option(label="Information is missing from the proposal")
    page.get_by_label("Explanation for the applicant").fill("The goals do not say who organises the party.")
    page.get_by_role("button", name="Save the result").click()
    expect(page.get_by_role("status")).to_contain_text("The result was saved")
    expect(sent.get_by_role("row", name=ngo_title)).to_contain_text("Eligible")
    expect(sent.get_by_role("row", name=ngo_title)).not_to_contain_text("Not eligible")
    expect(sent.get_by_role("row", name=group_title)).to_contain_text("Not eligible")
    assert_accessible(page)

    # The applicants read the outcome and the reason on their proposal pages.
    ngo_page.get_by_role("link", name=ngo_title, exact=True).click()
    expect(ngo_page.locator(".status")).to_have_text("Being reviewed")
    expect(ngo_page.get_by_role("main")).to_contain_text("Result of the check")
    expect(ngo_page.get_by_text("Eligible", exact=True)).to_be_visible()
    assert_accessible(ngo_page)
    group_page.reload()
    expect(group_page.locator(".status")).to_have_text("Not eligible")
    expect(group_page.get_by_text("Not eligible: Information is missing from the proposal")).to_be_visible()
    expect(group_page.get_by_text("The goals do not say who organises the party.")).to_be_visible()
    assert_accessible(group_page)
