"""The steering group's review and decision in a real browser, with an axe-core scan of every page.

Three members declare (one is recused from a proposal), score blind and see the others' scores only
after submitting; staff enter the paper scores of an expert by experience; staff prepare the meeting;
the chair approves one proposal with a smaller amount and conditions, rejects one with reasons and
returns one; the chair signs the minutes (page and PDF); the applicant reads the decision and the
appeal text; the returned proposal is changed and sent again; the public decision page shows it all.
"""

import re

import pytest
from playwright.sync_api import expect

from pb.extensions import db
from pb.review.models import Recommendation
from tests.factories import PASSWORD
from tests.review.support import review_setup, score

pytestmark = pytest.mark.browser


def named(action, title):
    """A link like "Record the decision<span class=visually-hidden>: Alpha</span>"."""
    return re.compile(rf"^{action}\s*: {re.escape(title)}$")


def signed_in(new_context, sign_in, user):
    page = new_context().new_page()
    sign_in(page, user.email, PASSWORD)
    return page


def heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def fill_sheet(page, call, points, recommendation="Fund"):
    for criterion, value in zip(call.criteria, points, strict=True):
        page.get_by_label(f"Points for {criterion.display_name}").select_option(value)
    page.get_by_label(f"Comment on {call.criteria[0].display_name}").fill("Clear plan.")
    page.get_by_label(recommendation, exact=True).check()


