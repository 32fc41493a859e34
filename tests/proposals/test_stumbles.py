"""Where the first applicants stalled or lost work (issue #16, points 1 to 6): each test failed before."""

import re
from datetime import date, timedelta

import pytest

from pb.extensions import db
from pb.orgs.models import MemberRole, Membership, Organisation, OrganisationKind
from pb.proposals import services
from pb.proposals.models import Eligibility, IneligibilityReason, Proposal, ProposalStatus
from tests.factories import make_call, make_organisation, make_proposal, make_user
from tests.helpers import post_form
from tests.proposals.conftest import text
from tests.proposals.test_routes import basics, budget, fresh, step_url

DAY = timedelta(days=1)


@pytest.fixture
def signed_in(rep, login):
    login(rep)
    return rep


@pytest.fixture
def draft(call, ngo, rep):
    return make_proposal(call, organisation=ngo, representative=rep, lines=(), goals=0, title="Luonnos")


def _hidden(page, name):
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"|type="hidden" name="{name}" value="([^"]*)"',
                     page)


def _form_fields(page):
    """The hidden version and loaded values and the CSRF token of a step page."""
    version = next(group for group in _hidden(page, "version").groups() if group is not None)
    loaded = next(group for group in _hidden(page, "loaded").groups() if group is not None)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    import html

    return {"version": version, "loaded": html.unescape(loaded), "csrf_token": token}


# --- 1. a draft keeps whatever was typed -------------------------------------------------------


def test_a_budget_below_the_minimum_is_saved_as_a_draft_and_checked_on_sending(client, signed_in):
    call = make_call("open", min_grant_cents=1_000_00, cofunding_percent=20)
    ngo = make_organisation("ngo", representative=signed_in)
    proposal = make_proposal(call, organisation=ngo, lines=(), goals=1)
    response = post_form(client, step_url(proposal, "budget"),
                         budget(proposal.version_id, lines=(("Hall rent", "800"),), cofunding="0", then="stay"))
    assert response.status_code == 302
    assert [line.amount_cents for line in fresh(proposal.id).budget_lines] == [800_00]
    page = text(client.get(step_url(proposal, "budget")))
    assert "Now you ask for €800.00." in page
    assert "must be at least €1,000.00" in page and "at least 20 %" in page
    response = post_form(client, f"/proposals/{proposal.id}/submit", {"version": str(fresh(proposal.id).version_id)},
                         form_url=f"/proposals/{proposal.id}/preview")
    assert response.status_code == 422
    assert fresh(proposal.id).status is ProposalStatus.DRAFT


def test_the_amount_box_follows_the_form_when_the_page_comes_back_with_errors(client, draft, signed_in):
    response = post_form(client, step_url(draft, "budget"),
                         budget(draft.version_id, lines=(("Hall rent", "800"), ("Coffee", "lots"))))
    assert response.status_code == 422
    page = text(response)
    assert "Now you ask for €800.00." in page
    assert "Now you ask for €0.00." not in page


# --- 2. moving between steps saves first ---------------------------------------------------------


def test_step_buttons_save_and_move(client, draft, signed_in):
    page = text(client.get(step_url(draft, "basics")))
    assert "does not save what you typed" not in page
    start = page.index('<form method="post" action="/proposals/')
    form = page[start:page.index("</form>", start)]
    assert 'name="then" value="goals"' in form and 'name="then" value="preview"' in form
    assert f'href="/proposals/{draft.id}/edit/budget"' not in page  # no link that throws typing away
    response = post_form(client, step_url(draft, "basics"), basics(draft.version_id, title="Moved", then="goals"))
    assert response.status_code == 302
    assert response.location.endswith(step_url(draft, "goals"))
    assert fresh(draft.id).title == "Moved"
    response = post_form(client, step_url(draft, "goals"), {"version": str(fresh(draft.id).version_id),
                                                            "then": "preview"})
    assert response.location.endswith(f"/proposals/{draft.id}/preview")


# --- 3. edit conflicts by field ------------------------------------------------------------------


@pytest.fixture
def two_editors(draft, rep, client_for):
    second = make_user(locale="en")
    db.session.add(Membership(organisation_id=draft.organisation_id, user_id=second.id, role=MemberRole.REPRESENTATIVE))
    db.session.commit()
    return client_for(rep), client_for(second)


def test_different_fields_and_steps_do_not_block_each_other(draft, two_editors):
    first, second = two_editors
    as_loaded = {"summary": draft.summary, "description": draft.description, "target_groups": draft.target_groups}
    first_basics = _form_fields(text(first.get(step_url(draft, "basics"))))
    second_basics = _form_fields(text(second.get(step_url(draft, "basics"))))
    second_budget = _form_fields(text(second.get(step_url(draft, "budget"))))

    response = first.post(step_url(draft, "basics"), data={**basics(0, title="Luonnos", summary="First's summary"),
                                                           **first_basics})
    assert response.status_code == 302
    # Another step, from a form shown before the first save.
    response = second.post(step_url(draft, "budget"), data={**budget(0), **second_budget})
    assert response.status_code == 302
    # The same step, another field.
    response = second.post(step_url(draft, "basics"), data={**basics(0, title="Second's title", **as_loaded),
                                                            **second_basics})
    assert response.status_code == 302
    saved = fresh(draft.id)
    assert saved.title == "Second's title" and saved.summary == "First's summary"
    assert len(saved.budget_lines) == 2


def test_a_real_conflict_shows_both_versions_and_keeps_the_typing(draft, two_editors):
    first, second = two_editors
    first_basics = _form_fields(text(first.get(step_url(draft, "basics"))))
    second_basics = _form_fields(text(second.get(step_url(draft, "basics"))))
    assert second.post(step_url(draft, "basics"),
                       data={**basics(0, title="Second's title"), **second_basics}).status_code == 302
    response = first.post(step_url(draft, "basics"), data={**basics(0, title="First's title"), **first_basics})
    assert response.status_code == 409
    page = text(response)
    assert "Saved by someone else" in page
    table = page[page.index("<table>"):page.index("</table>")]
    assert "Second&#39;s title" in table and "First&#39;s title" in table
    assert 'value="First&#39;s title"' in page
    assert fresh(draft.id).title == "Second's title"
    # Saving again, having seen the other version, keeps what this person typed.
    again = _form_fields(page)
    response = first.post(step_url(draft, "basics"), data={**basics(0, title="First's title"), **again})
    assert response.status_code == 302
    assert fresh(draft.id).title == "First's title"


# --- 4. what comes next, and when ---------------------------------------------------------------


def _screened(call, rep, eligibility, monkeypatch):
    ngo = make_organisation("ngo", representative=rep)
    proposal = make_proposal(call, organisation=ngo, state="submitted")
    staff = make_user(staff=True, locale="en", email="checker@example.fi")
    monkeypatch.setattr(services, "clock", lambda: call.closes_at + DAY)
    reason = IneligibilityReason.INCOMPLETE if eligibility is Eligibility.NOT_ELIGIBLE else None
    services.screen(staff, proposal, eligibility, reason, "The budget is missing.", now=call.closes_at + DAY)
    db.session.commit()
    return proposal


def test_not_eligible_tells_how_to_ask_for_a_correction_and_by_when(client, rep, signed_in, monkeypatch, outbox):
    call = make_call("open", correction_text={"fi": "Pyydä oikaisua.", "en": "Write to us within the time."},
                     correction_days=14)
    proposal = _screened(call, rep, Eligibility.NOT_ELIGIBLE, monkeypatch)
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert "How to ask for a correction" in page
    assert "Write to us within the time." in page
    deadline = (proposal.screened_at + timedelta(days=14)).date()
    assert f"by {deadline.day} " in page and "(within 14 days" in page
    assert 'href="mailto:checker@example.fi?subject=' in page


def test_eligible_tells_the_expected_decision_date(client, rep, signed_in, monkeypatch):
    call = make_call("open", decision_expected_on=date(2031, 6, 15))
    proposal = _screened(call, rep, Eligibility.ELIGIBLE, monkeypatch)
    assert "The decision is expected on 15 June 2031." in text(client.get(f"/proposals/{proposal.id}"))


def test_after_closing_the_status_no_longer_says_it_can_be_changed(client, call, ngo, signed_in, monkeypatch):
    proposal = make_proposal(call, organisation=ngo, state="submitted")
    assert "You can still change it" in text(client.get(f"/proposals/{proposal.id}"))
    monkeypatch.setattr(services, "clock", lambda: call.closes_at + DAY)
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert "You can still change it" not in page
    assert "can no longer be changed" in page


def test_missing_items_on_check_and_send_link_to_their_step(client, draft, signed_in):
    page = text(client.get(f"/proposals/{draft.id}/preview"))
    assert re.search(rf'<a href="/proposals/{draft.id}/edit/budget">Add at least one cost', page)
    assert re.search(rf'<a href="/proposals/{draft.id}/edit/goals">Add at least one goal', page)


def test_staff_set_the_correction_text_its_days_and_the_decision_date(client, login):
    from pb.calls.models import FundingCall

    call = make_call("open")
    login(make_user(staff=True, locale="en"))
    response = post_form(client, f"/calls/manage/{call.id}/review-settings", {
        "correction_text-fi": "Oikaisu 14 päivässä.", "correction_days": "14", "decision_expected_on": "15.6.2031",
    })
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(FundingCall, call.id)
    assert saved.correction_text == {"fi": "Oikaisu 14 päivässä."}
    assert saved.correction_days == 14 and saved.decision_expected_on == date(2031, 6, 15)


# --- 5. proposals become public when the call closes ---------------------------------------------


def test_the_form_says_what_becomes_public_before_sending(client, call, ngo, signed_in):
    proposal = make_proposal(call, organisation=ngo)
    page = text(client.get(f"/proposals/{proposal.id}/preview"))
    assert "When the call closes, the proposals sent to it become public" in page
    assert 'href="/privacy#proposals"' in page
    privacy = text(client.get("/privacy"))
    assert 'id="proposals"' in privacy and "the names and kinds of the partners" in privacy


# --- 6. assisted proposals without a contact address; claiming ---------------------------------


def _assisted(call, email=None, kind=OrganisationKind.RESIDENT_GROUP, name="Pop-up group"):
    staff = make_user(staff=True, locale="en")
    proposal, code = services.create_assisted(staff, call, {"name": name, "kind": kind, "email": email}, "Benches")
    proposal.summary, proposal.description = "Benches in the park.", "We build them."
    proposal.start_date, proposal.end_date = date(2031, 3, 1), date(2031, 4, 1)
    from pb.proposals.models import BudgetLine, Goal

    proposal.budget_lines = [BudgetLine(position=1, item="Wood", amount_cents=2_000_00)]
    proposal.cofunding_cents = 500_00
    proposal.goals = [Goal(position=1, change="More seats", measure="Count")]
    db.session.commit()
    return staff, proposal, code


def test_an_assisted_proposal_without_an_address_gets_a_printable_receipt(client, call, login, outbox):
    staff, proposal, _code = _assisted(call)
    login(staff)
    response = post_form(client, f"/proposals/{proposal.id}/submit", {"version": str(proposal.version_id)},
                         form_url=f"/proposals/{proposal.id}/preview")
    assert response.status_code == 302
    assert response.location.endswith(f"/proposals/{proposal.id}/versions/1")
    page = text(client.get(response.location))
    assert "sent by email" not in page.replace("no receipt was sent by email", "")
    assert "Print this page" in page and "Receipt" in page
    assert outbox.messages() == []


def test_claiming_registers_the_group_as_staff_wrote_it_down(call, client_for):
    _staff, proposal, code = _assisted(call, name="Puistoporukka")
    rep = make_user(locale="en")
    browser = client_for(rep)
    response = post_form(browser, "/proposals/claim", {"code": code, "organisation_id": "0"})
    assert response.status_code == 302
    claimed = fresh(proposal.id)
    assert claimed.organisation.name == "Puistoporukka"
    assert claimed.organisation.kind is OrganisationKind.RESIDENT_GROUP
    assert claimed.is_representative(rep)


def test_claiming_an_ngo_asks_for_its_business_id(call, client_for):
    _staff, _proposal, code = _assisted(call, kind=OrganisationKind.NGO, name="Puistoyhdistys ry")
    browser = client_for(make_user(locale="en"))
    response = post_form(browser, "/proposals/claim", {"code": code, "organisation_id": "0"})
    assert response.status_code == 422
    assert "write its business ID" in text(response)
    assert db.session.execute(db.select(Organisation).filter_by(name="Puistoyhdistys ry")).first() is None


def test_wrong_claim_codes_are_throttled_like_wrong_passwords(limited_app):
    app = limited_app(LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes")
    from tests.factories import PASSWORD

    rep = make_user(locale="en")
    make_organisation("resident_group", representative=rep)
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert post_form(browser, "/auth/login", {"email": rep.email, "password": PASSWORD}).status_code == 302
    for _attempt in range(3):
        response = post_form(browser, "/proposals/claim", {"code": "WRNG-WRNG-WRNG", "organisation_id": "0"})
        assert response.status_code == 422
    response = post_form(browser, "/proposals/claim", {"code": "WRNG-WRNG-WRNG", "organisation_id": "0"})
    assert response.status_code == 429
    assert db.session.execute(db.select(Proposal)).first() is None
