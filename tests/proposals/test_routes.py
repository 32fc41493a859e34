"""The proposal pages through the test client, CSRF on: the applicant's journey, bad input with a
clear message and the typed values kept, optimistic locking, versions, access (403)."""

import io
import re
from datetime import timedelta

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.models_base import utcnow
from pb.orgs.models import MemberRole, Membership
from pb.proposals import services
from pb.proposals.models import Proposal, ProposalStatus
from tests.factories import make_call, make_district, make_organisation, make_proposal, make_user
from tests.helpers import csrf_token, post_form
from tests.proposals.conftest import EXE, PDF, text

DAY = timedelta(days=1)


def actions(proposal):
    rows = db.session.execute(
        db.select(AuditEvent.action).where(AuditEvent.subject_type == "Proposal", AuditEvent.subject_id == str(proposal.id))
        .order_by(AuditEvent.id)
    ).scalars()
    return list(rows)


def basics(version, **overrides):
    data = {
        "version": str(version),
        "title": "Pihatalkoot",
        "summary": "We fix the yard together.",
        "description": "Every month, with coffee.",
        "target_groups": "All neighbours",
        "start_date": "2030-03-01",
        "end_date": "2030-10-31",
        "partners-0-name": "Parish",
        "partners-0-kind": "public_body",
        "partners-0-role": "Lends the room",
        "then": "next",
    }
    data.update(overrides)
    return data


def budget(version, lines=(("Tools", "3 000"), ("Coffee", "1 000,50")), cofunding="500", **overrides):
    data = {"version": str(version), "cofunding": cofunding, "cofunding_sources": "Volunteer work", "then": "next"}
    for number, (item, amount) in enumerate(lines):
        data[f"lines-{number}-item"] = item
        data[f"lines-{number}-amount"] = amount
    data.update(overrides)
    return data


def goals(version):
    return {
        "version": str(version),
        "goals-0-change": "Neighbours know each other",
        "goals-0-measure": "We count the people at each event",
        "goals-0-baseline": "5",
        "goals-0-target": "20",
        "then": "next",
    }


def fresh(proposal_id):
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id)


def step_url(proposal, step):
    return f"/proposals/{proposal.id}/edit/{step}"


@pytest.fixture
def signed_in(rep, login):
    login(rep)
    return rep


@pytest.fixture
def draft(call, ngo, rep):
    return make_proposal(call, organisation=ngo, representative=rep, lines=(), goals=0, title="Luonnos")


# --- the journey -----------------------------------------------------------------------------


def test_journey_draft_resume_budget_attachment_preview_submit(client, call, ngo, signed_in, outbox):
    page = text(client.get(f"/calls/{call.id}"))
    assert f'href="/proposals/new/{call.id}"' in page and ">Apply<" in page

    response = post_form(client, f"/proposals/new/{call.id}", {"organisation_id": str(ngo.id), "title": "Yard days"})
    assert response.status_code == 302
    proposal = db.session.execute(db.select(Proposal)).scalar_one()
    assert response.headers["Location"].endswith(step_url(proposal, "basics"))

    response = post_form(client, step_url(proposal, "basics"), basics(proposal.version_id))
    assert response.status_code == 302, text(response)
    assert response.headers["Location"].endswith(step_url(proposal, "budget"))

    # Leave and resume from "My applications".
    mine = text(client.get("/proposals/"))
    assert "Pihatalkoot" in mine and "Draft – not sent yet" in mine
    assert f'href="/proposals/{proposal.id}/edit/basics"' in mine
    resumed = text(client.get(step_url(proposal, "basics")))
    assert 'value="Pihatalkoot"' in resumed and "We fix the yard together." in resumed

    proposal = fresh(proposal.id)
    response = post_form(client, step_url(proposal, "budget"), budget(proposal.version_id))
    assert response.status_code == 302, text(response)
    proposal = fresh(proposal.id)
    assert proposal.requested_cents == 4_000_50
    assert proposal.cofunding_cents == 500_00

    response = post_form(client, step_url(proposal, "goals"), goals(proposal.version_id))
    assert response.headers["Location"].endswith(f"/proposals/{proposal.id}/edit/attachments")

    response = post_form(
        client, f"/proposals/{proposal.id}/edit/attachments", {"file": (io.BytesIO(PDF), "plan.pdf")}
    )
    assert response.status_code == 302
    page = text(client.get(f"/proposals/{proposal.id}/edit/attachments"))
    assert "plan.pdf" in page

    preview = text(client.get(f"/proposals/{proposal.id}/preview"))
    assert "Send the proposal" in preview and "€4,000.50" in preview and "plan.pdf" in preview
    proposal = fresh(proposal.id)
    response = post_form(client, f"/proposals/{proposal.id}/submit", {"version": str(proposal.version_id)},
                         form_url=f"/proposals/{proposal.id}/preview")
    assert response.status_code == 302
    proposal = fresh(proposal.id)
    assert proposal.status is ProposalStatus.SUBMITTED
    assert [v.number for v in proposal.versions] == [1]
    shown = text(client.get(f"/proposals/{proposal.id}"))
    assert "Received" in shown and "staff check that the proposal follows the rules" in shown

    (to, subject, body), = [m for m in outbox.messages() if "received your proposal" in m[1]]
    assert to == signed_in.email
    assert "Pihatalkoot" in body and "Tools: €3,000.00" in body and f"/proposals/{proposal.id}" in body
    assert actions(proposal) == [
        "proposals.created", "proposals.step_saved", "proposals.step_saved", "proposals.step_saved",
        "proposals.attachment_added", "proposals.submitted",
    ]


