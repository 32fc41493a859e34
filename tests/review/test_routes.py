"""Review pages through the test client with CSRF on: who may open what (recusals, other groups,
applicants, signed minutes), refused input (kept, explained and audited), exports and public pages."""

import json
import re
import zlib
from datetime import timedelta

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.models_base import utcnow
from pb.proposals.models import DecisionOutcome
from pb.review.models import MeetingStatus, Review
from pb.review.services import conflicts, meetings
from pb.transactions import commit
from tests.factories import PASSWORD, make_steering_group, make_user
from tests.helpers import csrf_token, post_form
from tests.review.support import review_setup, score

DAY = timedelta(days=1)


@pytest.fixture
def setup():
    return review_setup()


@pytest.fixture
def as_user(app):
    """``as_user(user)``: a new client (reading English) signed in as ``user`` through the login form."""

    def sign_in(user):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        response = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return sign_in


def refusals():
    return db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "review.refused")).scalars().all()


def signed_meeting(setup):
    alpha, beta, _gamma = setup.proposals
    meeting = meetings.prepare(setup.staff, setup.call, utcnow() + DAY, "Room", [setup.chair.id, setup.member.id],
                               setup.chair.id, [alpha.id, beta.id])
    meetings.start(setup.chair, meeting)
    items = {item.proposal_id: item for item in meeting.items}
    meetings.decide(setup.chair, items[alpha.id], DecisionOutcome.APPROVED_REDUCED, 2_000_00, "Report in May.",
                    "Good, but the rent is too high.")
    meetings.decide(setup.chair, items[beta.id], DecisionOutcome.REJECTED, None, "", "Not open to all residents.")
    meetings.close(setup.chair, meeting)
    meetings.sign(setup.chair, meeting)
    commit()
    return meeting, items


def proposal_urls(proposal, member_id, meeting=None, item=None):
    urls = [
        ("get", f"/review/proposals/{proposal.id}"),
        ("get", f"/review/proposals/{proposal.id}/declare"),
        ("post", f"/review/proposals/{proposal.id}"),
        ("post", f"/review/proposals/{proposal.id}/declare"),
        ("post", f"/review/proposals/{proposal.id}/reopen"),
        ("get", f"/review/proposals/{proposal.id}/paper/{member_id}"),
        ("post", f"/review/proposals/{proposal.id}/paper/{member_id}"),
        ("get", f"/review/proposals/{proposal.id}/reviewers"),
        ("post", f"/review/proposals/{proposal.id}/reviewers"),
    ]
    if meeting is not None:
        urls += [("get", f"/review/meetings/{meeting.id}/items/{item.id}"),
                 ("post", f"/review/meetings/{meeting.id}/items/{item.id}")]
    return urls


def request(client, method, url):
    if method == "get":
        return client.get(url)
    return client.post(url, data={"csrf_token": csrf_token(client, "/")})


# --- recusal ----------------------------------------------------------------------------------


def test_a_recused_member_gets_403_on_every_view_action_and_export_of_that_proposal(as_user):
    setup = review_setup(staff_member=True)
    alpha, beta, _gamma = setup.proposals
    conflicts.declare(setup.member, alpha, setup.member, True, "Board member of the applicant")
    conflicts.declare(setup.staff, alpha, setup.staff, True, "My sister runs it")
    commit()
    score(beta, setup.member, 1, 2, 3)
    score(alpha, setup.chair, 5, 5, 5, recommendation=None, submit=False)
    meeting = meetings.prepare(setup.staff, setup.call, utcnow() + DAY, "", [setup.chair.id, setup.member.id],
                               setup.chair.id, [alpha.id, beta.id])
    meetings.start(setup.chair, meeting)
    commit()
    item = next(i for i in meeting.items if i.proposal_id == alpha.id)
    expert_member = next(m for m in setup.group.members if m.user_id == setup.expert.id)
    for user in (setup.member, setup.staff):
        client = as_user(user)
        for method, url in proposal_urls(alpha, expert_member.id, meeting, item):
            response = request(client, method, url)
            assert response.status_code == 403, (user.display_name, method, url, response.status_code)
        # call-level exports leave the proposal out
        assert "Alpha" not in client.get(f"/review/calls/{setup.call.id}/ranking.csv").get_data(as_text=True)
        assert "Alpha" not in client.get(f"/review/calls/{setup.call.id}/ranking").get_data(as_text=True)
        own = next(m for m in setup.group.members if m.user_id == user.id)
        pack = client.get(f"/review/calls/{setup.call.id}/pack/{own.id}")
        assert pack.status_code == 200 and "Alpha" not in pack.get_data(as_text=True)
        meeting_page = client.get(f"/review/meetings/{meeting.id}").get_data(as_text=True)
        assert "You are recused from this proposal." in meeting_page
    # the others still can
    assert as_user(setup.chair).get(f"/review/proposals/{alpha.id}").status_code == 200


