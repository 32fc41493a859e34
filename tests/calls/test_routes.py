"""Call pages through the test client, with CSRF on: public pages, feeds, staff pages, comments."""

import json
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from pb.audit.models import AuditEvent
from pb.calls.models import CallComment, CallStatus, Criterion, FundingCall
from pb.extensions import db
from pb.models_base import utcnow
from tests.factories import make_call, make_steering_group, make_user
from tests.helpers import post_form

DAY = timedelta(days=1)


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def staff(login):
    user = make_user(staff=True, locale="en")
    login(user)
    return user


@pytest.fixture
def resident(login):
    user = make_user(locale="en", name="Riikka Resident")
    login(user)
    return user


def client_for(app, user):
    """A second browser, signed in as ``user`` (the ``login`` fixture's client stays as it is)."""
    from tests.factories import PASSWORD

    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert post_form(other, "/auth/login", {"email": user.email, "password": PASSWORD}).status_code == 302
    return other


def text(response):
    return response.get_data(as_text=True)


def call_form(**overrides):
    data = {
        "title-fi": "Kesähaku",
        "title-en": "Summer call",
        "description-fi": "Kuvaus",
        "themes-fi": "Teemat",
        "total_budget": "50 000",
        "min_grant": "500",
        "max_grant": "5 000",
        "eligible_kinds": "ngo",
        "cofunding_percent": "0",
        "whole_municipality": "y",
        "opens_at": "",
        "closes_at": "",
        "steering_group_id": "",
    }
    data.update(overrides)
    return data


# --- public ----------------------------------------------------------------------------------


def test_public_list_shows_open_and_upcoming_calls_with_countdown(client):
    now = utcnow()
    make_call("open", title_fi="Avoin", closes_at=now + 5 * DAY + timedelta(hours=1))
    make_call("upcoming", title_fi="Tuleva")
    make_call("closed", title_fi="Suljettu")
    make_call("draft", title_fi="Luonnos")
    page = text(client.get("/calls/"))
    assert "Closes in 5 days" in page
    assert "Opens in 9 days" in page  # 10 days at creation, a moment less when the page is built
    assert "€1,000.00 to €10,000.00" in page
    assert "Registered association, Resident group" in page
    titles = re.findall(r'<h3><a href="/calls/\d+">([^<]+)</a></h3>', page)
    assert len(titles) == 2
    assert "Luonnos" not in page


def test_call_page_in_plain_language(client):
    group = make_steering_group("Ohjausryhmä A")
    call = make_call("open", steering_group=group, cofunding_percent=25)
    page = text(client.get(f"/calls/{call.id}"))
    for heading in ("Who can apply", "What we fund", "How it is decided", "What happens after"):
        assert f"<h2>{heading}</h2>" in page
    assert "Ohjausryhmä A" in page
    assert "at least 25 % of the costs yourself" in page
    assert "Criterion 3" in page and "50 %" in page  # weights 1, 2, 3: the last is half of the total
    assert "Open for applications" in page
    assert "Comments are closed" in page


def test_draft_is_not_found_for_the_public_but_staff_can_preview(client, login):
    call = make_call("draft")
    assert client.get(f"/calls/{call.id}").status_code == 404
    assert client.get(f"/calls/{call.id}.json").status_code == 404
    login(make_user(staff=True, locale="en"))
    response = client.get(f"/calls/{call.id}")
    assert response.status_code == 200
    assert "Only staff can see this page" in text(response)
    assert client.get(f"/calls/{call.id}.json").status_code == 404  # open data only once published