def test_save_and_stay_keeps_the_step(client, draft, signed_in):
    response = post_form(client, step_url(draft, "basics"), basics(draft.version_id, then="stay"))
    assert response.headers["Location"].endswith(step_url(draft, "basics"))


def test_blank_rows_are_ignored(client, draft, signed_in):
    data = budget(draft.version_id, lines=(("", ""), ("Tools", "2000"), ("", "")))
    assert post_form(client, step_url(draft, "budget"), data).status_code == 302
    proposal = fresh(draft.id)
    assert [(line.position, line.item, line.amount_cents) for line in proposal.budget_lines] == [(1, "Tools", 2000_00)]


def test_the_form_has_explicit_labels(client, draft, signed_in):
    page = text(client.get(step_url(draft, "budget")))
    assert '<label for="lines-0-item">Cost 1: what it is' in page
    assert '<label for="lines-7-amount">Cost 8: euros' in page
    assert '<label for="cofunding">Own funding in euros' in page
    page = text(client.get(step_url(draft, "goals")))
    assert '<label for="goals-3-target">Goal 4: target' in page
    page = text(client.get(step_url(draft, "basics")))
    assert '<label for="title">Name of the proposal' in page
    assert '<label for="partners-0-kind">Partner 1: kind' in page


# --- bad input: a clear message, and what was typed stays ----------------------------------------


def test_budget_over_the_maximum_is_kept_as_a_draft_with_a_warning(client, draft, signed_in):
    """The call's limits are checked on sending, not on saving (issue #16, point 1)."""
    response = post_form(client, step_url(draft, "budget"), budget(draft.version_id, lines=(("Stage", "12 000"),),
                                                                   cofunding="2000", then="stay"))
    assert response.status_code == 302
    assert [line.amount_cents for line in fresh(draft.id).budget_lines] == [1_200_000]
    page = text(client.get(step_url(draft, "budget")))
    assert "You ask for €12,000.00, but one grant from this call can be at most €10,000.00." in page
    assert 'value="12000"' in page and 'value="Stage"' in page
    assert "Now you ask for €12,000.00." in page
    preview = text(client.get(f"/proposals/{draft.id}/preview"))
    assert "Budget (step 2): You ask for €12,000.00" in preview


