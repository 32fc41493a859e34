"""Proposal services: rules, versions, co-applicants, assisted submission and claiming, screening,
reminders and open data, each change audited."""

from datetime import date, timedelta

import pytest

from pb.audit.models import AuditEvent
from pb.calls.models import CallStatus
from pb.extensions import db
from pb.models_base import utcnow
from pb.orgs.models import OrganisationKind
from pb.proposals import exports, services
from pb.proposals.models import (
    ApplicantStatus,
    CoApplicantRight,
    Eligibility,
    IneligibilityReason,
    Proposal,
    ProposalStatus,
)
from pb.proposals.services import ChangedMeanwhile, ProposalRuleError
from pb.transactions import commit
from tests.factories import make_call, make_organisation, make_proposal, make_user

DAY = timedelta(days=1)


def english(app):
    """A request context in English, so messages can be matched whatever the catalogues hold."""
    return app.test_request_context(headers={"Accept-Language": "en"})


def audit(action):
    return db.session.execute(db.select(AuditEvent).where(AuditEvent.action == action)).scalars().all()


def basics_data(**overrides):
    data = {
        "title": "Pihatalkoot", "summary": "Yhdessä.", "description": "Kuvaus.", "target_groups": "Naapurit",
        "district_ids": [], "start_date": date(2030, 3, 1), "end_date": date(2030, 9, 30), "partners": [],
    }
    data.update(overrides)
    return data


# --- rules -----------------------------------------------------------------------------------


def test_budget_problems_follow_the_calls_limits(app):
    call = make_call("open", min_grant_cents=1_000_00, max_grant_cents=10_000_00, cofunding_percent=20)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert services.budget_problems(call, 8_000_00, 2_000_00) == []
        assert "at most €10,000.00" in services.budget_problems(call, 10_000_01, 3_000_00)[0]
        assert "at least €1,000.00" in services.budget_problems(call, 999_99, 300_00)[0]
        (problem,) = services.budget_problems(call, 8_000_00, 1_999_99)
        assert "at least €2,000.00. Now it is €1,999.99." in problem


def test_no_cofunding_needed_when_the_call_asks_none(app):
    call = make_call("open", cofunding_percent=0)
    with english(app):
        assert services.budget_problems(call, 5_000_00, 0) == []


def test_submit_lists_what_is_missing(app):
    call = make_call("open")
    proposal = make_proposal(call, lines=(), goals=0, summary="", start_date=None)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        problems = services.submit_problems(proposal)
    assert any("summary" in p for p in problems)
    assert any("start and end dates" in p for p in problems)
    assert any("at least one cost" in p for p in problems)
    assert any("at least one goal" in p for p in problems)
    with english(app), pytest.raises(ProposalRuleError):
        services.submit(proposal.created_by, proposal, proposal.version_id)


def test_create_needs_a_representative_of_an_eligible_kind(app):
    call = make_call("open", eligible_kinds=["ngo"])
    user = make_user()
    group = make_organisation("resident_group", representative=user)
    member = make_user()
    ngo = make_organisation("ngo", representative=make_user(), members=[member])
    with english(app):
        with pytest.raises(ProposalRuleError, match="cannot apply"):
            services.create_proposal(user, call, group, "X")
        with pytest.raises(ProposalRuleError, match="representative"):
            services.create_proposal(member, call, ngo, "X")


def test_nothing_is_created_or_saved_outside_the_open_time(app):
    call = make_call("open")
    rep = make_user()
    ngo = make_organisation("ngo", representative=rep)
    proposal = make_proposal(call, organisation=ngo)
    late = call.closes_at
    with english(app):
        with pytest.raises(ProposalRuleError, match="closed"):
            services.create_proposal(rep, call, ngo, "X", now=late)
        with pytest.raises(ProposalRuleError, match="closed"):
            services.save_step(rep, proposal, "basics", basics_data(), proposal.version_id, now=late)
        with pytest.raises(ProposalRuleError, match="closed"):
            services.submit(rep, proposal, proposal.version_id, now=late)
        early = make_call("upcoming")
        with pytest.raises(ProposalRuleError, match="not open yet"):
            services.create_proposal(rep, early, ngo, "X")


# --- versions and optimistic locking -------------------------------------------------------------


