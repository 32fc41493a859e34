import re

import pytest

from pb.access import Access, allows
from pb.auth import services
from pb.auth.models import User, find_by_email
from pb.extensions import db
from tests.auth.support import STRONG_PASSWORD, audit_actions, is_signed_in, link_in, main, text
from tests.factories import PASSWORD, make_user
from tests.helpers import post_form


def registration(**changes):
    return {
        "email": "Nea.Uusi@Example.com",
        "display_name": "Nea Uusi",
        "password": STRONG_PASSWORD,
        "confirm": STRONG_PASSWORD,
        "language": "en",
        **changes,
    }


def test_the_form_offers_the_current_language_by_default(client):
    page = text(client.get("/auth/register"))
    assert re.search(r'<input checked[^>]*name="language"[^>]*value="en"', page)
    for code in ("fi", "sv", "en"):
        assert f'value="{code}"' in page


def test_registering_signs_in_unverified_and_the_mailed_link_confirms(client, outbox):
    response = post_form(client, "/auth/register", registration())
    assert response.status_code == 302
    assert response.location.endswith("/auth/check-email")
    assert "nea.uusi@example.com" in text(client.get("/auth/check-email"))

    user = find_by_email("nea.uusi@example.com")
    assert user.email == "nea.uusi@example.com"  # stored lowercase
    assert user.display_name == "Nea Uusi"
    assert user.locale == "en"
    assert user.check_password(STRONG_PASSWORD)
    assert user.email_verified_at is None
    assert not allows(Access.RESIDENT, user) and allows(Access.SIGNED_IN, user)
    assert audit_actions() == ["auth.register"]

    account = client.get("/auth/account")
    assert account.status_code == 200
    assert "not confirmed yet" in text(account)
    assert "Send the link again" in text(account)

    to, subject, body = outbox.messages()[-1]
    assert to == "nea.uusi@example.com"
    assert "Confirm your email address" in subject
    response = client.get(link_in(body, "/auth/verify/"))
    assert response.status_code == 302
    assert response.location.endswith("/auth/account")
    db.session.refresh(user)
    assert user.is_verified
    assert audit_actions() == ["auth.register", "auth.email_verified"]
    assert "(confirmed)" in text(client.get("/auth/account"))

    # Opening the link again is harmless.
    response = client.get(link_in(body, "/auth/verify/"), follow_redirects=True)
    assert "already confirmed" in text(response)
    assert audit_actions() == ["auth.register", "auth.email_verified"]


def test_the_link_also_works_in_a_browser_that_is_not_signed_in(client, app, outbox):
    post_form(client, "/auth/register", registration())
    other_browser = app.test_client()
    response = other_browser.get(link_in(outbox.messages()[-1][2], "/auth/verify/"))
    assert response.status_code == 302
    assert response.location.endswith("/auth/login")
    assert find_by_email("nea.uusi@example.com").is_verified


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"password": "qwertyuiop", "confirm": "qwertyuiop"}, "This password is too common and easy to guess."),
        ({"password": "short1", "confirm": "short1"}, "Use at least 10 characters."),
        (
            {"password": "nea.uusi@example.com", "confirm": "nea.uusi@example.com"},
            "Do not use your email address or your name as the password.",
        ),
        ({"email": "nea.uusi(at)example.com"}, "Enter an email address in the form name@example.com."),
        ({"email": "nea@"}, "Enter an email address in the form name@example.com."),
        ({"confirm": STRONG_PASSWORD + "x"}, "The two passwords are not the same."),
        ({"display_name": "   "}, "Enter your name."),
        ({"display_name": "N" * 121}, "Use at most 120 characters."),
        ({"language": "de"}, "Choose one of the languages in the list."),
    ],
)
def test_bad_input_is_explained_and_what_was_typed_stays(client, outbox, changes, message):
    data = registration(**changes)
    response = post_form(client, "/auth/register", data)
    page = text(response)
    assert response.status_code == 200
    assert message in page
    assert "Please check the following" in page
    assert "field-error" in page
    if "email" not in changes:
        assert 'value="nea.uusi@example.com"' in page
    else:
        assert f'value="{changes["email"]}"' in page
    if "display_name" not in changes:
        assert 'value="Nea Uusi"' in page
    # Password fields are never filled back in.
    assert data["password"] not in page.replace('value="nea.uusi@example.com"', "")
    assert data["confirm"] not in page.replace('value="nea.uusi@example.com"', "")
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0
    assert outbox.messages() == []
    assert not is_signed_in(client)


