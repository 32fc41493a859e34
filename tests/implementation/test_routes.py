"""Implementation pages over HTTP: who may see and do what, bad input refused with clear messages and
what was typed kept, followers' mail in their own language, and the unfollow link from the mail."""

import io
import re
from pathlib import Path

import pytest

from pb.extensions import db
from pb.implementation import services
from pb.implementation.models import ImplementationStatus, ImplementationUpdate, ProjectFollower
from pb.transactions import commit
from pb.voting.models import Idea, IdeaStatus
from tests.factories import make_user
from tests.helpers import csrf_token, post_form
from tests.implementation.support import funded_round, png_bytes, record_form, resident, staff_member


def story_url(record):
    return f"/implementation/projects/{record.project_id}"


def edit_url(record):
    return f"/implementation/manage/projects/{record.project_id}"


def update_url(record):
    return f"/implementation/manage/projects/{record.project_id}/updates/new"


def followers_of(record):
    return db.session.execute(db.select(ProjectFollower.user_id).filter_by(implementation_id=record.id)).scalars().all()


# --- who sees what ---------------------------------------------------------------------------


def test_anyone_reads_the_story_without_the_idea_authors_name(app, client):
    budget_round, budget, _run, records = funded_round(app)
    author = make_user(name="Private Person Pirkko")
    db.session.add(Idea(round_id=budget_round.id, district_id=budget.district_id, author_id=author.id,
                        title="Leikkipuisto lähelle", text="Lapsille paikka leikkiä.", status=IdeaStatus.ON_BALLOT,
                        project_id=records[0].project_id))
    db.session.commit()
    page = client.get(story_url(records[0]))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Leikkipuisto lähelle" in html  # the idea it came from
    assert "Private Person Pirkko" not in html and author.email not in html
    assert "Most votes first" in html  # the rule that selected it
    assert "Money allocated" in html and "30,000.00" in html
    assert "Log in to follow this project" in html
    assert "Edit status, money and dates" not in html


def test_the_round_and_index_pages_list_the_funded_projects(app, client):
    budget_round, _budget, _run, records = funded_round(app)
    round_page = client.get(f"/implementation/rounds/{budget_round.id}").get_data(as_text=True)
    assert round_page.count('class="card"') == 2
    assert "Progress: 0 %" in round_page
    assert f"/implementation/rounds/{budget_round.id}" in client.get("/implementation/").get_data(as_text=True)


def test_a_project_without_a_record_has_no_story_page(app, client):
    _round, budget, _run, _records = funded_round(app)
    not_funded = budget.projects[3]
    assert client.get(f"/implementation/projects/{not_funded.id}").status_code == 404


@pytest.mark.parametrize("url_of", [edit_url, update_url])
def test_residents_may_not_edit_or_post_updates(app, client, login, url_of):
    _round, _budget, _run, records = funded_round(app)
    assert client.get(url_of(records[0])).status_code == 302  # anonymous: to the login page
    login(resident())
    assert client.get(url_of(records[0])).status_code == 403
    token = csrf_token(client, story_url(records[0]))
    response = client.post(url_of(records[0]), data={**record_form(records[0], progress="50"), "csrf_token": token})
    assert response.status_code == 403
    db.session.refresh(records[0])
    assert records[0].progress == 0


def test_residents_may_not_see_the_staff_overview(app, client, login):
    funded_round(app)
    login(resident())
    assert client.get("/implementation/manage").status_code == 403


def test_staff_see_late_projects_first_on_the_overview(app, client, login):
    from datetime import timedelta

    from pb.implementation.models import helsinki_today

    _round, _budget, _run, records = funded_round(app)
    records[1].planned_end = helsinki_today() - timedelta(days=3)
    db.session.commit()
    login(staff_member())
    html = client.get("/implementation/manage").get_data(as_text=True)
    assert "1 project is late." in html
    assert html.index(records[1].project.title["fi"]) < html.index(records[0].project.title["fi"])


# --- staff's edits and bad input -------------------------------------------------------------


def test_staff_edit_the_record(app, client, login):
    _round, _budget, _run, records = funded_round(app)
    login(staff_member())
    response = post_form(client, edit_url(records[0]), record_form(
        records[0], responsible_unit="Parks and streets", status="in_progress", progress="35",
        actual_cost="1 200,50", planned_start="2026-01-10", planned_end="31.12.2030", actual_start="2026-01-12",
    ))
    assert response.status_code == 302
    db.session.refresh(records[0])
    assert (records[0].status, records[0].progress, records[0].actual_cost_cents) == (
        ImplementationStatus.IN_PROGRESS, 35, 120050)
    assert str(records[0].planned_end) == "2030-12-31"
    assert records[0].responsible_unit == "Parks and streets"