def test_every_submit_keeps_a_version_and_edits_count_only_when_sent(app, outbox):
    proposal = make_proposal()
    rep = proposal.created_by
    with english(app):
        services.submit(rep, proposal, proposal.version_id)
        commit()
        assert not proposal.can_submit(rep)
        with pytest.raises(ProposalRuleError, match="no changes"):
            services.submit(rep, proposal, proposal.version_id)
        services.save_step(rep, proposal, "basics", basics_data(title="Uusi nimi"), proposal.version_id)
        commit()
        assert proposal.has_unsent_changes and proposal.latest_version.snapshot["title"] == "Pihatalkoot"
        services.submit(rep, proposal, proposal.version_id)
        commit()
    assert [(v.number, v.snapshot["title"]) for v in proposal.versions] == [(1, "Pihatalkoot"), (2, "Uusi nimi")]
    assert [e.details["version"] for e in audit("proposals.submitted") + audit("proposals.resubmitted")] == [1, 2]
    assert len(audit("proposals.edited_after_submit")) == 1
    receipts = [m for m in outbox.messages() if "Pihatalkoot" in m[1] or "Uusi nimi" in m[1]]
    assert len(receipts) == 2


def test_diff_shows_removed_and_added_lines(app):
    proposal = make_proposal()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        old = services.snapshot(proposal)
        new = dict(old, title="Toinen", budget_lines=old["budget_lines"] + [{"item": "Kahvi", "amount_cents": 100_00}])
        rows = exports.diff(old, new)
        assert exports.diff(old, old) == []
    assert ("removed", "Name of the proposal: Pihatalkoot") in rows
    assert ("added", "Name of the proposal: Toinen") in rows
    assert ("added", "Cost 2: Kahvi: €100.00") in rows


def test_a_save_from_an_older_version_changes_nothing(app):
    proposal = make_proposal()
    rep = proposal.created_by
    shown = proposal.version_id
    with english(app):
        services.save_step(rep, proposal, "basics", basics_data(title="Ensimmäinen"), shown)
        commit()
        with pytest.raises(ChangedMeanwhile):
            services.save_step(rep, proposal, "basics", basics_data(title="Toinen"), shown)
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).title == "Ensimmäinen"


def test_the_database_refuses_a_write_that_raced_past_the_check(app):
    """Two requests passed the form check with the same version; the second UPDATE matches no row."""
    proposal = make_proposal()
    rep = proposal.created_by
    shown = proposal.version_id  # the version this request read before the other one wrote
    with english(app):
        with db.engine.begin() as other_request:
            other_request.execute(
                db.update(Proposal).where(Proposal.id == proposal.id).values(title="Muualta", version_id=Proposal.version_id + 1)
            )
        with pytest.raises(ChangedMeanwhile):
            services.save_step(rep, proposal, "basics", basics_data(title="Täältä"), shown)
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).title == "Muualta"


# --- withdraw, statuses ----------------------------------------------------------------------


def test_applicant_statuses_in_plain_words(app):
    call = make_call("open")
    draft = make_proposal(call)
    sent = make_proposal(call, state="submitted")
    withdrawn = make_proposal(call, state="withdrawn")
    assert draft.applicant_status() is ApplicantStatus.DRAFT
    assert sent.applicant_status() is ApplicantStatus.RECEIVED
    assert withdrawn.applicant_status() is ApplicantStatus.WITHDRAWN
    later = call.closes_at + DAY
    # After the call closes it can no longer be changed: the status says so (issue #16, point 4).
    assert sent.applicant_status(later) is ApplicantStatus.BEING_CHECKED
    assert "can no longer be changed" in str(ApplicantStatus.BEING_CHECKED.next_step)
    sent.eligibility = Eligibility.ELIGIBLE
    assert sent.applicant_status(later) is ApplicantStatus.BEING_REVIEWED
    sent.eligibility, sent.ineligibility_reason = Eligibility.NOT_ELIGIBLE, IneligibilityReason.INCOMPLETE
    assert sent.applicant_status(later) is ApplicantStatus.NOT_ELIGIBLE
    sent.eligibility, sent.ineligibility_reason = Eligibility.ELIGIBLE, None
    call.status = CallStatus.DECIDED
    assert sent.applicant_status() is ApplicantStatus.DECIDED
    for status in ApplicantStatus:
        assert str(status.label) and str(status.next_step)


