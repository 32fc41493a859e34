"""Voting pages through the test client, with CSRF on: eligibility, ballots, receipts, codes, staff set-up."""

import re
from datetime import timedelta

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import services
from pb.voting.models import Ballot, BudgetRound, RoundPhase
from tests.factories import make_district, make_round, make_user, make_voter
from tests.helpers import browser as client_for
from tests.helpers import csrf_token, post_form


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client




def text(response):
    return response.get_data(as_text=True)


def ballots():
    return db.session.execute(db.select(Ballot).order_by(Ballot.id)).scalars().all()


def refusal_reasons():
    query = db.select(AuditEvent).filter_by(action="voting.ballot_refused").order_by(AuditEvent.id)
    return [event.details["reason"] for event in db.session.execute(query).scalars()]


def ballot_url(budget):
    return f"/voting/{budget.round_id}/ballot/{budget.id}"


def version_on(page):
    return re.search(r'name="version"[^>]*value="(\d*)"', text(page)).group(1)


def cast(client, budget, project_ids, *, version="", action="cast", form_url=None):
    data = {"project": [str(pid) for pid in project_ids], "version": version, "action": action}
    return post_form(client, ballot_url(budget), data, form_url=form_url)


# --- public pages ----------------------------------------------------------------------------


def test_public_pages_and_drafts(client):
    open_round = make_round("voting")
    draft = make_round("draft")
    assert "Vote now" in text(client.get(f"/voting/{open_round.id}"))
    listing = text(client.get("/voting/"))
    assert open_round.name["en"] in listing and draft.name["en"] not in listing
    assert client.get(f"/voting/{draft.id}").status_code == 404
    assert client.get(f"/voting/{draft.id}/vote").status_code == 404
    vote_page = text(client.get(f"/voting/{open_round.id}/vote"))
    assert "Vote with a code" in vote_page and "Log in to vote" in vote_page


def test_ballot_needs_a_voter(client):
    budget_round = make_round()
    response = client.get(ballot_url(budget_round.budgets[0]))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/voting/{budget_round.id}/vote")


# --- a resident with an account --------------------------------------------------------------


def test_resident_declares_details_then_votes_knapsack_without_javascript(app, client):
    budget_round = make_round(ballot_format="knapsack", projects=3, budget_cents=100_000_00, project_cost_cents=40_000_00)
    budget = budget_round.budgets[0]
    user = make_user(locale="en")
    browser = client_for(app, user)
    response = browser.get(f"/voting/{budget_round.id}/vote")
    assert response.status_code == 302 and response.headers["Location"].endswith("/eligibility")
    response = post_form(browser, f"/voting/{budget_round.id}/eligibility",
                         {"birth_year": "2001", "district_id": str(budget.district_id)})
    assert response.status_code == 200 and "Confirm that the details are true." in text(response)
    response = post_form(browser, f"/voting/{budget_round.id}/eligibility",
                         {"birth_year": "2001", "district_id": str(budget.district_id), "confirm": "y"})
    assert response.status_code == 302
    assert (user.birth_year, user.district_id) == (2001, budget.district_id)

    page = browser.get(ballot_url(budget))
    assert page.status_code == 200
    body = text(page)
    assert "Projects are shown in a random order that is different for every voter." in body
    assert "Update total" in body and 'src="/static/js/ballot.js"' in body and "<script>" not in body
    a, b, c = (project.id for project in budget.projects)
    # "Update total" works on the server: nothing is stored, the ticks stay.
    response = cast(browser, budget, [a, b, c], action="update")
    assert response.status_code == 200 and ballots() == []
    assert "more than the budget" in text(response)
    assert text(response).count("checked") == 3
    response = cast(browser, budget, [a, b], action="update")
    assert "Left: €20,000.00" in text(response)

    response = cast(browser, budget, [a, b])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/ballot/{budget.id}/saved")
    saved = text(browser.get(response.headers["Location"]))
    receipt = re.search(r'class="receipt-code">([A-Z0-9-]+)<', saved).group(1)
    assert ballots()[0].points_by_project() == {a: 1, b: 1}
    assert ballots()[0].age_band == "18-29"
    # The receipt is shown once only.
    assert browser.get(response.headers["Location"]).status_code == 302

    # Change the vote: the page shows the ballot, the last one counts.
    page = browser.get(ballot_url(budget))
    assert "You have already voted here." in text(page)
    response = cast(browser, budget, [c], version=version_on(page))
    assert response.status_code == 302
    assert [ballot.points_by_project() for ballot in ballots()] == [{c: 1}]
    new_receipt = re.search(r'class="receipt-code">([A-Z0-9-]+)<', text(browser.get(response.headers["Location"]))).group(1)

    # The receipt check shows that it was counted, not what was chosen.
    checker = client_for(app)
    result = text(post_form(checker, "/voting/receipt", {"receipt": new_receipt}))
    assert "Your ballot is saved." in result and budget.district.display_name in result
    assert budget.projects[2].title["en"] not in result
    assert "We did not find this receipt code." in text(post_form(checker, "/voting/receipt", {"receipt": receipt}))


