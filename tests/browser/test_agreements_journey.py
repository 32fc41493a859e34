"""A funding agreement in a real browser, with an axe-core scan of every page on the way.

An approved proposal gets an agreement: staff set the report dates, two indicators and two instalments
and send it; both sides accept. The mid-term report is late (the reminder mails are in the outbox);
the grantee sends it and the final report; staff return the first for changes, then accept both; the
instalment linked to the final report is released; the public story page shows the result.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pb.agreements import jobs
from pb.agreements.models import Agreement, InstalmentStatus, ReportStatus, helsinki_today
from pb.extensions import db
from tests.agreements.support import approved_proposal
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def expect_heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def fill_report(page, participants, scale, narrative):
    page.get_by_label("Participants (people)").fill(participants)
    page.get_by_label("Satisfaction").fill(scale)
    page.get_by_label("What was done in this period").fill(narrative)
    page.get_by_label("Spent on: Sound (euros)").fill("800")
    page.get_by_label("Day of the spending: Sound").fill(helsinki_today().isoformat())
    page.get_by_label("Participants (optional)", exact=True).fill("90")
    page.get_by_label("Of them, from the target groups").fill("30")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("status")).to_contain_text("The report was sent.")


def test_an_approved_proposal_gets_an_agreement_reports_and_a_released_instalment(
    app, live_server, new_context, sign_in, assert_accessible, outbox
):
    setup = approved_proposal()
    today = helsinki_today()
    proposal_id = setup.proposal.id
    db.session.commit()

    desk = new_context().new_page()
    sign_in(desk, setup.staff.email, PASSWORD)
    desk.goto(live_server.url("/agreements/manage"))
    assert_accessible(desk)
    desk.get_by_role("button", name="Draft the agreement").click()
    expect_heading(desk, "Agreement: Yard party")
    assert_accessible(desk)

    desk.get_by_role("link", name="Change the conditions and the report schedule").click()
    assert_accessible(desk)
    desk.get_by_label("Report dates").fill(
        f"{today - timedelta(days=3):%d.%m.%Y}\n{today + timedelta(days=5):%d.%m.%Y}"
    )
    desk.get_by_role("button", name="Save").click()
    expect(desk.get_by_role("status")).to_contain_text("The terms and the report schedule were saved.")

    for name, kind, unit in (("Participants", "Count (a whole number)", "people"),
                             ("Satisfaction", "Scale (a number between the lowest and highest value)", "")):
        desk.get_by_role("link", name="Add an indicator").click()
        assert_accessible(desk)
        desk.get_by_label("Name").fill(name)
        desk.get_by_label("Unit").fill(unit)
        desk.get_by_label("Target").fill("4" if unit == "" else "150")
        desk.get_by_label(kind).check()
        if unit == "":
            desk.get_by_label("Lowest value of the scale").fill("1")
            desk.get_by_label("Highest value of the scale").fill("5")
        desk.get_by_role("button", name="Save").click()
        expect(desk.get_by_role("status")).to_contain_text("The indicator was saved.")

    desk.get_by_role("link", name="Add an instalment").click()
    assert_accessible(desk)
    desk.get_by_label("Amount (euros)").fill("5000")  # over the grant: refused, the amount kept
    desk.get_by_label("Release date").fill(today.isoformat())
    desk.get_by_role("button", name="Add").click()
    expect(desk.get_by_text("more than the remaining grant").first).to_be_visible()
    expect(desk.get_by_label("Amount (euros)")).to_have_value("5000")
    assert_accessible(desk)
    desk.get_by_label("Amount (euros)").fill("2000")
    desk.get_by_role("button", name="Add").click()
    desk.get_by_role("link", name="Add an instalment").click()
    desk.get_by_label("Amount (euros)").fill("1000")
    desk.get_by_label("Released when this report is accepted (its number)").fill("2")
    desk.get_by_role("button", name="Add").click()
    desk.get_by_role("button", name="Send for acceptance as a new version").click()
    expect(desk.get_by_role("status")).to_contain_text("Version 1 was sent for acceptance.")
    desk.get_by_role("button", name="Accept for the municipality").click()
    expect(desk.get_by_role("status")).to_contain_text("You accepted version 1.")

    grantee = new_context().new_page()
    sign_in(grantee, setup.grantee.email, PASSWORD)
    grantee.goto(live_server.url("/agreements/"))
    assert_accessible(grantee)
    grantee.get_by_role("link", name="Yard party").click()
    grantee.get_by_role("link", name="Version 1").click()
    assert_accessible(grantee)
    grantee.go_back()
    grantee.get_by_role("button", name="Accept for the grantee").click()
    expect(grantee.get_by_role("status")).to_contain_text("The agreement is in force")
    assert_accessible(grantee)

    # The mid-term report is 3 days late, the final one due in 5 days: one reminder each.
    db.session.expire_all()
    assert jobs.queue_due_reminders() == 2
    subjects = [subject for to, subject, _body in outbox.messages() if to == setup.grantee.email]
    assert any("Report overdue: Yard party" in s for s in subjects)
    assert any("Report due soon: Yard party" in s for s in subjects)

    grantee.reload()
    grantee.get_by_role("link", name="Report 1").click()
    expect_heading(grantee, "Report 1: Yard party")
    assert_accessible(grantee)
    grantee.get_by_label("Participants (people)").fill("lots")  # the wrong kind: refused, kept
    grantee.get_by_role("button", name="Save the draft").click()
    expect(grantee.get_by_text("Write a whole number, 0 or more (for example 12).").first).to_be_visible()
    expect(grantee.get_by_label("Participants (people)")).to_have_value("lots")
    assert_accessible(grantee)
    fill_report(grantee, "120", "4", "The party was held in the park.")
    grantee.get_by_role("link", name="Back to the agreement").click()
    grantee.get_by_role("link", name="Report 2 (final report)").click()
    fill_report(grantee, "150", "5", "The second party was even bigger.")

    agreement_id = db.session.execute(db.select(Agreement.id)).scalar_one()
    desk.goto(live_server.url(f"/agreements/{agreement_id}"))
    desk.get_by_role("link", name="Report 1").click()
    assert_accessible(desk)
    desk.get_by_label("Comment").fill("Please tell more about who came.")
    desk.get_by_role("button", name="Return for changes").click()
    expect(desk.get_by_role("status")).to_contain_text("returned to the grantee")

    grantee.goto(live_server.url(f"/agreements/{agreement_id}"))
    grantee.get_by_role("link", name="Report 1").click()
    expect(grantee.get_by_text("Please tell more about who came.")).to_be_visible()
    fill_report(grantee, "120", "4", "The party was held in the park. Most came from the blocks nearby.")

    for number in ("Report 1", "Report 2 (final report)"):
        desk.goto(live_server.url(f"/agreements/{agreement_id}"))
        desk.get_by_role("link", name=number).click()
        desk.get_by_role("button", name="Accept the report").click()
        expect(desk.get_by_role("status")).to_contain_text("The report was accepted.")
    desk.get_by_role("link", name="Back to the agreement").click()
    desk.get_by_role("button", name="Release instalment 2").click()
    expect(desk.get_by_role("status")).to_contain_text("released for payment")
    assert_accessible(desk)

    db.session.expire_all()
    agreement = db.session.get(Agreement, agreement_id)
    assert [r.status for r in agreement.reports] == [ReportStatus.ACCEPTED, ReportStatus.ACCEPTED]
    assert len(agreement.reports[0].submissions) == 2
    assert agreement.instalments[1].status is InstalmentStatus.RELEASED

    public = new_context().new_page()
    public.goto(live_server.url(f"/agreements/stories/{proposal_id}"))
    expect_heading(public, "Yard party")
    assert_accessible(public)
    story = public.get_by_role("main")
    expect(story).to_contain_text("Kulmakunta ry")
    expect(story.get_by_role("table")).to_contain_text("150")
    expect(story).not_to_contain_text("Grantee Person")