def test_cofunding_below_the_requirement_is_kept_with_a_warning(client, draft, signed_in):
    response = post_form(client, step_url(draft, "budget"), budget(draft.version_id, lines=(("Tools", "9000"),),
                                                                   cofunding="100", then="stay"))
    assert response.status_code == 302
    assert fresh(draft.id).cofunding_cents == 10_000
    page = text(client.get(step_url(draft, "budget")))
    assert "Your own funding must be at least 10 % of all the costs" in page
    assert "must be at least €1,000.00. Now it is €100.00." in page
    assert 'value="100"' in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-50", "The amount cannot be negative."), ("lots", "Write the amount in euros with digits"),
     ("1,500", "Write the amount in euros with digits")],
)
def test_negative_or_non_numeric_amounts(client, draft, signed_in, amount, message):
    response = post_form(client, step_url(draft, "budget"), budget(draft.version_id, lines=(("Tools", amount),)))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'value="{amount}"' in page


def test_title_of_ten_thousand_characters(client, draft, signed_in):
    title = "x" * 10_000
    response = post_form(client, step_url(draft, "basics"), basics(draft.version_id, title=title))
    assert response.status_code == 422
    page = text(response)
    assert "Write at most 200 characters." in page
    assert title in page
    assert fresh(draft.id).title == "Luonnos"


def test_html_and_script_are_inert(client, draft, signed_in):
    script = "<script>alert('x')</script>"
    data = basics(draft.version_id, title=script, summary="<b>bold</b>", description=script,
                  **{"partners-0-name": "<img src=x onerror=alert(1)>"})
    assert post_form(client, step_url(draft, "basics"), data).status_code == 302
    for url in (f"/proposals/{draft.id}", f"/proposals/{draft.id}/preview", step_url(draft, "basics"), "/proposals/"):
        page = text(client.get(url))
        assert "<script>alert" not in page and "<b>bold</b>" not in page and "<img src=x" not in page
    page = text(client.get(f"/proposals/{draft.id}"))
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_an_exe_renamed_pdf_is_refused_by_content(client, draft, signed_in, app):
    from pathlib import Path

    before = set(Path(app.config["UPLOAD_PATH"]).glob("*")) if Path(app.config["UPLOAD_PATH"]).exists() else set()
    response = post_form(client, f"/proposals/{draft.id}/edit/attachments", {"file": (io.BytesIO(EXE), "budget.pdf")})
    assert response.status_code == 422
    assert "This kind of file cannot be added." in text(response)
    assert fresh(draft.id).attachments == []
    assert set(Path(app.config["UPLOAD_PATH"]).glob("*")) == before