def test_a_taken_address_is_not_revealed_and_its_owner_is_told(client, app, outbox):
    owner = make_user("taken@example.com", name="Olli Omistaja", locale="en")

    fresh = post_form(client, "/auth/register", registration(email="fresh@example.com"))
    other_browser = app.test_client()
    other_browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    taken = post_form(other_browser, "/auth/register", registration(email="taken@example.com"))

    assert (taken.status_code, taken.location) == (fresh.status_code, fresh.location)
    fresh_page = main(client.get("/auth/check-email"))
    taken_page = main(other_browser.get("/auth/check-email"))
    assert taken_page == fresh_page.replace("fresh@example.com", "taken@example.com")

    db.session.refresh(owner)
    assert owner.display_name == "Olli Omistaja"
    assert owner.check_password(PASSWORD)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2
    to, subject, body = outbox.messages()[-1]
    assert to == "taken@example.com"
    assert "Someone tried to create an account with your address" in subject
    assert "/auth/login" in body and "/auth/reset" in body
    assert audit_actions() == ["auth.register"]  # only the fresh account


def test_an_expired_link_offers_a_new_one(client, app, outbox, monkeypatch):
    user = make_user(verified=False, locale="en")
    token = services.verification_token(user)
    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", -1)
    response = client.get(f"/auth/verify/{token}")
    assert response.status_code == 410
    page = text(response)
    assert "The link has expired" in page
    assert f'action="/auth/verify/{token}/renew"' in page
    monkeypatch.undo()
    db.session.refresh(user)
    assert not user.is_verified

    response = post_form(client, f"/auth/verify/{token}/renew", {}, form_url="/")
    assert response.status_code == 302
    assert response.location.endswith("/auth/check-email")
    to, subject, body = outbox.messages()[-1]
    assert to == user.email
    client.get(link_in(body, "/auth/verify/"))
    db.session.refresh(user)
    assert user.is_verified


def test_a_broken_link_gets_a_clear_page(client, user, login):
    response = client.get("/auth/verify/this-is-not-a-token")
    assert response.status_code == 404
    assert "The link does not work" in text(response)
    assert "Log in to get a new link" in text(response)
    response = client.post("/auth/verify/this-is-not-a-token/renew", data={"csrf_token": _token(client)})
    assert response.status_code == 404

    unverified = make_user(verified=False, locale="en")
    login(unverified)
    response = client.get("/auth/verify/this-is-not-a-token")
    assert response.status_code == 404
    assert 'action="/auth/account/verify-email"' in text(response)


def test_a_link_for_an_address_no_longer_on_the_account_does_not_work(client):
    user = make_user("old@example.com", verified=False, locale="en")
    token = services.verification_token(user)
    user.email = "new@example.com"
    db.session.commit()
    assert client.get(f"/auth/verify/{token}").status_code == 404
    db.session.refresh(user)
    assert not user.is_verified


def test_the_account_page_sends_the_link_again(client, login, outbox):
    user = make_user(verified=False, locale="en")
    login(user)
    response = post_form(client, "/auth/account/verify-email", {}, form_url="/auth/account")
    assert response.status_code == 302
    assert f"We sent a new link to {user.email}" in text(client.get("/auth/account"))
    client.get(link_in(outbox.messages()[-1][2], "/auth/verify/"))
    db.session.refresh(user)
    assert user.is_verified


def test_signed_in_people_are_sent_to_their_account(client, user, login):
    login(user)
    response = client.get("/auth/register")
    assert response.status_code == 302
    assert response.location.endswith("/auth/account")


def test_a_form_without_its_csrf_token_gets_a_translated_400(client):
    response = client.post("/auth/register", data=registration())
    assert response.status_code == 400
    page = text(response)
    assert '<html lang="en">' in page
    assert "The form had expired or was sent from somewhere else." in page
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_an_oversized_form_gets_a_translated_413(client):
    response = client.post("/auth/register", data={"display_name": "x" * (1024 * 1024)})
    assert response.status_code == 413
    page = text(response)
    assert '<html lang="en">' in page
    assert "The file or form is too large" in page


def _token(client):
    from tests.helpers import csrf_token

    return csrf_token(client, "/")
