"""Drafts: the applicant's page promises that only the applicants see an unsent draft, and staff
cannot open one; the one exception is a draft staff made for a group (the assisted channel),
and then the applicant's page says that staff can see it."""

import io

import pytest

from pb.extensions import db
from pb.orgs.models import OrganisationKind
from pb.proposals import services
from pb.proposals.models import CoApplicant, CoApplicantRight
from pb.transactions import commit
from tests.factories import make_call, make_organisation, make_proposal, make_user
from tests.helpers import post_form
from tests.proposals.conftest import PDF, text

PROMISE = "Only you and your co-applicants can see the draft."
STAFF_CAN_SEE = "Staff made this draft with your group, so staff can see it too."


def add_attachment(browser, proposal):
    response = post_form(browser, f"/proposals/{proposal.id}/edit/attachments", {"file": (io.BytesIO(PDF), "plan.pdf")})
    assert response.status_code == 302
    db.session.refresh(proposal)
    return f"/proposals/{proposal.id}/attachments/{proposal.attachments[0].id}"


@pytest.fixture
def people(client_for):
    rep, partner = make_user(locale="en"), make_user(locale="en")
    staff, admin = make_user(staff=True, locale="en"), make_user(admin=True, locale="en")
    return {
        "rep": (rep, client_for(rep)),
        "partner": (partner, client_for(partner)),
        "staff": (staff, client_for(staff)),
        "admin": (admin, client_for(admin)),
    }


def test_staff_cannot_open_an_online_draft_that_the_page_says_only_applicants_see(people):
    rep, rep_browser = people["rep"]
    partner, partner_browser = people["partner"]
    draft = make_proposal(make_call("open"), representative=rep, title="Secret plan")
    db.session.add(CoApplicant(proposal=draft, email=partner.email, user=partner, right=CoApplicantRight.VIEW,
                               accepted_at=draft.created_at))
    db.session.commit()
    attachment_url = add_attachment(rep_browser, draft)

    page = text(rep_browser.get(f"/proposals/{draft.id}"))
    assert PROMISE in page and "Secret plan" in page and STAFF_CAN_SEE not in page
    assert partner_browser.get(f"/proposals/{draft.id}").status_code == 200
    with partner_browser.get(attachment_url) as download:
        assert download.status_code == 200

    for role in ("staff", "admin"):
        _user, browser = people[role]
        assert browser.get(f"/proposals/{draft.id}").status_code == 403, role
        assert browser.get(attachment_url).status_code == 403, role
        assert browser.get(f"/proposals/{draft.id}/versions/1").status_code == 403, role
        assert browser.get(f"/proposals/{draft.id}/screen").status_code == 403, role


def test_a_draft_withdrawn_before_it_was_sent_stays_private(people):
    rep, _browser = people["rep"]
    call = make_call("open")
    proposal = make_proposal(call, representative=rep, title="Never sent")
    make_proposal(call, representative=rep, state="withdrawn", title="Sent, then withdrawn")
    services.withdraw(rep, proposal)
    commit()
    staff_browser = people["staff"][1]
    assert staff_browser.get(f"/proposals/{proposal.id}").status_code == 403
    page = text(staff_browser.get(f"/proposals/manage/call/{call.id}"))  # was a 500: it has no version to show
    assert "Sent, then withdrawn" in page and "Never sent" not in page and f"/proposals/{proposal.id}\"" not in page


def test_staff_read_what_was_sent(people):
    rep, _browser = people["rep"]
    for state in ("submitted", "withdrawn"):
        proposal = make_proposal(make_call("open"), representative=rep, state=state, title=f"Sent {state}")
        page = text(people["staff"][1].get(f"/proposals/{proposal.id}"))
        assert f"Sent {state}" in page
        assert people["staff"][1].get(f"/proposals/{proposal.id}/versions/1").status_code == 200


def test_a_draft_staff_made_for_a_group_is_open_to_staff_and_the_page_says_so(people):
    rep, rep_browser = people["rep"]
    staff, staff_browser = people["staff"]
    group = make_organisation("resident_group", representative=rep)
    call = make_call("open")
    proposal, code = services.create_assisted(
        staff, call, {"name": "Pop-up group", "kind": OrganisationKind.RESIDENT_GROUP}, "Benches"
    )
    commit()
    assert "Benches" in text(staff_browser.get(f"/proposals/{proposal.id}"))
    assert people["admin"][1].get(f"/proposals/{proposal.id}").status_code == 200  # any staff may help further

    services.claim(rep, code, group)
    commit()
    page = text(rep_browser.get(f"/proposals/{proposal.id}"))
    assert STAFF_CAN_SEE in page and PROMISE not in page
    assert "Benches" in text(staff_browser.get(f"/proposals/{proposal.id}"))
    assert rep_browser.get(f"/proposals/{proposal.id}/edit/basics").status_code == 200
    assert staff_browser.get(f"/proposals/{proposal.id}/edit/basics").status_code == 403  # the group's now