def test_withdraw_is_for_applicants_and_audited(app):
    proposal = make_proposal(state="submitted")
    stranger = make_user()
    with english(app):
        with pytest.raises(ProposalRuleError):
            services.withdraw(stranger, proposal)
        services.withdraw(proposal.created_by, proposal)
        commit()
    assert proposal.status is ProposalStatus.WITHDRAWN
    assert not proposal.can_edit(proposal.created_by) and not proposal.can_withdraw(proposal.created_by)
    (event,) = audit("proposals.withdrawn")
    assert event.details == {"from": "submitted"}


def test_a_draft_can_be_withdrawn_too(app):
    proposal = make_proposal()
    with english(app):
        services.withdraw(proposal.created_by, proposal)
        commit()
    assert proposal.status is ProposalStatus.WITHDRAWN and proposal.submitted_at is None
    assert proposal.applicant_status() is ApplicantStatus.WITHDRAWN


# --- co-applicants ---------------------------------------------------------------------------


def test_invite_and_accept_a_coapplicant(app, outbox):
    proposal = make_proposal()
    partner = make_user("partner@example.test")
    with english(app):
        row, sent_again = services.invite_coapplicant(proposal.created_by, proposal, "Partner@Example.test",
                                                      CoApplicantRight.EDIT, "Seurakunta")
        commit()
        assert not sent_again and row.email == "partner@example.test"
        assert not proposal.can_view(partner)
        token = services.coapplicant_token(row)
        assert services.coapplicant_from_token(token).id == row.id
        services.accept_coapplicant(partner, row)
        commit()
    assert proposal.can_edit(partner) and not proposal.can_withdraw(partner)
    assert not proposal.can_manage_coapplicants(partner)
    (to, subject, body) = outbox.messages()[-1]
    assert to == "partner@example.test" and "/proposals/coapplicants/" in body
    assert len(audit("proposals.coapplicant_invited")) == 1 and len(audit("proposals.coapplicant_accepted")) == 1


def test_a_view_only_coapplicant_reads_but_does_not_edit(app):
    proposal = make_proposal()
    reader = make_user("reader@example.test")
    with english(app):
        row, _ = services.invite_coapplicant(proposal.created_by, proposal, reader.email, CoApplicantRight.VIEW)
        with pytest.raises(ProposalRuleError, match="another email address"):
            services.accept_coapplicant(make_user(), row)
        services.accept_coapplicant(reader, row)
        commit()
        assert proposal.can_view(reader) and not proposal.can_edit(reader)
        services.revoke_coapplicant(proposal.created_by, row)
        commit()
    assert not proposal.can_view(reader)
    assert len(audit("proposals.coapplicant_removed")) == 1


def test_coapplicant_invitation_through_the_pages(client, login, client_for):
    proposal = make_proposal()
    invitee = make_user("helper@example.test", locale="en")
    login(proposal.created_by)
    from tests.helpers import post_form

    response = post_form(client, f"/proposals/{proposal.id}/coapplicants",
                         {"email": "helper@example.test", "partner_name": "Seura", "right": "edit"})
    assert response.status_code == 302
    row = proposal.coapplicants[0]
    url = f"/proposals/coapplicants/{services.coapplicant_token(row)}"
    anonymous = client.application.test_client()
    anonymous.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "log in with the account for helper@example.test" in anonymous.get(url).get_data(as_text=True)
    browser = client_for(invitee)
    assert post_form(browser, url, {}).status_code == 302
    assert browser.get(f"/proposals/{proposal.id}/edit/basics").status_code == 200
    assert browser.get(f"/proposals/{proposal.id}/coapplicants").status_code == 403
    assert client.get("/proposals/coapplicants/broken-token").status_code == 404


# --- assisted submission and claiming ----------------------------------------------------------


