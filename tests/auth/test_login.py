import pytest

from tests.auth.support import audit_actions, audit_events, english_client, is_signed_in, main, text
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token, post_form


def test_logging_in_signs_in_and_uses_the_account_language(client):
    user = make_user("Lea@Example.com", locale="sv")
    response = post_form(client, "/auth/login", {"email": "  LEA@example.com ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/"
    assert is_signed_in(client)
    assert '<html lang="sv">' in text(client.get("/"))
    [event] = audit_events()
    assert (event.action, event.actor_id, event.details) == ("auth.login", user.id, {})


def test_the_language_stays_after_logging_out(client, login):
    login(make_user(locale="sv"))
    post_form(client, "/auth/logout", {}, form_url="/")
    assert not is_signed_in(client)
    assert '<html lang="sv">' in text(client.get("/"))


@pytest.mark.parametrize(
    "email, password", [("known@example.com", "wrong password 1"), ("nobody@example.com", PASSWORD)]
)
def test_a_wrong_email_or_password_gets_one_answer(client, email, password):
    make_user("known@example.com", locale="en")
    response = post_form(client, "/auth/login", {"email": email, "password": password})
    page = text(response)
    assert response.status_code == 200
    assert "Email or password is wrong." in page
    assert f'value="{email}"' in page
    assert password not in page
    assert not is_signed_in(client)
    assert audit_actions() == []


def test_unknown_and_known_addresses_get_the_same_page(client):
    make_user("known@example.com", locale="en")
    known = post_form(client, "/auth/login", {"email": "known@example.com", "password": "wrong password 1"})
    unknown = post_form(client, "/auth/login", {"email": "other@example.com", "password": "wrong password 1"})
    assert main(known).replace("known@", "other@") == main(unknown)


def test_empty_fields_are_explained(client):
    response = post_form(client, "/auth/login", {"email": "", "password": ""})
    assert response.status_code == 200
    assert "Enter your email address." in text(response)
    assert "Enter your password." in text(response)


def test_a_page_for_signed_in_people_comes_back_after_logging_in(client, user):
    response = client.get("/auth/account")
    assert response.status_code == 302
    assert response.location == "/auth/login?next=/auth/account"
    form_page = text(client.get(response.location))
    assert 'name="next" type="hidden" value="/auth/account"' in form_page
    response = post_form(
        client, "/auth/login", {"email": user.email, "password": PASSWORD, "next": "/auth/account"},
        form_url=response.location,
    )
    assert response.location == "/auth/account"


@pytest.mark.parametrize(
    "target", ["https://evil.example/phish", "//evil.example/phish", "http:/evil.example", "javascript:alert(1)"]
)
def test_next_pointing_to_another_site_is_ignored(client, user, target):
    response = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.location == "/"


def test_a_backslash_in_next_cannot_become_another_host(client, user):
    response = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD, "next": "/\\evil.example"})
    assert response.status_code == 302
    assert not response.location.startswith(("//", "/\\"))


def test_remember_me_sets_a_lasting_cookie_only_when_asked(client, app, user):
    response = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD})
    assert "remember_token" not in response.headers.get("Set-Cookie", "")
    other = app.test_client()
    response = post_form(other, "/auth/login", {"email": user.email, "password": PASSWORD, "remember": "y"})
    assert any(value.startswith("remember_token=") for value in response.headers.getlist("Set-Cookie"))


def test_logout_is_a_post_with_csrf(client, user, login):
    login(user)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert is_signed_in(client)
    response = post_form(client, "/auth/logout", {}, form_url="/")
    assert response.status_code == 302
    assert not is_signed_in(client)


def test_a_signed_in_visitor_of_the_login_page_goes_on(client, user, login):
    login(user)
    response = client.get("/auth/login?next=/auth/account")
    assert response.status_code == 302
    assert response.location == "/auth/account"


@pytest.fixture
def rate_limited_app(limited_app):
    return limited_app(LOGIN_RATE_LIMIT="2 per minute", REGISTER_RATE_LIMIT="2 per minute")


def _limited_client(app):
    return english_client(app)


@pytest.mark.parametrize(
    "url, data",
    [
        ("/auth/login", {"email": "someone@example.com", "password": "wrong password 1"}),
        ("/auth/register", {"email": "not an address"}),
    ],
)
def test_the_third_attempt_in_a_minute_is_refused(rate_limited_app, url, data):
    client = _limited_client(rate_limited_app)
    for _attempt in range(2):
        token = csrf_token(client, url)
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 200
    token = csrf_token(client, url)  # looking at the form is not limited
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 429
    page = text(response)
    assert '<html lang="en">' in page
    assert "Too many attempts" in page
    assert "Wait a moment and try again." in page


def test_the_limit_is_gone_again_for_the_rest_of_the_suite(client):
    for _attempt in range(12):
        response = post_form(client, "/auth/login", {"email": "someone@example.com", "password": "wrong password 1"})
        assert response.status_code == 200