def post_multipart(client, url, fields):
    """POST a multipart body built in memory (the test client would spool a large one to a temporary
    file that it never closes, which pytest reports as a leaked file)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    values = {name: FileStorage(*value) if isinstance(value, tuple) else value for name, value in fields.items()}
    boundary, body = encode_multipart({**values, "csrf_token": csrf_token(client, url)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_50_mb_file_gets_the_too_large_page(client, draft, signed_in):
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024))
    response = post_multipart(client, f"/proposals/{draft.id}/edit/attachments", {"file": (big, "big.pdf")})
    assert response.status_code == 413
    assert "The file or form is too large" in text(response)
    assert fresh(draft.id).attachments == []


def test_a_file_over_the_attachment_cap_gets_a_clear_message(client, draft, signed_in, app, monkeypatch):
    monkeypatch.setitem(app.config, "PB_MAX_ATTACHMENT_MB", 1)
    big = io.BytesIO(PDF + b"0" * (1024 * 1024))
    response = post_multipart(client, f"/proposals/{draft.id}/edit/attachments", {"file": (big, "big.pdf")})
    assert response.status_code == 422
    assert "The file is too large. A file can be at most 1 MB." in text(response)


def test_submitting_to_a_closed_call(client, call, ngo, rep, signed_in, monkeypatch):
    proposal = make_proposal(call, organisation=ngo)
    preview = text(client.get(f"/proposals/{proposal.id}/preview"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', preview).group(1)
    later = call.closes_at + timedelta(seconds=1)
    monkeypatch.setattr(services, "clock", lambda: later)
    response = client.post(f"/proposals/{proposal.id}/submit",
                           data={"csrf_token": token, "version": str(proposal.version_id)})
    assert response.status_code == 422
    assert "The call has closed, so proposals can no longer be sent or changed." in text(response)
    assert fresh(proposal.id).status is ProposalStatus.DRAFT

    # A step saved after the deadline is refused too, and the typed text stays.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', preview).group(1)
    response = client.post(step_url(proposal, "basics"),
                           data={**basics(proposal.version_id, title="Late title"), "csrf_token": token})
    assert response.status_code == 422
    page = text(response)
    assert "The call has closed" in page and 'value="Late title"' in page


def test_editing_someone_elses_proposal_is_forbidden(client, call, login):
    other = make_proposal(call)
    login(make_user(locale="en"))
    for url in (step_url(other, "basics"), f"/proposals/{other.id}", f"/proposals/{other.id}/preview",
                f"/proposals/{other.id}/edit/attachments", f"/proposals/{other.id}/coapplicants"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "You do not have access to this page" in text(response)
    token = csrf_token(client, "/proposals/")
    response = client.post(step_url(other, "basics"), data={**basics(other.version_id), "csrf_token": token})
    assert response.status_code == 403
    assert fresh(other.id).title == "Pihatalkoot"


def test_a_plain_member_sees_but_cannot_edit(client, call, login):
    member = make_user(locale="en")
    organisation = make_organisation("ngo", representative=make_user(), members=[member])
    proposal = make_proposal(call, organisation=organisation)
    login(member)
    assert client.get(f"/proposals/{proposal.id}").status_code == 200
    assert client.get(step_url(proposal, "basics")).status_code == 403


def test_starting_needs_a_represented_organisation_of_an_eligible_kind(client, login):
    call = make_call("open", eligible_kinds=["ngo"])
    user = make_user(locale="en")
    make_organisation("resident_group", representative=user)
    login(user)
    page = text(client.get(f"/proposals/new/{call.id}"))
    assert "To apply, you must be a representative of a group or association" in page
    assert "Start the proposal" not in page


def test_starting_on_a_closed_call_sends_back_with_a_message(client, ngo, signed_in):
    call = make_call("closed")
    response = client.get(f"/proposals/new/{call.id}", follow_redirects=True)
    assert "The call has closed" in text(response)
    assert db.session.scalar(db.select(db.func.count(Proposal.id))) == 0


# --- optimistic locking ----------------------------------------------------------------------


def test_two_representatives_do_not_overwrite_each_other(call, client_for, draft, rep):
    second = make_user(locale="en")
    db.session.add(Membership(organisation_id=draft.organisation_id, user_id=second.id, role=MemberRole.REPRESENTATIVE))
    db.session.commit()
    first_browser, second_browser = client_for(rep), client_for(second)
    page_one = text(first_browser.get(step_url(draft, "basics")))
    page_two = text(second_browser.get(step_url(draft, "basics")))
    shown_version = re.search(r'name="version" type="hidden" value="(\d+)"|type="hidden" name="version" value="(\d+)"',
                              page_one)
    assert shown_version is not None
    version = next(group for group in shown_version.groups() if group)
    token_one = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_one).group(1)
    token_two = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_two).group(1)

    response = second_browser.post(step_url(draft, "basics"),
                                   data={**basics(version, title="Second's title"), "csrf_token": token_two})
    assert response.status_code == 302
    response = first_browser.post(step_url(draft, "basics"),
                                  data={**basics(version, title="First's title"), "csrf_token": token_one})
    assert response.status_code == 409
    page = text(response)
    assert "Someone else saved changes to this proposal while you were editing it" in page
    assert 'value="First&#39;s title"' in page
    assert "Reload the page to see their changes" in page
    assert fresh(draft.id).title == "Second's title"


def test_a_stale_submit_is_refused(client, call, ngo, signed_in):
    proposal = make_proposal(call, organisation=ngo)
    stale = proposal.version_id
    assert post_form(client, step_url(proposal, "basics"), basics(stale, title="Newer")).status_code == 302
    response = post_form(client, f"/proposals/{proposal.id}/submit", {"version": str(stale)},
                         form_url=f"/proposals/{proposal.id}/preview")
    assert response.status_code == 409
    assert "Someone else saved changes" in text(response)
    assert fresh(proposal.id).status is ProposalStatus.DRAFT


# --- after submitting: versions, withdraw ------------------------------------------------------


def test_edit_after_submit_keeps_every_version_and_shows_the_diff(client, call, ngo, signed_in, outbox):
    proposal = make_proposal(call, organisation=ngo, state="submitted")
    assert post_form(client, step_url(proposal, "basics"),
                     basics(proposal.version_id, title="Pihatalkoot", summary="We fix the yard and the swings.")
                     ).status_code == 302
    proposal = fresh(proposal.id)
    assert proposal.has_unsent_changes
    shown = text(client.get(f"/proposals/{proposal.id}"))
    assert "changes that are not sent yet" in shown
    preview = text(client.get(f"/proposals/{proposal.id}/preview"))
    assert "Changes since the version you sent" in preview
    assert "<ins>Summary in plain language: We fix the yard and the swings.</ins>" in preview
    response = post_form(client, f"/proposals/{proposal.id}/submit", {"version": str(proposal.version_id)},
                         form_url=f"/proposals/{proposal.id}/preview")
    assert response.status_code == 302
    proposal = fresh(proposal.id)
    assert [v.number for v in proposal.versions] == [1, 2]
    assert proposal.versions[0].snapshot["summary"] == "Naapurit kunnostavat pihan yhdessä."
    assert proposal.versions[1].snapshot["summary"] == "We fix the yard and the swings."
    page = text(client.get(f"/proposals/{proposal.id}/versions/2"))
    assert "What changed from version 1" in page
    assert "<del>Summary in plain language: Naapurit kunnostavat pihan yhdessä.</del>" in page
    assert "<ins>Summary in plain language: We fix the yard and the swings.</ins>" in page
    assert client.get(f"/proposals/{proposal.id}/versions/3").status_code == 404
    assert actions(proposal)[-2:] == ["proposals.edited_after_submit", "proposals.resubmitted"]
    assert any("This is version 2." in body for _to, _subject, body in outbox.messages())


def test_withdraw(client, call, ngo, signed_in):
    proposal = make_proposal(call, organisation=ngo, state="submitted")
    assert "A withdrawn proposal is not reviewed" in text(client.get(f"/proposals/{proposal.id}/withdraw"))
    response = post_form(client, f"/proposals/{proposal.id}/withdraw", {})
    assert response.status_code == 302
    proposal = fresh(proposal.id)
    assert proposal.status is ProposalStatus.WITHDRAWN
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert "Withdrawn" in page and "You took the proposal back" in page
    assert client.get(step_url(proposal, "basics"), follow_redirects=True).status_code == 200
    assert "proposals.withdrawn" in actions(proposal)


def test_unverified_account_sees_a_nudge_not_applications(client, login):
    user = make_user(verified=False, locale="en")
    login(user)
    page = text(client.get("/proposals/"))
    assert "first confirm your email address" in page


def test_districts_limited_to_the_calls(client, ngo, signed_in):
    inside, outside = make_district("Keskusta"), make_district("Pohjoinen")
    call = make_call("open", whole_municipality=False, districts=[inside])
    proposal = make_proposal(call, organisation=ngo)
    page = text(client.get(step_url(proposal, "basics")))
    assert "Keskusta" in page and "Pohjoinen" not in page
    response = post_form(client, step_url(proposal, "basics"), basics(proposal.version_id, districts=str(outside.id)))
    assert response.status_code == 422
    assert 'value="Pihatalkoot"' in text(response)
    assert post_form(client, step_url(proposal, "basics"),
                     basics(proposal.version_id, districts=str(inside.id))).status_code == 302
    assert [d.id for d in fresh(proposal.id).districts] == [inside.id]


def test_applicant_time_comes_from_the_server_not_the_browser(client, call, ngo, signed_in, monkeypatch):
    proposal = make_proposal(call, organisation=ngo)
    monkeypatch.setattr(services, "clock", lambda: call.closes_at - DAY)
    page = text(client.get(f"/proposals/{proposal.id}/preview"))
    assert "Send the proposal" in page
    monkeypatch.setattr(services, "clock", lambda: utcnow() + 30 * DAY)
    page = text(client.get(f"/proposals/{proposal.id}/preview"))
    assert "Send the proposal</button>" not in page
    assert "The call has closed" in page