def test_bad_ballots_are_refused_with_a_message_nothing_stored_and_audited(app):
    budget_round = make_round(ballot_format="approval", projects=3)
    own, other = budget_round.budgets
    user = make_voter(own.district, locale="en")
    browser = client_for(app, user)
    a, b, c = (project.id for project in own.projects)

    response = cast(browser, own, [a, b, c])
    assert response.status_code == 422 and "You can choose at most 2." in text(response)
    assert text(response).count("checked") == 3  # what the voter ticked stays
    response = cast(browser, own, [other.projects[0].id])
    assert response.status_code == 422 and "not on this ballot" in text(response)
    response = cast(browser, other, [other.projects[0].id], form_url=ballot_url(own))
    assert response.status_code == 403 and "You cannot vote in this budget." in text(response)
    assert browser.get(ballot_url(other)).status_code == 403
    assert ballots() == []

    assert cast(browser, own, [a]).status_code == 302
    response = cast(browser, own, [b])  # the first form again: a replay
    assert response.status_code == 409 and "already sent" in text(response)
    assert ballots()[0].points_by_project() == {a: 1}

    budget_round.voting_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = cast(browser, own, [b], version="1", form_url="/voting/receipt")
    assert response.status_code == 409 and "Voting is not open." in text(response)
    assert ballots()[0].points_by_project() == {a: 1}
    assert refusal_reasons() == ["over_choices", "unknown_project", "forged_district", "replayed", "voting_closed"]


def test_ballot_post_without_csrf_token_is_refused(app):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    browser = client_for(app, make_voter(budget.district))
    response = browser.post(ballot_url(budget), data={"project": str(budget.projects[0].id), "action": "cast"})
    assert response.status_code == 400 and ballots() == []


def test_cumulative_ballot_page(app):
    budget_round = make_round(ballot_format="cumulative", projects=2)
    budget = budget_round.budgets[0]
    browser = client_for(app, make_voter(budget.district, locale="en"))
    a, b = (project.id for project in budget.projects)
    response = post_form(browser, ballot_url(budget), {f"points-{a}": "8", f"points-{b}": "4", "action": "cast", "version": ""})
    assert response.status_code == 422 and "You have 10 points to give." in text(response)
    response = post_form(browser, ballot_url(budget), {f"points-{a}": "6", f"points-{b}": "4", "action": "cast", "version": ""})
    assert response.status_code == 302
    assert ballots()[0].points_by_project() == {a: 6, b: 4}


def test_too_young_resident_cannot_vote(app):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    browser = client_for(app, make_voter(budget.district, birth_year=utcnow().year - 10, locale="en"))
    assert "You can vote if you turn 12 this year or are older." in text(browser.get(f"/voting/{budget_round.id}/vote"))
    response = cast(browser, budget, [budget.projects[0].id], form_url=f"/voting/{budget_round.id}/eligibility")
    assert response.status_code == 403 and ballots() == []
    assert refusal_reasons() == ["too_young"]


# --- voting codes ----------------------------------------------------------------------------


def _codes(budget_round, size=2, district=None):
    staff = make_user(staff=True)
    _batch, plain = services.create_code_batch(staff, budget_round, "Kirjeet", size, district.id if district else None)
    db.session.commit()
    return plain