def test_assisted_proposal_is_submitted_by_staff_and_claimed_with_the_code(app, outbox):
    call = make_call("open")
    staff = make_user(staff=True)
    applicant = {"name": "Kävelykaverit", "email": "kavely@example.test", "phone": "", "kind": OrganisationKind.RESIDENT_GROUP}
    with english(app):
        proposal, code = services.create_assisted(staff, call, applicant, "Kävelyryhmä")
        commit()
        assert proposal.channel.value == "assisted" and proposal.assisted_by_id == staff.id
        assert code not in (proposal.claim_code_hash or "") and len(proposal.claim_code_hash) == 64
        assert proposal.can_edit(staff)
        other_staff = make_user(staff=True)
        assert proposal.can_edit(other_staff)  # any staff member may help the group further
        for step, data in (
            ("basics", basics_data()),
            ("budget", {"lines": [("Liivit", 2_000_00)], "cofunding_cents": 300_00, "cofunding_sources": ""}),
            ("goals", {"goals": [{"change": "Liikutaan", "measure": "Lasketaan", "baseline": "", "target": ""}]}),
        ):
            services.save_step(staff, proposal, step, data, proposal.version_id)
        services.submit(staff, proposal, proposal.version_id)
        commit()
        assert outbox.messages()[-1][0] == "kavely@example.test"

        rep = make_user()
        group = make_organisation("resident_group", representative=rep)
        with pytest.raises(ProposalRuleError, match="does not match"):
            services.claim(rep, "WRONG-CODE-0000", group)
        services.claim(rep, code.lower().replace("-", " "), group)
        commit()
        assert proposal.organisation_id == group.id and proposal.claim_code_hash is None
        assert proposal.can_edit(rep) and not proposal.can_edit(staff)
        with pytest.raises(ProposalRuleError, match="does not match"):
            services.claim(rep, code, group)  # one time only
    assert [e.details["staff_id"] for e in audit("proposals.assisted_created")] == [staff.id]
    assert len(audit("proposals.claimed")) == 1


def test_assisted_pages_show_the_code_once_and_claim_works(client, login, client_for):
    from tests.helpers import post_form

    call = make_call("open")
    staff = make_user(staff=True, locale="en")
    login(staff)
    response = post_form(client, f"/proposals/assisted/new/{call.id}", {
        "applicant_name": "Pop-up group", "applicant_email": "", "applicant_phone": "040 123 4567",
        "organisation_id": "", "applicant_kind": "resident_group", "title": "Benches",
    })
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    import re

    code = re.search(r'class="claim-code">([A-Z0-9-]+)<', page).group(1)
    proposal = db.session.execute(db.select(Proposal)).scalar_one()
    assert "Pop-up group" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert code not in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)

    rep = make_user(locale="en")
    group = make_organisation("resident_group", representative=rep)
    browser = client_for(rep)
    response = post_form(browser, "/proposals/claim", {"code": "XXXX-XXXX-XXXX", "organisation_id": str(group.id)})
    assert response.status_code == 422
    assert "This code does not match any proposal" in response.get_data(as_text=True)
    assert 'value="XXXX-XXXX-XXXX"' in response.get_data(as_text=True)
    response = post_form(browser, "/proposals/claim", {"code": code, "organisation_id": str(group.id)})
    assert response.status_code == 302
    assert browser.get(f"/proposals/{proposal.id}/edit/basics").status_code == 200


def test_staff_can_make_a_new_claim_code(app):
    call = make_call("open")
    staff = make_user(staff=True)
    with english(app):
        proposal, first = services.create_assisted(
            staff, call, {"name": "Ryhmä", "kind": OrganisationKind.RESIDENT_GROUP}, "Otsikko")
        second = services.renew_claim_code(staff, proposal)
        commit()
        assert services.proposal_for_claim_code(first) is None
        assert services.proposal_for_claim_code(second).id == proposal.id
    assert len(audit("proposals.claim_code_renewed")) == 1


# --- screening -------------------------------------------------------------------------------