@pytest.mark.parametrize(
    ("changes", "message", "kept"),
    [
        ({"progress": "120"}, "The progress is a whole number from 0 to 100.", 'value="120"'),
        ({"actual_cost": "-50"}, "The amount cannot be negative.", 'value="-50"'),
        ({"planned_start": "2026-05-10", "planned_end": "2026-05-01"}, "The end date cannot be before the start date.",
         'value="2026-05-01"'),
        ({"status": "cancelled", "responsible_unit": "Parks typed here"},
         "Write the public reason for cancelling the project, at least in Finnish.", 'value="Parks typed here"'),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_what_was_typed_is_kept(app, client, login, changes, message, kept):
    _round, _budget, _run, records = funded_round(app)
    login(staff_member())
    response = post_form(client, edit_url(records[0]), record_form(records[0], **changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="error-summary"' in html
    assert kept in html
    db.session.refresh(records[0])
    assert records[0].status is ImplementationStatus.PLANNED and records[0].progress == 0


def test_every_problem_of_a_form_shows_at_once(app, client, login):
    _round, _budget, _run, records = funded_round(app)
    login(staff_member())
    html = post_form(client, edit_url(records[0]), record_form(
        records[0], progress="120", status="cancelled", planned_start="2026-05-10", planned_end="2026-05-01",
    )).get_data(as_text=True)
    for message in ("The progress is a whole number from 0 to 100.", "The end date cannot be before the start date.",
                    "Write the public reason for cancelling the project, at least in Finnish."):
        assert message in html


def _post_update(client, record, photo=None, **fields):
    data = {"text-fi": "Työt alkoivat.", "text-sv": "", "text-en": "Work has started.",
            "photo_alt-fi": "", "photo_alt-sv": "", "photo_alt-en": "", **fields}
    if photo is not None:
        data["photo"] = photo
    data["csrf_token"] = csrf_token(client, update_url(record))
    return client.post(update_url(record), data=data, content_type="multipart/form-data")


def test_a_photo_that_is_not_a_picture_is_refused_and_the_text_kept(app, client, login):
    _round, _budget, _run, records = funded_round(app)
    login(staff_member())
    response = _post_update(client, records[0], photo=(io.BytesIO(b"just some text, not a picture"), "photo.jpg"),
                            **{"photo_alt-fi": "Kuva työmaasta"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The photo must be a PNG or JPEG picture." in html
    assert "Work has started." in html and 'value="Kuva työmaasta"' in html
    assert db.session.scalar(db.select(db.func.count(ImplementationUpdate.id))) == 0
    assert list(Path(app.config["UPLOAD_PATH"]).glob("*.jpg")) == []


def test_a_photo_without_its_description_is_refused_and_not_kept(app, client, login):
    _round, _budget, _run, records = funded_round(app)
    login(staff_member())
    uploads = Path(app.config["UPLOAD_PATH"])
    before = set(uploads.glob("*")) if uploads.exists() else set()
    response = _post_update(client, records[0], photo=(io.BytesIO(png_bytes()), "site.png"))
    assert response.status_code == 422
    assert "Describe what the photo shows" in response.get_data(as_text=True)
    assert (set(uploads.glob("*")) if uploads.exists() else set()) == before


def test_a_photo_with_its_description_is_shown_on_the_story_page(app, client, login):
    _round, _budget, _run, records = funded_round(app)
    login(staff_member())
    response = _post_update(client, records[0], photo=(io.BytesIO(png_bytes()), "site.png"),
                            **{"photo_alt-fi": "Uusi penkki", "photo_alt-en": "A new bench"})
    assert response.status_code == 302
    update = db.session.execute(db.select(ImplementationUpdate)).scalar_one()
    html = client.get(story_url(records[0])).get_data(as_text=True)
    assert f'src="/implementation/updates/{update.id}/photo" alt="A new bench"' in html
    picture = client.get(f"/implementation/updates/{update.id}/photo")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    picture.close()


# --- following and the followers' mail ------------------------------------------------------


def _follow(client, login, person, record):
    login(person)
    response = post_form(client, f"/implementation/projects/{record.project_id}/follow", {}, form_url=story_url(record))
    assert response.status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})


def test_followers_get_each_update_by_mail_in_their_own_language(app, client, login, outbox):
    _round, _budget, _run, records = funded_round(app)
    english, finnish = resident(), make_user(locale="fi")
    _follow(client, login, english, records[0])
    _follow(client, login, finnish, records[0])
    assert sorted(followers_of(records[0])) == sorted([english.id, finnish.id])
    login(staff_member())
    assert _post_update(client, records[0]).status_code == 302
    mails = {to: (subject, body) for to, subject, body in outbox.messages()}
    assert set(mails) == {english.email, finnish.email}
    subject, body = mails[english.email]
    assert records[0].project.title["fi"] in subject
    assert "Work has started." in body and "Työt alkoivat." not in body
    assert "Työt alkoivat." in mails[finnish.email][1]
    assert f"/implementation/projects/{records[0].project_id}" in body
    assert re.search(r"/implementation/unfollow/\S+", body)


def test_the_unfollow_link_works_without_signing_in(app, client, login, outbox):
    _round, _budget, _run, records = funded_round(app)
    person = resident()
    _follow(client, login, person, records[0])
    login(staff_member())
    _post_update(client, records[0])
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    link = outbox.last_link(r"https?://\S+/implementation/unfollow/\S+")
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200 and "Stop the mail" in page.get_data(as_text=True)
    assert followers_of(records[0]) == [person.id]  # opening the link changes nothing (mail scanners open links)
    done = post_form(client, f"/{path}", {})
    assert done.status_code == 200 and "You no longer follow" in done.get_data(as_text=True)
    assert followers_of(records[0]) == []


def test_an_unfollow_link_does_not_work_for_another_account_or_when_tampered_with(app, client, login):
    _round, _budget, _run, records = funded_round(app)
    owner, other = resident(), resident()
    services.follow(owner, records[0])
    services.follow(other, records[0])
    commit()
    with app.test_request_context():
        token = services.unfollow_token(owner, records[0])
        other_token = services.unfollow_token(other, records[0])
    login(other)
    assert client.get(f"/implementation/unfollow/{token}").status_code == 403
    token_for_form = csrf_token(client, story_url(records[0]))
    assert client.post(f"/implementation/unfollow/{token}", data={"csrf_token": token_for_form}).status_code == 403
    assert sorted(followers_of(records[0])) == sorted([owner.id, other.id])
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    # The payload of one link with the signature of another: refused.
    forged = token.split(".")[0] + "." + ".".join(other_token.split(".")[1:])
    assert client.get(f"/implementation/unfollow/{forged}").status_code == 404
    # A link signed for something else (a password reset) is not an unfollow link.
    from pb.tokens import Purpose, make_token

    with app.test_request_context():
        reset = make_token(Purpose.RESET_PASSWORD, {"user": owner.id, "implementation": records[0].id})
    assert client.get(f"/implementation/unfollow/{reset}").status_code == 404
    assert sorted(followers_of(records[0])) == sorted([owner.id, other.id])


def test_an_unverified_account_is_not_offered_to_follow(app, client, login):
    _round, _budget, _run, records = funded_round(app)
    login(make_user(verified=False, locale="en"))
    html = client.get(story_url(records[0])).get_data(as_text=True)
    assert "Follow this project" not in html and "Confirm your email address to follow" in html
    token = csrf_token(client, story_url(records[0]))
    assert client.post(f"/implementation/projects/{records[0].project_id}/follow",
                       data={"csrf_token": token}).status_code == 403
    assert followers_of(records[0]) == []


def test_unfollow_from_the_account_page(app, client, login):
    _round, _budget, _run, records = funded_round(app)
    person = resident()
    _follow(client, login, person, records[0])
    login(person)
    account = client.get("/auth/account").get_data(as_text=True)
    assert "Projects you follow" in account and records[0].project.title["fi"] in account
    response = post_form(client, f"/implementation/projects/{records[0].project_id}/unfollow", {"back": "account"},
                         form_url="/auth/account")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/account")
    assert followers_of(records[0]) == []


def test_followed_projects_are_in_the_data_export_and_erased_with_the_account(app):
    from pb.auth import services as accounts

    _round, _budget, _run, records = funded_round(app)
    person = resident()
    services.follow(person, records[0])
    commit()
    exported = accounts.export_data(person)
    assert [row["project_id"] for row in exported["followed_projects"]] == [records[0].project_id]
    accounts.delete_account(person)
    commit()
    assert followers_of(records[0]) == []


def test_a_cancelled_project_tells_its_public_reason_and_is_not_late(app, client, login):
    _round, _budget, _run, records = funded_round(app)
    login(staff_member())
    response = post_form(client, edit_url(records[0]), record_form(
        records[0], status="cancelled", planned_end="2020-01-31", **{"cancel_reason-fi": "Tontti myytiin.",
                                                                     "cancel_reason-en": "The plot was sold."},
    ))
    assert response.status_code == 302
    edit_page = client.get(edit_url(records[0])).get_data(as_text=True)
    assert "Tontti myytiin." in edit_page and "The plot was sold." in edit_page
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    story = client.get(story_url(records[0])).get_data(as_text=True)
    assert "The project was cancelled." in story and "The plot was sold." in story
    assert "Late" not in story