def test_members_score_blind_chair_decides_applicants_are_told(live_server, new_context, sign_in, assert_accessible):
    setup = review_setup()
    alpha, beta, gamma = setup.proposals
    gamma_applicant = gamma.organisation.memberships[0].user
    gamma_applicant.locale = "en"
    db.session.commit()
    call = setup.call
    # The chair has already scored everything (blind to the others until now).
    for proposal, points in ((alpha, (5, 4, 4)), (beta, (1, 1, 2)), (gamma, (3, 3, 3))):
        score(proposal, setup.chair, *points)

    # --- a member: recused from Beta, scores Alpha blind, then sees the chair's scores
    page = signed_in(new_context, sign_in, setup.member)
    page.get_by_role("link", name="Reviews").click()
    heading(page, "Reviews")
    assert_accessible(page)
    page.get_by_role("link", name=call.display_title).click()
    heading(page, f"Review: {call.display_title}")
    assert_accessible(page)
    page.get_by_role("link", name="Beta").click()
    heading(page, "Conflict of interest: Beta")
    assert_accessible(page)
    page.get_by_label("Yes, I have a conflict of interest").check()
    page.get_by_role("button", name="Save the declaration").click()
    expect(page.get_by_role("alert")).to_contain_text("Write the reason for the conflict of interest")
    assert_accessible(page)
    page.get_by_label("Reason for the conflict").fill("I am on the board of the applicant.")
    page.get_by_role("button", name="Save the declaration").click()
    expect(page.get_by_role("status")).to_contain_text("Your conflict of interest was recorded")
    expect(page.get_by_role("row", name="Beta")).to_contain_text("Recused")
    expect(page.get_by_role("link", name="Beta")).to_have_count(0)
    assert page.request.get(live_server.url(f"/review/proposals/{beta.id}")).status == 403

    page.get_by_role("link", name="Alpha").click()
    page.get_by_label("No conflict of interest").check()
    page.get_by_role("button", name="Save the declaration").click()
    heading(page, "Review: Alpha")
    expect(page.get_by_text("The other reviewers' scores are shown after you submit your own review.")).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text("Chair Person")
    assert_accessible(page)
    page.get_by_label(f"Points for {call.criteria[0].display_name}").select_option("4")
    page.get_by_label(f"Points for {call.criteria[1].display_name}").select_option("na")
    page.get_by_role("button", name="Submit the review").click()
    expect(page.get_by_role("alert")).to_contain_text(f"{call.criteria[2].display_name}: choose the points")
    assert_accessible(page)
    fill_sheet(page, call, ("4", "na", "3"))
    page.get_by_role("button", name="Submit the review").click()
    expect(page.get_by_role("status")).to_contain_text("Your review was submitted")
    reviews_table = page.get_by_role("table", name="Points by reviewer and criterion")
    expect(reviews_table.get_by_role("row", name=re.compile("Chair Person"))).to_contain_text("Fund")
    expect(reviews_table.get_by_role("row", name=re.compile("Member Person"))).to_contain_text("not applicable")
    assert_accessible(page)
    page.get_by_role("link", name=call.display_title).click()
    page.get_by_role("link", name="Ranking").click()
    heading(page, f"Ranking: {call.display_title}")
    ranking = page.get_by_role("table", name="Proposals in ranking order")
    expect(ranking.get_by_role("row", name=re.compile("Gamma"))).to_contain_text("Shown after you submit your own review")
    expect(ranking).not_to_contain_text("Beta")
    assert_accessible(page)
    score(gamma, setup.member, 2, 3, 4)

    # --- staff: the expert by experience's paper sheet, then the meeting
    staff_page = signed_in(new_context, sign_in, setup.staff)
    staff_page.goto(live_server.url(f"/review/calls/{call.id}"))
    heading(staff_page, f"Review: {call.display_title}")
    expect(staff_page.get_by_role("table", name="Each reviewer's state on each proposal")).to_contain_text("Recused")
    assert_accessible(staff_page)
    staff_page.get_by_role("link", name="Expert Person", exact=True).click()
    heading(staff_page, f"Review pack of Expert Person: {call.display_title}")
    assert_accessible(staff_page)
    pdf = staff_page.request.get(live_server.url(f"/review/calls/{call.id}/pack/"
                                                 f"{next(m.id for m in setup.group.members if m.user_id == setup.expert.id)}.pdf"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    staff_page.goto(live_server.url(f"/review/proposals/{alpha.id}"))
    staff_page.get_by_role("link", name="Enter the paper review of Expert Person").click()
    heading(staff_page, "Paper review of Expert Person: Alpha")
    assert_accessible(staff_page)
    staff_page.get_by_label("No conflict of interest").check()
    fill_sheet(staff_page, call, ("5", "5", "4"), recommendation="Fund with changes")
    staff_page.get_by_role("button", name="Submit the review").click()
    expect(staff_page.get_by_role("status")).to_contain_text("The paper review of Expert Person was saved")
    expect(staff_page.get_by_role("table", name="Points by reviewer and criterion")).to_contain_text("Expert Person (on paper)")
    assert_accessible(staff_page)
    score(beta, setup.expert, 1, 2, 1, actor=setup.staff, recommendation=Recommendation.DO_NOT_FUND)

    staff_page.goto(live_server.url(f"/review/calls/{call.id}"))
    staff_page.get_by_role("link", name="Register of conflicts of interest").click()
    expect(staff_page.get_by_role("table", name="Register of conflicts of interest")).to_contain_text(
        "I am on the board of the applicant.")
    assert_accessible(staff_page)
    staff_page.goto(live_server.url(f"/review/calls/{call.id}"))
    staff_page.get_by_role("link", name="Prepare a decision meeting").click()
    heading(staff_page, f"Prepare a decision meeting: {call.display_title}")
    assert_accessible(staff_page)
    staff_page.get_by_label("Date and time (Finnish time)").fill("2030-01-15T17:00")
    staff_page.get_by_label("Place or video link").fill("City hall, room 2")
    staff_page.get_by_role("button", name="Prepare the meeting").click()
    expect(staff_page.get_by_role("status")).to_contain_text("The meeting was prepared")
    meeting_url = staff_page.url
    assert_accessible(staff_page)

    # --- the chair runs the meeting
    chair_page = signed_in(new_context, sign_in, setup.chair)
    chair_page.goto(meeting_url)
    chair_page.get_by_role("button", name="Start the meeting").click()
    expect(chair_page.get_by_role("status")).to_contain_text("The meeting has started")
    agenda = chair_page.get_by_role("table", name="Agenda: proposals to decide")
    expect(agenda.get_by_role("row").nth(1)).to_contain_text("Alpha")  # the best mean comes first
    assert_accessible(chair_page)

    chair_page.get_by_role("link", name=named("Record the decision", "Alpha")).click()
    heading(chair_page, "Decision: Alpha")
    assert_accessible(chair_page)
    chair_page.get_by_label("Approved with a smaller amount").check()
    chair_page.get_by_label("Reduced amount, in euros").fill("3 000")
    chair_page.get_by_label("Conditions").fill("Report on the evenings by the end of May.")
    chair_page.get_by_role("button", name="Record the decision").click()
    expect(chair_page.get_by_role("alert")).to_contain_text("Write the reasons for the decision")
    expect(chair_page.get_by_label("Conditions")).to_have_value("Report on the evenings by the end of May.")
    assert_accessible(chair_page)
    chair_page.get_by_label("Reasons (public)").fill("A good plan; the rent is higher than needed.")
    chair_page.get_by_role("button", name="Record the decision").click()
    expect(chair_page.get_by_role("status")).to_contain_text("The decision was recorded")

    chair_page.get_by_role("link", name=named("Record the decision", "Beta")).click()
    chair_page.get_by_label("Not approved").check()
    chair_page.get_by_label("Reasons (public)").fill("The activity is not open to all residents.")
    chair_page.get_by_role("button", name="Record the decision").click()
    chair_page.get_by_role("link", name=named("Record the decision", "Gamma")).click()
    chair_page.get_by_label("Returned for more information").check()
    chair_page.get_by_label("Reasons (public)").fill("Tell us who runs the evenings.")
    chair_page.get_by_role("button", name="Record the decision").click()
    expect(chair_page.get_by_role("status")).to_contain_text("The decision was recorded")

    chair_page.get_by_role("link", name="Close the meeting").click()
    heading(chair_page, "Close the meeting")
    assert_accessible(chair_page)
    chair_page.get_by_label("Other notes for the minutes").fill("The meeting ended at 18.30.")
    chair_page.get_by_role("button", name="Close the meeting").click()
    expect(chair_page.get_by_role("status")).to_contain_text("The meeting was closed")
    minutes = chair_page.get_by_role("main")
    for text in ("Chair Person", "Member Person", "I am on the board of the applicant.",
                 "Report on the evenings by the end of May.", "The activity is not open to all residents.",
                 "Tell us who runs the evenings.", "The meeting ended at 18.30."):
        expect(minutes).to_contain_text(text)
    assert_accessible(chair_page)
    chair_page.get_by_role("button", name="Sign the minutes").click()
    expect(chair_page.get_by_role("status")).to_contain_text("The minutes were signed")
    expect(chair_page.get_by_role("button", name="Sign the minutes")).to_have_count(0)
    assert_accessible(chair_page)
    pdf = chair_page.request.get(chair_page.url.split("/minutes")[0] + "/minutes.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    # --- the applicant reads the decision, its reasons, conditions and the appeal text
    applicant_page = signed_in(new_context, sign_in, setup.applicant)
    applicant_page.goto(live_server.url(f"/proposals/{alpha.id}"))
    decision = applicant_page.get_by_role("main")
    for text in ("Approved with a smaller amount", "€3,000.00", "A good plan; the rent is higher than needed.",
                 "Report on the evenings by the end of May.", "Ask for a review within 14 days."):
        expect(decision).to_contain_text(text)
    for name in ("Chair Person", "Member Person", "Expert Person"):
        expect(decision).not_to_contain_text(name)
    assert_accessible(applicant_page)
    assert applicant_page.request.get(live_server.url(f"/review/proposals/{alpha.id}")).status == 403

    # --- the returned proposal is changed and sent again
    gamma_page = signed_in(new_context, sign_in, gamma_applicant)
    gamma_page.goto(live_server.url(f"/proposals/{gamma.id}"))
    expect(gamma_page.locator(".status")).to_have_text("More information asked")
    expect(gamma_page.get_by_role("main")).to_contain_text("Tell us who runs the evenings.")
    assert_accessible(gamma_page)
    gamma_page.get_by_role("link", name="Change the proposal").click()
    gamma_page.get_by_label("Description").fill("Two volunteers from the yard run the evenings.")
    gamma_page.get_by_role("button", name="Save and continue").click()
    gamma_page.goto(live_server.url(f"/proposals/{gamma.id}/preview"))
    gamma_page.get_by_role("button", name="Send the changes").click()
    expect(gamma_page.get_by_role("status")).to_contain_text("Your changes were sent (version 2)")
    expect(gamma_page.locator(".status")).to_have_text("Being reviewed")
    assert_accessible(gamma_page)

    # the reviewers see that a new version came in
    page.goto(live_server.url(f"/review/proposals/{gamma.id}"))
    expect(page.get_by_role("main")).to_contain_text("Your review is of version 1. The applicant has since sent version 2.")
    assert_accessible(page)

    # --- the public decision page
    public = new_context().new_page()
    public.goto(live_server.url(f"/decisions/calls/{call.id}"))
    heading(public, f"Decisions: {call.display_title}")
    main = public.get_by_role("main")
    for text in ("Alpha", "€3,000.00", "Report on the evenings by the end of May.", "Beta",
                 "The activity is not open to all residents."):
        expect(main).to_contain_text(text)
    expect(main).not_to_contain_text("Gamma")
    for name in ("Applicant Person", "Chair Person"):
        expect(main).not_to_contain_text(name)
    assert_accessible(public)