def test_screening_after_closing_is_told_to_the_applicant(client, login, outbox, monkeypatch):
    from tests.helpers import post_form

    call = make_call("open")
    rep = make_user(locale="en")
    ngo = make_organisation("ngo", representative=rep)
    proposal = make_proposal(call, organisation=ngo, state="submitted")
    staff = make_user(staff=True, locale="en")
    login(staff)
    response = client.get(f"/proposals/{proposal.id}/screen", follow_redirects=True)
    assert "only after the call has closed" in response.get_data(as_text=True)

    monkeypatch.setattr(services, "clock", lambda: call.closes_at + DAY)
    response = post_form(client, f"/proposals/{proposal.id}/screen", {"eligibility": "not_eligible", "reason": "", "note": ""})
    assert response.status_code == 422
    assert "Choose the reason" in response.get_data(as_text=True)
    response = post_form(client, f"/proposals/{proposal.id}/screen",
                         {"eligibility": "not_eligible", "reason": "outside_districts", "note": "The park is in Espoo."})
    assert response.status_code == 302
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.eligibility is Eligibility.NOT_ELIGIBLE and proposal.screened_by_id == staff.id
    (to, subject, body) = outbox.messages()[-1]
    assert to == rep.email and "The activity is not in the districts of the call" in body and "Espoo" in body

    applicant = client.application.test_client()
    applicant.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert post_form(applicant, "/auth/login", {"email": rep.email, "password": "correct-horse-battery-9"}).status_code == 302
    page = applicant.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Not eligible" in page and "The activity is not in the districts of the call" in page
    assert "The park is in Espoo." in page
    assert audit("proposals.screened")[0].details["reason"] == "outside_districts"


def test_only_staff_screen(app):
    call = make_call("closed")
    proposal = make_proposal(call, state="submitted", now=call.closes_at - DAY)
    with english(app):
        with pytest.raises(ProposalRuleError):
            services.screen(proposal.created_by, proposal, Eligibility.ELIGIBLE)
        staff = make_user(staff=True)
        with pytest.raises(ProposalRuleError, match="explain|Explain"):
            services.screen(staff, proposal, Eligibility.NOT_ELIGIBLE, IneligibilityReason.OTHER, "")
        services.screen(staff, proposal, Eligibility.ELIGIBLE)
        commit()
    assert proposal.applicant_status() is ApplicantStatus.BEING_REVIEWED


# --- reminders -------------------------------------------------------------------------------


def test_reminders_go_to_drafts_once_per_kind(app, outbox):
    now = utcnow()
    soon = make_call("open", closes_at=now + 2 * DAY)
    later = make_call("open", closes_at=now + 10 * DAY)
    draft = make_proposal(soon, representative=make_user(locale="en"))
    make_proposal(soon, state="submitted")
    make_proposal(later)
    with english(app):
        assert [(p.id, kind) for p, kind in services.due_reminders(now)] == [(draft.id, "3d")]
        assert services.send_reminders(now) == 1
        assert services.send_reminders(now) == 0
        assert services.send_reminders(now + DAY + DAY // 2) == 1  # now within a day: the "1d" reminder
        assert services.send_reminders(now + DAY + DAY // 2) == 0
    mails = [m for m in outbox.messages() if "not sent yet" in m[1]]
    assert len(mails) == 2
    assert mails[0][0] == draft.created_by.email


def test_send_reminders_command(app, outbox):
    call = make_call("open", closes_at=utcnow() + DAY // 2)
    make_proposal(call, representative=make_user(locale="en"))
    runner = app.test_cli_runner()
    assert "queued: 1" in runner.invoke(args=["pb", "send-reminders"]).output
    assert "queued: 0" in runner.invoke(args=["pb", "send-reminders"]).output
    (mail,) = [m for m in outbox.messages() if "not sent yet" in m[1]]
    assert "Less than a day left" in mail[1]


# --- open data -------------------------------------------------------------------------------


def test_open_data_only_after_closing_and_without_personal_data(client):
    call = make_call("open")
    sent = make_proposal(call, state="submitted", title="Avoin")
    make_proposal(call, title="Luonnos")
    make_proposal(call, state="withdrawn", title="Peruttu")
    assert client.get(f"/proposals/call/{call.id}/proposals.json").status_code == 404
    call.closes_at = utcnow() - timedelta(minutes=1)
    call.opens_at = utcnow() - 10 * DAY
    db.session.commit()
    response = client.get(f"/proposals/call/{call.id}/proposals.json")
    assert response.status_code == 200
    data = response.get_json()
    assert [item["title"] for item in data["proposals"]] == ["Avoin"]
    item = data["proposals"][0]
    assert item["id"] == sent.id and item["requested_cents"] == 4_000_00 and item["applicant"]["kind"] == "ngo"
    text = response.get_data(as_text=True)
    assert sent.created_by.email not in text and "@" not in text
