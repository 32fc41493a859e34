from pb.auth import services
from pb.auth.models import find_by_email
from pb.extensions import db
from pb.transactions import commit
from tests.auth.support import NEW_PASSWORD, audit_actions, is_signed_in, link_in, main, text
from tests.factories import PASSWORD, make_user
from tests.helpers import post_form


def _ask_for_link(client, email):
    response = post_form(client, "/auth/reset", {"email": email})
    assert response.status_code == 302
    assert response.location.endswith("/auth/check-email")
    return client.get("/auth/check-email")


def test_a_reset_link_sets_a_new_password_once(client, app, user, outbox):
    other_device = app.test_client()
    post_form(other_device, "/auth/login", {"email": user.email, "password": PASSWORD})
    assert is_signed_in(other_device)

    _ask_for_link(client, user.email.upper())
    to, subject, body = outbox.messages()[-1]
    assert to == user.email
    assert "Make a new password" in subject
    link = link_in(body, "/auth/reset/")

    response = client.get(link)
    assert response.status_code == 200
    assert "Choose a new password" in text(response)

    response = post_form(client, link, {"password": "qwertyuiop", "confirm": "qwertyuiop"})
    assert response.status_code == 200
    assert "This password is too common" in text(response)

    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.location.endswith("/auth/login")
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    assert audit_actions()[-1] == "auth.password_reset"
    assert not is_signed_in(other_device)
    assert outbox.messages()[-1][1].endswith("Your password was changed")

    response = client.get(link)
    assert response.status_code == 404
    assert "already been used" in text(response)
    assert 'href="/auth/reset"' in text(response)

    response = post_form(client, "/auth/login", {"email": user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_unknown_and_known_addresses_get_the_same_answer(client, user, outbox):
    known = main(_ask_for_link(client, user.email))
    assert len(outbox.messages()) == 1
    unknown = main(_ask_for_link(client, "nobody@example.com"))
    assert len(outbox.messages()) == 1
    assert unknown == known.replace(user.email, "nobody@example.com")


def test_a_malformed_address_is_explained_and_kept(client, outbox):
    response = post_form(client, "/auth/reset", {"email": "nobody.example.com"})
    assert response.status_code == 200
    assert "Enter an email address in the form name@example.com." in text(response)
    assert 'value="nobody.example.com"' in text(response)
    assert outbox.messages() == []


def test_an_expired_reset_link_offers_a_new_one(client, app, user, outbox, monkeypatch):
    _ask_for_link(client, user.email)
    link = link_in(outbox.messages()[-1][2], "/auth/reset/")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 410
    assert "The link has expired" in text(response)
    assert 'href="/auth/reset"' in text(response)
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, form_url="/")
    assert response.status_code == 410
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_a_broken_reset_link_gets_a_clear_page(client):
    response = client.get("/auth/reset/not-a-real-token")
    assert response.status_code == 404
    assert "The link does not work" in text(response)


def test_the_reset_link_also_confirms_an_unconfirmed_address(client, outbox):
    user = make_user(verified=False, locale="en")
    _ask_for_link(client, user.email)
    link = link_in(outbox.messages()[-1][2], "/auth/reset/")
    post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert find_by_email(user.email).is_verified


def test_a_deleted_account_gets_no_reset_mail(client, outbox):
    user = make_user("gone@example.com", locale="en")
    services.delete_account(user)
    commit()
    mails_before = len(outbox.messages())
    _ask_for_link(client, "gone@example.com")
    assert len(outbox.messages()) == mails_before