def test_html_in_call_texts_is_inert(client):
    call = make_call("open", title={"fi": "<script>alert(1)</script>"}, themes={"fi": "<b>lihava</b>"})
    page = text(client.get(f"/calls/{call.id}"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;lihava&lt;/b&gt;" in page
    feed = client.get("/calls/feed.rss")
    item_title = ElementTree.fromstring(feed.data).find("channel/item/title").text
    assert item_title == "<script>alert(1)</script>"  # escaped in the XML, plain text to a reader


def test_rss_feed_lists_open_calls(client):
    open_call = make_call("open")
    make_call("upcoming")
    make_call("draft")
    response = client.get("/calls/feed.rss")
    assert response.status_code == 200
    assert response.mimetype == "application/rss+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.find("title").text == "Open funding calls"
    items = channel.findall("item")
    assert len(items) == 1
    assert items[0].find("link").text.endswith(f"/calls/{open_call.id}")
    assert items[0].find("title").text == open_call.title["en"]
    assert "Closes" in items[0].find("description").text
    assert items[0].find("pubDate").text.endswith("+0000")


def test_json_feed_lists_open_calls_with_their_data(client):
    open_call = make_call("open")
    make_call("closed")
    response = client.get("/calls/open.json")
    assert response.status_code == 200
    feed = json.loads(response.data)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    [item] = feed["items"]
    assert item["url"].endswith(f"/calls/{open_call.id}")
    assert item["_call"]["accepting_proposals"] is True
    assert item["_call"]["max_grant_cents"] == 1_000_000


def test_call_open_data(client):
    call = make_call("upcoming", cofunding_percent=15)
    data = json.loads(client.get(f"/calls/{call.id}.json").data)
    assert data["status"] == "published"
    assert data["accepting_proposals"] is False
    assert data["title"] == call.title
    assert data["eligible_applicant_kinds"] == ["ngo", "resident_group"]
    assert data["cofunding_percent"] == 15
    assert [c["weight"] for c in data["criteria"]] == [1, 2, 3]
    assert data["closes_at"].endswith("+00:00")
    assert data["steering_group"]["name"] == {"fi": "Ohjausryhmä"}
    assert "created_by" not in data and "comments" not in data


def test_home_page_lists_open_calls(client):
    make_call("open", title={"fi": "Etusivun haku", "en": "Front page call"})
    page = text(client.get("/"))
    assert "Front page call" in page
    assert 'href="/calls/"' in page


def test_countdown_in_words(app):
    from flask_babel import refresh

    from pb.calls.routes import countdown_text

    call = make_call("open")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        closes = call.closes_at
        assert countdown_text(call, closes - 5 * DAY - timedelta(hours=3)) == "Closes in 5 days"
        assert countdown_text(call, closes - 2 * DAY) == "Closes in 2 days"
        assert countdown_text(call, closes - 2 * DAY + timedelta(seconds=1)) == "Closes in 47 hours"
        assert countdown_text(call, closes - timedelta(hours=1)) == "Closes in 1 hour"
        assert countdown_text(call, closes - timedelta(seconds=30)) == "Closes in 1 minute"
        assert countdown_text(call, closes) == ""
        assert countdown_text(call, call.opens_at - 3 * DAY) == "Opens in 3 days"


# --- access ----------------------------------------------------------------------------------


STAFF_PAGES = ("/calls/manage/", "/calls/manage/new", "/calls/manage/{id}", "/calls/manage/{id}/edit",
               "/calls/manage/{id}/criteria/new", "/calls/manage/{id}/status/publish")


def test_staff_pages_are_refused_to_residents_and_anonymous(client, login):
    call = make_call("draft")
    for url in STAFF_PAGES:
        response = client.get(url.format(id=call.id))
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url
    login(make_user(locale="en"))
    for url in STAFF_PAGES:
        assert client.get(url.format(id=call.id)).status_code == 403, url
    criterion = call.criteria[0]
    token_page = f"/calls/{make_call('open').id}"
    for url in (
        f"/calls/manage/{call.id}/status/publish",
        f"/calls/manage/{call.id}/criteria/{criterion.id}/remove",
        f"/calls/manage/{call.id}/criteria/{criterion.id}/move/down",
    ):
        assert post_form(client, url, {}, form_url=token_page).status_code == 403, url
    db.session.refresh(call)
    assert call.status is CallStatus.DRAFT and len(call.criteria) == 3


def test_staff_list_shows_every_call(client, staff):
    make_call("draft", title={"fi": "Luonnos", "en": "Draft call"})
    make_call("open", title={"fi": "Avoin", "en": "Open call"})
    page = text(client.get("/calls/manage/"))
    assert "Draft call" in page and "Open call" in page


# --- staff: create, edit, criteria, transitions ----------------------------------------------


def test_staff_creates_a_draft_call(client, staff):
    group = make_steering_group()
    response = post_form(
        client,
        "/calls/manage/new",
        call_form(steering_group_id=str(group.id), opens_at="1.6.2030 9.00", closes_at="2030-06-30T16:00"),
    )
    assert response.status_code == 302
    call = db.session.execute(db.select(FundingCall)).scalar_one()
    assert response.headers["Location"].endswith(f"/calls/manage/{call.id}")
    assert call.status is CallStatus.DRAFT
    assert call.title == {"fi": "Kesähaku", "en": "Summer call"}
    assert call.total_budget_cents == 5_000_000
    assert call.opens_at.hour == 6  # 9.00 Finnish summer time
    assert call.created_by_id == staff.id
    assert db.session.execute(db.select(AuditEvent.action).filter_by(subject_type="FundingCall")).scalars().all() == [
        "calls.created"
    ]


def test_bad_call_form_keeps_what_was_typed(client, staff):
    long_title = "x" * 10_000
    response = post_form(
        client,
        "/calls/manage/new",
        call_form(**{"title-fi": long_title, "max_grant": "60 000,50", "min_grant": "kaksi",
                     "description-fi": "<script>alert(1)</script>"}),
    )
    page = text(response)
    assert response.status_code == 200
    assert "Please check the following" in page
    assert "Field cannot be longer than 200 characters." in page
    assert "cannot be larger than the total" in page
    assert "with digits" in page
    assert f'value="{long_title}"' in page
    assert 'value="60 000,50"' in page and 'value="kaksi"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)</script>" not in page
    assert db.session.scalar(db.select(db.func.count(FundingCall.id))) == 0


def test_staff_edits_a_draft_and_sees_the_values(client, staff):
    call = make_call("draft")
    form_page = text(client.get(f"/calls/manage/{call.id}/edit"))
    assert 'value="100000"' in form_page  # total budget shown back in euros
    assert f'value="{call.title["fi"]}"' in form_page
    response = post_form(
        client,
        f"/calls/manage/{call.id}/edit",
        call_form(steering_group_id=str(call.steering_group_id), **{"title-fi": "Uusi nimi"}),
    )
    assert response.status_code == 302
    db.session.refresh(call)
    assert call.title["fi"] == "Uusi nimi"
    assert call.opens_at is None  # the form left the dates empty


def test_open_call_cannot_be_edited(client, staff):
    call = make_call("open")
    response = client.get(f"/calls/manage/{call.id}/edit", follow_redirects=True)
    assert "can no longer be changed" in text(response)
    response = client.get(f"/calls/manage/{call.id}/criteria/new", follow_redirects=True)
    assert "criteria can no longer be changed" in text(response)


def test_staff_adds_reorders_edits_and_removes_criteria(client, staff):
    call = make_call("draft", criteria=0)
    manage_url = f"/calls/manage/{call.id}"
    for name, weight in (("Eka", "3"), ("Toka", "1")):
        response = post_form(
            client, f"{manage_url}/criteria/new",
            {"name-fi": name, "guidance-fi": "", "weight": weight, "scale_max": "5"},
        )
        assert response.status_code == 302
    bad = post_form(client, f"{manage_url}/criteria/new", {"name-fi": "Kolmas", "weight": "0", "scale_max": "50"})
    assert "from 1 to 100" in text(bad) and "from 2 to 10" in text(bad) and 'value="Kolmas"' in text(bad)
    first, second = db.session.get(FundingCall, call.id).criteria
    response = post_form(client, f"{manage_url}/criteria/{second.id}/move/up", {}, form_url=manage_url)
    assert response.status_code == 302
    assert [c.id for c in db.session.get(FundingCall, call.id).criteria] == [second.id, first.id]
    post_form(client, f"{manage_url}/criteria/{first.id}/edit",
              {"name-fi": "Eka muutettu", "weight": "4", "scale_max": "10"})
    assert db.session.get(Criterion, first.id).scale_max == 10
    post_form(client, f"{manage_url}/criteria/{second.id}/remove", {}, form_url=manage_url)
    assert [c.display_name for c in db.session.get(FundingCall, call.id).criteria] == ["Eka muutettu"]


def test_criterion_of_another_call_is_not_found(client, staff):
    call, other = make_call("draft"), make_call("draft")
    assert client.get(f"/calls/manage/{call.id}/criteria/{other.criteria[0].id}/edit").status_code == 404


def test_transition_asks_for_confirmation_then_publishes(client, staff):
    call = make_call("draft")
    manage = text(client.get(f"/calls/manage/{call.id}"))
    assert f'href="/calls/manage/{call.id}/status/publish"' in manage
    confirm = text(client.get(f"/calls/manage/{call.id}/status/publish"))
    assert "Publish the call?" in confirm and "Yes, publish" in confirm
    assert db.session.get(FundingCall, call.id).status is CallStatus.DRAFT
    response = post_form(client, f"/calls/manage/{call.id}/status/publish", {}, follow_redirects=True)
    assert "The call is now: Coming soon." in text(response)
    db.session.refresh(call)
    assert call.status is CallStatus.PUBLISHED and call.published_at is not None
    event = db.session.execute(db.select(AuditEvent).filter_by(action="calls.published")).scalar_one()
    assert event.actor_id == staff.id


def test_publishing_an_incomplete_call_explains_what_is_missing(client, staff):
    call = make_call("draft", criteria=0, steering_group=None)
    confirm = text(client.get(f"/calls/manage/{call.id}/status/publish"))
    assert "cannot be published yet" in confirm and "Yes, publish" not in confirm
    response = post_form(client, f"/calls/manage/{call.id}/status/publish", {}, follow_redirects=True)
    page = text(response)
    assert "Add at least one review criterion." in page
    assert "Choose the steering group" in page
    assert db.session.get(FundingCall, call.id).status is CallStatus.DRAFT


def test_illegal_transition_is_refused_with_a_message(client, staff):
    call = make_call("open")
    response = client.get(f"/calls/manage/{call.id}/status/publish", follow_redirects=True)
    assert "cannot be moved to" in text(response)
    response = post_form(client, f"/calls/manage/{call.id}/status/archive", {},
                         form_url=f"/calls/manage/{call.id}", follow_redirects=True)
    assert "cannot be moved to" in text(response)
    assert db.session.get(FundingCall, call.id).status is CallStatus.PUBLISHED
    assert client.get(f"/calls/manage/{call.id}/status/explode").status_code == 404


def test_staff_closes_an_open_call(client, staff):
    call = make_call("open")
    response = post_form(client, f"/calls/manage/{call.id}/status/close", {})
    assert response.status_code == 302
    db.session.refresh(call)
    assert call.status is CallStatus.CLOSED and not call.is_accepting_proposals()


# --- comments --------------------------------------------------------------------------------


def test_resident_comments_before_opening_and_staff_answers(app, client, login):
    call = make_call("upcoming")
    resident = make_user(locale="en", name="Riikka Resident")
    login(resident)
    page = text(client.get(f"/calls/{call.id}"))
    assert "Send the comment" in page
    response = post_form(client, f"/calls/{call.id}/comments", {"body": "Is <b>rent</b> allowed?"},
                         form_url=f"/calls/{call.id}")
    assert response.status_code == 302
    page = text(client.get(f"/calls/{call.id}"))
    assert "Riikka Resident" in page and "Is &lt;b&gt;rent&lt;/b&gt; allowed?" in page
    comment = db.session.execute(db.select(CallComment)).scalar_one()
    assert comment.author_id == resident.id

    staff_client = client_for(app, make_user(staff=True, locale="en", name="Sanna Staff"))
    manage_url = f"/calls/manage/{call.id}"
    empty = post_form(staff_client, f"{manage_url}/comments/{comment.id}/answer", {f"answer-{comment.id}-body": ""},
                      form_url=manage_url)
    assert "Write the answer." in text(empty)
    response = post_form(staff_client, f"{manage_url}/comments/{comment.id}/answer",
                         {f"answer-{comment.id}-body": "Yes, it is."}, form_url=manage_url)
    assert response.status_code == 302
    page = text(client.get(f"/calls/{call.id}"))
    assert "Answer from Sanna Staff (staff)" in page and "Yes, it is." in page
    actions = db.session.execute(
        db.select(AuditEvent.action).where(AuditEvent.action.startswith("calls.comment")).order_by(AuditEvent.id)
    ).scalars().all()
    assert actions == ["calls.comment_added", "calls.comment_answered"]


def test_comment_too_long_keeps_the_text(client, resident):
    call = make_call("upcoming")
    body = "a" * 2001
    response = post_form(client, f"/calls/{call.id}/comments", {"body": body}, form_url=f"/calls/{call.id}")
    assert response.status_code == 422
    assert "at most 2000 characters" in text(response)
    assert body in text(response)
    assert db.session.scalar(db.select(db.func.count(CallComment.id))) == 0


def test_comments_are_refused_once_the_call_opens(client, resident):
    call = make_call("open")
    response = post_form(client, f"/calls/{call.id}/comments", {"body": "Myöhässä"}, form_url=f"/calls/{call.id}")
    assert response.status_code == 422
    assert "Comments are closed: comments are taken only" in text(response)
    assert db.session.scalar(db.select(db.func.count(CallComment.id))) == 0


def test_comments_need_a_verified_account(client, login):
    call = make_call("upcoming")
    response = post_form(client, f"/calls/{call.id}/comments", {"body": "x"}, form_url=f"/calls/{call.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login(make_user(verified=False, locale="en"))
    assert "first confirm your email address" in text(client.get(f"/calls/{call.id}"))
    response = post_form(client, f"/calls/{call.id}/comments", {"body": "x"}, form_url=f"/calls/{call.id}")
    assert response.status_code == 403


def test_comment_on_a_draft_is_not_found(client, resident):
    call = make_call("draft")
    response = post_form(client, f"/calls/{call.id}/comments", {"body": "x"}, form_url="/calls/")
    assert response.status_code == 404
