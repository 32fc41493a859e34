"""Implementation of a funded PB project in a real browser, with an axe-core scan of every page on the way.

A result is published, so its funded projects have implementation records. A resident follows one
from its story page; staff refuse bad input on the record (the form keeps what was typed), then set
the status, money and dates and post three timeline updates (one with a photo and its description);
the follower gets a mail for each. Anyone reads the story (at 320 px too), and the follower stops the
mail from the link in it, without signing in. Controls are found by label or role.
"""

import re

import pytest
from playwright.sync_api import expect

from pb.extensions import db
from pb.implementation.models import ImplementationStatus, ProjectFollower, ProjectImplementation
from tests.browser.test_small_screens import SCREEN_WIDTH, overflow
from tests.factories import PASSWORD
from tests.implementation.support import funded_round, png_bytes, resident, staff_member

pytestmark = pytest.mark.browser

UPDATES = (
    ("Suunnitelma on valmis.", "The plan is ready."),
    ("Leikkivälineet on tilattu.", "The play equipment is ordered."),
    ("Leikkipuisto on avattu.", "The playground is open."),
)


def expect_heading(page, text):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def action_name(action, title):
    """A link like "Edit<span class=visually-hidden>: title</span>" (browsers put a space before the hidden part)."""
    return re.compile(rf"^{action}\s*: {re.escape(title)}$")


def post_update(page, assert_accessible, title, finnish, english, photo=None, scan=False):
    page.get_by_role("link", name="Post an update").click()
    expect_heading(page, f"Post an update: {title}")
    if scan:
        assert_accessible(page)
    text = page.get_by_role("group", name="What has happened")
    text.get_by_label("In Finnish").fill(finnish)
    text.get_by_label("In English").fill(english)
    if photo is not None:
        page.get_by_label("Photo").set_input_files(photo)
        about = page.get_by_role("group", name="What the photo shows (for people who cannot see it)")
        about.get_by_label("In Finnish").fill("Uudet keinut leikkipuistossa.")
        about.get_by_label("In English").fill("New swings in the playground.")
    page.get_by_role("button", name="Publish the update").click()
    expect(page.get_by_role("status")).to_contain_text(
        "The update is published. Its 1 follower gets an email about it."
    )
    expect_heading(page, title)