def test_a_member_of_another_group_sees_nothing_of_this_call(setup, as_user):
    meeting, _items = signed_meeting(setup)
    stranger = make_user(locale="en")
    make_steering_group("Toinen", members=[(stranger, "member")])
    client = as_user(stranger)
    call_id = setup.call.id
    some_member = setup.group.members[0]
    urls = [f"/review/calls/{call_id}", f"/review/calls/{call_id}/ranking", f"/review/calls/{call_id}/ranking.csv",
            f"/review/calls/{call_id}/conflicts", f"/review/calls/{call_id}/meetings",
            f"/review/calls/{call_id}/pack/{some_member.id}", f"/review/meetings/{meeting.id}",
            f"/review/meetings/{meeting.id}/minutes", f"/review/meetings/{meeting.id}/minutes.pdf"]
    urls += [url for method, url in proposal_urls(setup.proposals[0], some_member.id) if method == "get"]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert setup.call.display_title not in client.get("/review/").get_data(as_text=True)


def test_the_applicant_never_sees_reviewers_scores_or_names(setup, as_user):
    alpha = setup.proposals[0]
    score(alpha, setup.chair, 5, 4, 3)
    score(alpha, setup.member, 2, 2, 2)
    signed_meeting(setup)
    client = as_user(setup.applicant)
    for url in (f"/review/proposals/{alpha.id}", f"/review/calls/{setup.call.id}/ranking",
                f"/review/calls/{setup.call.id}/ranking.csv", f"/review/calls/{setup.call.id}"):
        assert client.get(url).status_code == 403, url
    page = client.get(f"/proposals/{alpha.id}").get_data(as_text=True)
    assert "Approved with a smaller amount" in page and "Report in May." in page
    assert "Ask for a review within 14 days." in page
    for name in ("Chair Person", "Member Person", "Expert Person"):
        assert name not in page
    public = client.get(f"/decisions/calls/{setup.call.id}").get_data(as_text=True)
    for name in ("Chair Person", "Member Person"):
        assert name not in public


# --- blind scoring through the pages ----------------------------------------------------------


def _sheet(call, points, action="submit", **extra):
    data = {f"score_{c.id}": str(p) for c, p in zip(call.criteria, points, strict=True)}
    data.update({"recommendation": "fund", "comment": "Overall fine.", "action": action, **extra})
    return data


def test_declare_then_score_blind_then_see_the_others(setup, as_user):
    alpha = setup.proposals[0]
    score(alpha, setup.chair, 5, 5, 5)
    client = as_user(setup.member)
    response = client.get(f"/review/proposals/{alpha.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/review/proposals/{alpha.id}/declare")
    response = post_form(client, f"/review/proposals/{alpha.id}/declare", {"has_conflict": "no"})
    assert response.status_code == 302
    page = client.get(f"/review/proposals/{alpha.id}").get_data(as_text=True)
    assert "Chair Person" not in page and "shown after you submit your own review" in page
    response = post_form(client, f"/review/proposals/{alpha.id}", _sheet(setup.call, (3, "na", 4)))
    assert response.status_code == 302
    page = client.get(f"/review/proposals/{alpha.id}").get_data(as_text=True)
    assert "Chair Person" in page and "not applicable" in page


