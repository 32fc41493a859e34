"""Main journeys clicked through in a real browser, with an axe-core scan of every page on the way.

Controls are found by their visible label or role (as a screen reader user would), so a missing or
wrong label fails the journey too.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_district

pytestmark = pytest.mark.browser

EMAIL = "uusi.asukas@example.com"
PASSWORD = "kolme sanaa jonossa"


def test_register_confirm_log_in_switch_language_add_organisations_log_out(page, live_server, outbox, assert_accessible):
    make_district("Keskusta", en="City centre")
    main_nav = page.get_by_role("navigation", name="Main")

    # Register. A too short password is refused first; the page keeps what was typed.
    page.goto(live_server.url("/"))
    assert_accessible(page)
    main_nav.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Your name").fill("Uusi Asukas")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("short")
    page.get_by_role("radio", name="English").check()
    page.get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("alert")).to_contain_text("Use at least")
    expect(page.get_by_label("Email address")).to_have_value(EMAIL)
    assert_accessible(page)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    # Confirm the address with the link from the mail.
    to, _, _ = outbox.messages()[-1]
    assert to == EMAIL
    link = outbox.last_link(r"https?://\S+/auth/verify/\S+")
    assert link.startswith(live_server.url("/")), f"the mail links to {link}, not to the site at {live_server.url()}"
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.get_by_role("status")).to_contain_text("Your email address is confirmed")
    expect(page.get_by_text(EMAIL)).to_contain_text("(confirmed)")
    assert_accessible(page)

    # Log out and back in.
    main_nav.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out")
    main_nav.get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged in")
    expect(main_nav.get_by_role("link", name="My account")).to_be_visible()

    # Switch language: Swedish, then back to English.
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")
    page.get_by_role("button", name="svenska").click()
    expect(html).to_have_attribute("lang", "sv")
    expect(page.get_by_role("button", name="svenska")).to_have_attribute("aria-current", "true")
    assert_accessible(page)
    page.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")

    # A registered association. A business ID with a wrong check digit is refused first.
    main_nav.get_by_role("link", name="Organisations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    assert_accessible(page)
    page.get_by_role("link", name="Add an organisation or resident group").click()
    assert_accessible(page)
    page.get_by_role("link", name="Registered association").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a registered association")
    assert_accessible(page)
    page.get_by_label("Name", exact=True).fill("Kulmakunnan asukasyhdistys ry")
    page.get_by_label("Business ID (Y-tunnus)").fill("1572860-1")
    page.get_by_label("Email").fill("hallitus@kulmakunta.example")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert")).to_contain_text("Business ID (Y-tunnus)")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Kulmakunnan asukasyhdistys ry")
    expect(page.get_by_label("Business ID (Y-tunnus)")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.get_by_label("Business ID (Y-tunnus)").fill("1572860-0")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kulmakunnan asukasyhdistys ry")
    expect(page.get_by_role("status")).to_contain_text("You are its representative")
    expect(page.get_by_text("1572860-0")).to_be_visible()
    assert_accessible(page)

    # A resident group: a district and a named contact person instead of a business ID.
    main_nav.get_by_role("link", name="Organisations").click()
    page.get_by_role("link", name="Add an organisation or resident group").click()
    page.get_by_role("link", name="Resident group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a resident group")
    assert_accessible(page)
    expect(page.get_by_label("Business ID (Y-tunnus)")).to_have_count(0)
    # The group's own name comes before the contact people's names in the form.
    page.get_by_label("Name", exact=True).first.fill("Kulmakadun pihaporukka")
    page.get_by_label("District").select_option(label="City centre")
    first_contact = page.get_by_role("group", name="Contact person 1")
    first_contact.get_by_label("Name").fill("Pirjo Piha")
    first_contact.get_by_label("Phone").fill("040 123 4567")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kulmakadun pihaporukka")
    expect(page.get_by_role("link", name="City centre")).to_be_visible()
    expect(page.get_by_text("Pirjo Piha")).to_contain_text("040 123 4567")
    assert_accessible(page)

    main_nav.get_by_role("link", name="Organisations").click()
    own_organisations = page.get_by_role("main").get_by_role("list").first
    expect(own_organisations).to_contain_text("Kulmakunnan asukasyhdistys ry")
    expect(own_organisations).to_contain_text("Kulmakadun pihaporukka")

    # Log out: the account pages are closed again.
    main_nav.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out")
    expect(main_nav.get_by_role("link", name="Log in")).to_be_visible()
    page.goto(live_server.url("/auth/account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert re.search(r"[?&]next=", page.url), page.url