def test_a_pb_project_gets_three_updates_its_follower_mail_and_a_public_story(
    app, live_server, new_context, sign_in, assert_accessible, outbox, tmp_path
):
    budget_round, _budget, _run, records = funded_round(app)
    record = records[0]
    title = record.project.title["fi"]
    follower, staff = resident(), staff_member()
    project_id, round_id = record.project_id, budget_round.id
    db.session.commit()  # ends the read transaction before the server process writes

    # A resident finds the project from the round's list of funded projects and follows it.
    reader = new_context().new_page()
    sign_in(reader, follower.email, PASSWORD)
    reader.goto(live_server.url(f"/implementation/rounds/{round_id}"))
    expect_heading(reader, "Funded projects: Round")
    assert_accessible(reader)
    reader.get_by_role("link", name=title).click()
    expect_heading(reader, title)
    assert_accessible(reader)
    reader.get_by_role("button", name="Follow this project").click()
    expect(reader.get_by_role("status")).to_contain_text("You now follow this project")
    expect(reader.get_by_role("button", name="Stop following this project")).to_be_visible()
    assert_accessible(reader)

    # Staff: the overview, then bad input on the record, refused next to its fields and kept.
    desk = new_context().new_page()
    sign_in(desk, staff.email, PASSWORD)
    desk.goto(live_server.url("/implementation/manage"))
    expect_heading(desk, "Implementation of funded projects")
    assert_accessible(desk)
    desk.get_by_role("link", name=action_name("Edit", title)).click()
    expect_heading(desk, f"Edit the implementation: {title}")
    assert_accessible(desk)
    desk.get_by_label("Responsible unit").fill("Parks and streets")
    desk.get_by_label("In progress").check()
    desk.get_by_label("Progress (%)").fill("120")
    desk.get_by_label("Actual cost so far (euros)").fill("-10")
    desk.get_by_label("Planned start").fill("2026-03-01")
    desk.get_by_label("Planned end").fill("2026-02-01")
    desk.get_by_role("button", name="Save").click()
    summary = desk.get_by_role("alert")
    expect(summary).to_contain_text("The progress is a whole number from 0 to 100.")
    expect(summary).to_contain_text("The amount cannot be negative.")
    expect(summary).to_contain_text("The end date cannot be before the start date.")
    expect(desk.get_by_label("Progress (%)")).to_have_value("120")
    expect(desk.get_by_label("Responsible unit")).to_have_value("Parks and streets")
    assert_accessible(desk)
    desk.get_by_label("Progress (%)").fill("40")
    desk.get_by_label("Actual cost so far (euros)").fill("12 500")
    desk.get_by_label("Planned end").fill("2030-10-31")
    desk.get_by_role("button", name="Save").click()
    expect(desk.get_by_role("status")).to_contain_text("The changes were saved.")
    expect_heading(desk, title)

    # Three timeline updates; the first with a photo.
    photo = tmp_path / "keinut.png"
    photo.write_bytes(png_bytes((120, 80)))
    for number, (finnish, english) in enumerate(UPDATES):
        post_update(desk, assert_accessible, title, finnish, english, photo=photo if number == 0 else None,
                    scan=number == 0)
    assert_accessible(desk)

    mails = [mail for mail in outbox.messages() if mail[0] == follower.email]
    assert len(mails) == 3
    for (_to, subject, body), (_finnish, english) in zip(mails, UPDATES):
        assert title in subject and english in body

    # Anyone reads the story: status, money, the vote, and the three updates newest first, with the photo.
    public = new_context(viewport={"width": SCREEN_WIDTH, "height": 640}).new_page()
    public.goto(live_server.url(f"/implementation/rounds/{round_id}"))
    assert overflow(public) is None, overflow(public)
    assert_accessible(public)
    public.goto(live_server.url(f"/implementation/projects/{project_id}"))
    expect_heading(public, title)
    main = public.get_by_role("main")
    expect(main).to_contain_text("Progress: 40 %")
    expect(main).to_contain_text("€12,500.00")
    expect(main).to_contain_text("Most votes first")
    timeline = public.locator("ol.timeline > li")
    expect(timeline).to_have_count(3)
    expect(timeline.first).to_contain_text(UPDATES[2][1])
    expect(timeline.last).to_contain_text(UPDATES[0][1])
    picture = public.get_by_role("img", name="New swings in the playground.")
    expect(picture).to_be_visible()
    assert public.evaluate("element => element.naturalWidth", picture.element_handle()) == 120
    assert overflow(public) is None, overflow(public)
    assert_accessible(public)

    # The follower stops the mail from the link in it, without signing in.
    link = outbox.last_link(r"https?://\S+/implementation/unfollow/\S+")
    # With REDIS_URL the mail job runs in this process, inside pytest-flask's request context, whose host
    # is not the live server's: the path is what the mail tells.
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    stranger = new_context().new_page()
    stranger.goto(live_server.url(path))
    expect_heading(stranger, "Stop the mail about a project")
    assert_accessible(stranger)
    stranger.get_by_role("button", name="Stop the mail").click()
    expect(stranger.get_by_role("status")).to_contain_text(f'You no longer follow the project "{title}"')
    assert_accessible(stranger)

    db.session.expire_all()
    assert db.session.execute(db.select(ProjectFollower)).scalars().all() == []
    stored = db.session.get(ProjectImplementation, record.id)
    assert (stored.status, stored.progress) == (ImplementationStatus.IN_PROGRESS, 40)
    assert stored.actual_cost_cents == 1_250_000
    assert len(stored.updates) == 3