def test_a_score_outside_the_scale_is_refused_kept_and_audited(setup, as_user):
    alpha = setup.proposals[0]
    client = as_user(setup.member)
    post_form(client, f"/review/proposals/{alpha.id}/declare", {"has_conflict": "no"})
    response = post_form(client, f"/review/proposals/{alpha.id}", _sheet(setup.call, (9, 1, 1), comment="Keep me"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "give points from 0 to 5" in page and "Keep me" in page
    assert db.session.execute(db.select(Review)).scalars().all() == []
    assert [event.details["attempt"] for event in refusals()] == ["submit"]


def test_double_submit_and_late_scoring_are_refused(setup, as_user):
    alpha = setup.proposals[0]
    client = as_user(setup.member)
    post_form(client, f"/review/proposals/{alpha.id}/declare", {"has_conflict": "no"})
    assert post_form(client, f"/review/proposals/{alpha.id}", _sheet(setup.call, (1, 1, 1))).status_code == 302
    response = post_form(client, f"/review/proposals/{alpha.id}", _sheet(setup.call, (2, 2, 2)),
                         form_url=f"/review/calls/{setup.call.id}")
    assert response.status_code == 422 and "already been submitted" in response.get_data(as_text=True)
    beta = setup.proposals[1]
    setup.call.review_deadline = utcnow() - DAY
    db.session.commit()
    post_form(client, f"/review/proposals/{beta.id}/declare", {"has_conflict": "no"})
    response = post_form(client, f"/review/proposals/{beta.id}", _sheet(setup.call, (2, 2, 2)),
                         form_url=f"/review/calls/{setup.call.id}")
    assert response.status_code == 422 and "deadline has passed" in response.get_data(as_text=True)
    assert len(refusals()) == 2


def test_staff_enter_a_paper_review(setup, as_user):
    alpha = setup.proposals[0]
    expert_member = next(m for m in setup.group.members if m.user_id == setup.expert.id)
    client = as_user(setup.staff)
    url = f"/review/proposals/{alpha.id}/paper/{expert_member.id}"
    response = post_form(client, url, {"has_conflict": "no", **_sheet(setup.call, (4, 4, 4))})
    assert response.status_code == 302, response.get_data(as_text=True)
    review = db.session.execute(db.select(Review)).scalar_one()
    assert review.reviewer_id == setup.expert.id and review.entered_by_id == setup.staff.id
    assert "Expert Person (on paper)" in client.get(f"/review/proposals/{alpha.id}").get_data(as_text=True)


# --- meetings ---------------------------------------------------------------------------------


def test_forged_proposal_id_in_the_meeting_form_is_refused_and_audited(setup, as_user):
    client = as_user(setup.staff)
    url = f"/review/calls/{setup.call.id}/meetings/new"
    response = post_form(client, url, {
        "held_at": "2030-01-15T17:00", "place": "Room 5", "attendees": [setup.chair.id], "chair_id": setup.chair.id,
        "proposals": [setup.proposals[0].id, 999_999],
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "cannot be decided in this meeting" in page and "Room 5" in page
    assert [event.details["attempt"] for event in refusals()] == ["prepare_meeting"]


def test_decision_without_reasons_and_over_budget_are_refused_with_input_kept(as_user):
    setup = review_setup(budget_cents=5_000_00)
    alpha, beta, _gamma = setup.proposals
    meeting = meetings.prepare(setup.staff, setup.call, utcnow(), "", [setup.chair.id], setup.chair.id, [alpha.id, beta.id])
    meetings.start(setup.chair, meeting)
    commit()
    items = {item.proposal_id: item for item in meeting.items}
    client = as_user(setup.chair)
    url = f"/review/meetings/{meeting.id}/items/{items[alpha.id].id}"
    response = post_form(client, url, {"outcome": "approved_reduced", "amount": "1 500", "conditions": "Keep receipts",
                                       "reasons": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Write the reasons" in page and "Keep receipts" in page
    assert post_form(client, url, {"outcome": "approved", "reasons": "Fine."}).status_code == 302
    url = f"/review/meetings/{meeting.id}/items/{items[beta.id].id}"
    response = post_form(client, url, {"outcome": "approved", "reasons": "Also fine."})
    assert response.status_code == 422 and "more than the budget" in response.get_data(as_text=True)
    response = post_form(client, url, {"outcome": "approved", "reasons": "Also fine.",
                                       "over_budget_reason": "Unused money from the spring call."})
    assert response.status_code == 302
    assert len(refusals()) == 2


def test_nobody_can_change_signed_minutes(setup, as_user):
    meeting, items = signed_meeting(setup)
    beta_item = items[setup.proposals[1].id]
    for user in (setup.chair, setup.staff):
        client = as_user(user)
        response = post_form(client, f"/review/meetings/{meeting.id}/items/{beta_item.id}",
                             {"outcome": "approved", "reasons": "Changed our mind."},
                             form_url=f"/review/meetings/{meeting.id}")
        assert response.status_code == 302
        post_form(client, f"/review/meetings/{meeting.id}/close", {"notes": "x"}, form_url=f"/review/meetings/{meeting.id}")
        post_form(client, f"/review/meetings/{meeting.id}/sign", {}, form_url=f"/review/meetings/{meeting.id}")
        post_form(client, f"/review/meetings/{meeting.id}/start", {}, form_url=f"/review/meetings/{meeting.id}")
    db.session.refresh(beta_item)
    assert beta_item.outcome is DecisionOutcome.REJECTED and beta_item.reasons == "Not open to all residents."
    assert meeting.status is MeetingStatus.SIGNED and meeting.notes == ""


def test_minutes_page_and_tagged_pdf(setup, as_user):
    conflicts.declare(setup.expert, setup.proposals[1], setup.expert, True, "Works for the applicant")
    commit()
    meeting, _items = signed_meeting(setup)
    client = as_user(setup.member)
    page = client.get(f"/review/meetings/{meeting.id}/minutes").get_data(as_text=True)
    for text in ("Chair Person", "Member Person", "Report in May.", "Not open to all residents.",
                 "Works for the applicant", "signed by Chair Person"):
        assert text in page
    response = client.get(f"/review/meetings/{meeting.id}/minutes.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert pdf_is_tagged_pdf_ua(response.data)


def pdf_is_tagged_pdf_ua(data):
    """A PDF/UA-1 file declares it in its XMP metadata and has a structure tree (tags)."""
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    everything = b"\n".join(chunks)
    return data.startswith(b"%PDF") and b"pdfuaid:part" in everything and b"/StructTreeRoot" in everything


# --- exports and public pages -----------------------------------------------------------------


def test_ranking_csv_is_safe_against_formulas(setup, as_user):
    alpha = setup.proposals[0]
    alpha.latest_version.snapshot = {**alpha.latest_version.snapshot, "title": '=HYPERLINK("http://evil","x")'}
    db.session.commit()
    body = as_user(setup.staff).get(f"/review/calls/{setup.call.id}/ranking.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body and ',=HYPERLINK' not in body


def test_public_decisions_page_and_open_data(setup, client):
    signed_meeting(setup)
    page = client.get(f"/decisions/calls/{setup.call.id}").get_data(as_text=True)
    assert "Alpha" in page and "Report in May." in page and "Not open to all residents." in page
    assert "Gamma" not in page  # not decided
    data = json.loads(client.get(f"/decisions/calls/{setup.call.id}.json").get_data(as_text=True))
    assert [(d["title"], d["decision"], d["granted_cents"]) for d in data["decisions"]] == [
        ("Alpha", "approved_reduced", 2_000_00), ("Beta", "rejected", None)]
    csv_text = client.get(f"/decisions/calls/{setup.call.id}.csv").get_data(as_text=True)
    assert csv_text.splitlines()[1].startswith(f"{setup.proposals[0].id},Alpha,")


def test_staff_see_every_submitted_version_of_a_changed_review(setup, as_user):
    from pb.review.services import reviews

    alpha = setup.proposals[0]
    review = score(alpha, setup.member, 1, 1, 1)
    reviews.reopen(setup.member, review)
    commit()
    score(alpha, setup.member, 4, 4, None)
    page = as_user(setup.staff).get(f"/review/proposals/{alpha.id}").get_data(as_text=True)
    assert "Every submitted version of the reviews" in page
    assert page.count("Member Person, ") == 2 and "not applicable" in page