def test_code_voter_votes_once_and_the_code_cannot_be_reused(app, client):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    code, = _codes(budget_round, 1, budget.district)
    response = post_form(client, f"/voting/{budget_round.id}/code", {"code": code.lower()})
    assert response.status_code == 302
    vote_page = text(client.get(f"/voting/{budget_round.id}/vote"))
    assert "You are voting with a voting code." in vote_page
    assert f"/ballot/{budget.id}" in vote_page and f"/ballot/{budget_round.budgets[1].id}" not in vote_page
    assert cast(client, budget, [budget.projects[0].id]).status_code == 302
    # The same browser may still change it ...
    page = client.get(ballot_url(budget))
    assert cast(client, budget, [budget.projects[1].id], version=version_on(page)).status_code == 302
    assert [b.points_by_project() for b in ballots()] == [{budget.projects[1].id: 1}]
    # ... but another browser cannot use the code again.
    other = client_for(app)
    response = post_form(other, f"/voting/{budget_round.id}/code", {"code": code})
    assert response.status_code == 409 and "already been used" in text(response)
    # Finishing forgets the code in this browser.
    assert post_form(client, f"/voting/{budget_round.id}/code/finish", {}, form_url=f"/voting/{budget_round.id}/vote").status_code == 302
    assert "Vote with a code" in text(client.get(f"/voting/{budget_round.id}/vote"))
    response = post_form(client, f"/voting/{budget_round.id}/code", {"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 422 and "We did not find this code." in text(response)
    assert refusal_reasons() == ["code_reused", "code_unknown"]


def test_same_code_in_two_browsers_before_either_voted(app):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    code, = _codes(budget_round, 1, budget.district)
    first, second = client_for(app), client_for(app)
    for browser in (first, second):
        assert post_form(browser, f"/voting/{budget_round.id}/code", {"code": code}).status_code == 302
    second_token = csrf_token(second, ballot_url(budget))  # both pages are open ...
    assert cast(first, budget, [budget.projects[0].id]).status_code == 302  # ... the first sends
    response = second.post(ballot_url(budget), data={"project": str(budget.projects[1].id), "version": "",
                                                     "action": "cast", "csrf_token": second_token})
    assert response.status_code == 409 and "already been used" in text(response)
    assert [b.points_by_project() for b in ballots()] == [{budget.projects[0].id: 1}]


def test_popup_code_asks_for_the_district(app, client):
    budget_round = make_round()
    budget = budget_round.budgets[1]
    code, = _codes(budget_round, 1)
    response = post_form(client, f"/voting/{budget_round.id}/code", {"code": code})
    assert response.status_code == 422 and "Choose your home district." in text(response)
    response = post_form(client, f"/voting/{budget_round.id}/code", {"code": code, "district_id": str(budget.district_id)})
    assert response.status_code == 302
    assert cast(client, budget, [budget.projects[0].id]).status_code == 302
    assert ballots()[0].round_budget_id == budget.id


# --- staff: set-up ---------------------------------------------------------------------------


def test_staff_create_a_round_set_budgets_add_projects_and_open_voting(app):
    staff = make_user(staff=True, locale="en")
    districts = [make_district(name) for name in ("Pohjoinen", "Itä", "Länsi")]
    browser = client_for(app, staff)
    closes = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = post_form(browser, "/voting/manage/new", {
        "name-fi": "Lähibudjetti", "ballot_format": "knapsack", "rule": "equalshares/add1", "min_age": "12",
        "eligibility": "own_plus_citywide", "identity_policy": "verified", "voting_closes_at": closes,
    })
    assert response.status_code == 302, text(response)
    budget_round = db.session.execute(db.select(BudgetRound)).scalar_one()
    data = {"citywide": "100 000"}
    data.update({f"district_{d.id}": "50 000" for d in districts})
    assert post_form(browser, f"/voting/manage/{budget_round.id}/budgets", data).status_code == 302
    assert sorted(b.amount_cents for b in budget_round.budgets) == [50_000_00] * 3 + [100_000_00]
    for budget in budget_round.budgets:
        response = post_form(browser, f"/voting/manage/{budget_round.id}/projects/new",
                             {"round_budget_id": str(budget.id), "title-fi": "Penkit", "cost": "12 000"})
        assert response.status_code == 302
    for _phase in range(4):  # draft -> ideas -> co-development -> cost estimation -> voting, each confirmed
        post_form(browser, f"/voting/manage/{budget_round.id}/advance", {})
    assert budget_round.phase is RoundPhase.VOTING and budget_round.is_frozen
    page = text(browser.get(f"/voting/manage/{budget_round.id}"))
    assert "Set the budgets" not in page and "Enter paper ballots" in page
    response = post_form(browser, f"/voting/manage/{budget_round.id}/edit", {
        "name-fi": "Lähibudjetti", "ballot_format": "approval", "max_choices": "3", "rule": "greedy", "min_age": "12",
        "eligibility": "own_plus_citywide", "identity_policy": "verified", "voting_closes_at": closes,
    })
    assert response.status_code == 409 and "can no longer be changed" in text(response)
    assert budget_round.ballot_format.value == "knapsack"
    project = budget_round.budgets[0].projects[0]
    response = post_form(browser, f"/voting/manage/projects/{project.id}/delete", {}, form_url=f"/voting/manage/{budget_round.id}")
    assert db.session.get(type(project), project.id) is not None


def test_staff_pages_need_staff(app):
    budget_round = make_round()
    resident = client_for(app, make_voter(budget_round.budgets[0].district))
    for url in ("/voting/manage/", f"/voting/manage/{budget_round.id}", f"/voting/manage/{budget_round.id}/codes",
                f"/voting/manage/{budget_round.id}/paper", f"/voting/manage/{budget_round.id}/duplicates"):
        assert resident.get(url).status_code == 403, url


def test_code_batch_is_printed_once(app):
    budget_round = make_round()
    browser = client_for(app, make_user(staff=True, locale="en"))
    response = post_form(browser, f"/voting/manage/{budget_round.id}/codes",
                         {"label": "Letters East", "size": "5", "district_id": str(budget_round.budgets[0].district_id)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    printed = re.findall(r"<code>([A-Z0-9-]{14})</code>", text(response))
    assert len(printed) == 5
    listing = text(browser.get(f"/voting/manage/{budget_round.id}/codes"))
    assert "Letters East" in listing and not any(code in listing for code in printed)
    assert services.find_code(budget_round, printed[0]) is not None


def test_ideas_become_projects(app):
    budget_round = make_round("idea_collection", projects=0)
    budget = budget_round.budgets[0]
    resident = client_for(app, make_voter(budget.district, locale="en"))
    response = post_form(resident, f"/voting/{budget_round.id}/ideas/new", {
        "title": "Benches", "text": "Benches by the lake.", "district_id": str(budget.district_id), "location": "Lake park",
    })
    assert response.status_code == 302
    duplicate = post_form(resident, f"/voting/{budget_round.id}/ideas/new", {
        "title": "Seats by the lake", "text": "Places to sit.", "district_id": str(budget.district_id),
    })
    idea_id = int(response.headers["Location"].rsplit("/", 1)[1])
    duplicate_id = int(duplicate.headers["Location"].rsplit("/", 1)[1])
    staff = client_for(app, make_user(staff=True, locale="en"))
    manage = f"/voting/manage/ideas/{idea_id}"
    assert post_form(staff, f"{manage}/assess", {"feasible": "yes", "reason": "Fits the park plan.", "cost_estimate": "8 000"}, form_url=manage).status_code == 302
    assert post_form(staff, f"/voting/manage/ideas/{duplicate_id}/merge", {"into_id": str(idea_id)}, form_url=manage).status_code == 302
    response = post_form(staff, f"{manage}/publish", {"round_budget_id": str(budget.id), "title-fi": "Penkit", "cost": "8 000"}, form_url=manage)
    assert response.status_code == 302
    assert [(p.display_title, p.cost_cents) for p in budget.projects] == [("Penkit", 8_000_00)]
    public = text(client_for(app).get(f"/voting/ideas/{duplicate_id}"))
    assert "Combined with a similar idea" in public and "Benches" in public
    assert "Fits the park plan." in text(client_for(app).get(f"/voting/ideas/{idea_id}"))


PNG = bytes.fromhex(  # 1x1, one transparent pixel; a picture must now open as one (it is re-encoded)
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


def test_idea_with_a_picture(app):
    from io import BytesIO

    from PIL import Image

    budget_round = make_round("idea_collection", projects=0)
    district = budget_round.budgets[0].district
    resident = client_for(app, make_voter(district, locale="en"))
    url = f"/voting/{budget_round.id}/ideas/new"
    fields = {"title": "Mural", "text": "Paint the underpass.", "district_id": str(district.id)}
    token = csrf_token(resident, url)
    response = resident.post(url, data={**fields, "csrf_token": token, "image": (BytesIO(b"%PDF-1.4 not a picture"), "plan.pdf")},
                             content_type="multipart/form-data")
    assert response.status_code == 422 and "PNG or JPEG" in text(response)
    response = resident.post(url, data={**fields, "csrf_token": token, "image": (BytesIO(PNG), "my-name.png")},
                             content_type="multipart/form-data")
    assert response.status_code == 302
    idea_page = text(client_for(app).get(response.headers["Location"]))
    picture = re.search(r'href="(/voting/ideas/\d+/picture)"', idea_page).group(1)
    download = client_for(app).get(picture)
    body, disposition = download.data, download.headers["Content-Disposition"]
    download.close()  # the file stays open until the response is closed
    assert download.status_code == 200 and "my-name" not in disposition
    with Image.open(BytesIO(body)) as served:  # re-encoded without metadata: the same picture
        assert served.format == "PNG" and served.size == (1, 1) and served.getpixel((0, 0)) == (0, 0, 0, 0)
