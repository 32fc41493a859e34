"""Login limits count wrong passwords, per account and per address; successful logins are never limited.
Behind a trusted proxy the address is the client's, from X-Forwarded-For."""

import pytest

from tests.auth.support import NEW_PASSWORD, english_client, text
from tests.factories import PASSWORD, make_user
from tests.helpers import post_form

WRONG = "wrong password 1"


def _log_in(client, email, password=PASSWORD):
    return post_form(client, "/auth/login", {"email": email, "password": password})


def _log_out(client):
    assert post_form(client, "/auth/logout", {}, form_url="/").status_code == 302


def test_many_successful_logins_from_one_address_are_not_limited(limited_app):
    """A library or a school behind one address: its people log in one after another."""
    app = limited_app(LOGIN_RATE_LIMIT="2 per minute", LOGIN_ACCOUNT_RATE_LIMIT="2 per minute")
    users = [make_user(locale="en") for _ in range(5)]
    for user in users:
        client = english_client(app)
        for _visit in range(3):
            assert _log_in(client, user.email).status_code == 302
            _log_out(client)


def test_wrong_passwords_for_one_account_close_it_for_a_while_and_not_the_others(limited_app):
    app = limited_app(LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="3 per 15 minutes")
    target, neighbour = make_user("target@example.com", locale="en"), make_user(locale="en")
    attacker = english_client(app, "198.51.100.7")
    for _attempt in range(3):
        response = _log_in(attacker, "Target@Example.com ", WRONG)
        assert response.status_code == 200
        assert "Email or password is wrong." in text(response)
    # From any address, even with the right password: the account waits.
    for client in (attacker, english_client(app)):
        response = _log_in(client, target.email)
        assert response.status_code == 429
        assert "Too many attempts" in text(response)
    assert _log_in(english_client(app), neighbour.email).status_code == 302


def test_wrong_passwords_from_one_address_are_limited_across_accounts(limited_app):
    app = limited_app(LOGIN_RATE_LIMIT="3 per minute", LOGIN_ACCOUNT_RATE_LIMIT="100 per minute")
    user = make_user(locale="en")
    sprayer = english_client(app)
    for n in range(3):
        assert _log_in(sprayer, f"guess{n}@example.com", WRONG).status_code == 200
    assert _log_in(sprayer, user.email).status_code == 429


def test_wrong_current_passwords_on_account_pages_count_for_the_account(limited_app):
    """Someone holding a signed-in browser cannot guess the password through the account forms."""
    app = limited_app(LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="2 per 15 minutes")
    user = make_user(locale="en")
    browser = english_client(app)
    assert _log_in(browser, user.email).status_code == 302
    form = {"current_password": WRONG, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(browser, "/auth/account/password", form).status_code == 200
    assert post_form(browser, "/auth/account/delete", {"current_password": WRONG}).status_code == 200
    assert post_form(browser, "/auth/account/password", {**form, "current_password": PASSWORD}).status_code == 429
    assert _log_in(english_client(app), user.email).status_code == 429


def test_a_form_error_without_a_password_check_does_not_count(limited_app):
    app = limited_app(LOGIN_RATE_LIMIT="1 per minute", LOGIN_ACCOUNT_RATE_LIMIT="1 per minute")
    user = make_user(locale="en")
    client = english_client(app)
    for _attempt in range(3):
        assert _log_in(client, "", "").status_code == 200
    assert _log_in(client, user.email).status_code == 302


@pytest.mark.parametrize("trusted_proxies, separate", [(1, True), (0, False)])
def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(limited_app, trusted_proxies, separate):
    app = limited_app(
        LOGIN_RATE_LIMIT="2 per minute", LOGIN_ACCOUNT_RATE_LIMIT="100 per minute", TRUSTED_PROXIES=trusted_proxies
    )
    user = make_user(locale="en")
    school = english_client(app, "203.0.113.10")
    library = english_client(app, "203.0.113.20")
    for n in range(2):
        assert _log_in(school, f"pupil{n}@example.com", WRONG).status_code == 200
    assert _log_in(school, user.email).status_code == 429
    assert _log_in(library, user.email).status_code == (302 if separate else 429)


def test_a_trusted_proxy_puts_the_client_address_in_the_request(limited_app):
    from flask import request

    app = limited_app(TRUSTED_PROXIES=2)
    seen = {}

    @app.get("/whoami-for-test")
    def whoami():
        seen["address"], seen["scheme"] = request.remote_addr, request.scheme
        return ""

    environ = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.99, 203.0.113.5, 10.0.0.1",
               "HTTP_X_FORWARDED_PROTO": "https, https"}
    app.test_client().get("/whoami-for-test", environ_base=environ)
    # Two proxies trusted: the last two hops are theirs, the one before them is the client; a value
    # further left was written by the client itself and means nothing.
    assert seen == {"address": "203.0.113.5", "scheme": "https"}


def test_asking_to_change_the_address_stays_limited_as_mail_to_a_typed_address(limited_app):
    """A right password costs nothing against the password limits, but each request mails an address
    someone typed: the mail limit counts it."""
    app = limited_app(LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="100 per minute",
                      REGISTER_RATE_LIMIT="2 per minute")
    user = make_user(locale="en")
    browser = english_client(app)
    assert _log_in(browser, user.email).status_code == 302
    for n in range(2):
        form = {"new_email": f"new{n}@example.com", "current_password": PASSWORD}
        assert post_form(browser, "/auth/account/email", form).status_code == 302
    form = {"new_email": "new9@example.com", "current_password": PASSWORD}
    assert post_form(browser, "/auth/account/email", form).status_code == 429
