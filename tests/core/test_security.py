"""Security findings of issue 14 that are not about accounts: malformed redirect targets, HSTS on every
production response, and audit entries naming the real type of their subject."""

import pytest
from flask import g, url_for
from flask_login import current_user

from pb.audit.models import AuditEvent
from pb.audit.services import record
from pb.extensions import db
from pb.security import safe_next
from tests.factories import PASSWORD, make_round, make_user
from tests.helpers import csrf_token, post_form

HSTS = "max-age=31536000; includeSubDomains"


# -- malformed next ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/help\n",
        "/help\r\nSet-Cookie: x=1",
        "/\nhelp",
        "/help\x00",
        "/help\x7f",
        "/help\x85",
        "/\t/evil.example",
        "/help\u2028",
        "/help\u202e",
        "/help\ud800",
        "/" + "a" * 3000,
        "help",
        "",
        None,
    ],
)
def test_safe_next_refuses_control_characters_and_garbage(app, target):
    with app.test_request_context("/"):
        assert safe_next(target) == url_for("public.home")


@pytest.mark.parametrize(
    "target", ["/help", "/voting/3/vote?budget=2#ballot", "/p%C3%A4iv%C3%A4", "/päivä?q=a%20b", "/auth/login?next=%2F"]
)
def test_safe_next_keeps_same_site_paths(app, target):
    with app.test_request_context("/"):
        assert safe_next(target) == target


@pytest.mark.parametrize("target", ["/help\n", "/help\r\nX-Injected: 1", "/\x00", "/x\u2029"])
def test_language_switch_with_a_malformed_next_goes_home(client, target):
    response = post_form(client, "/language", {"language": "sv", "next": target}, form_url="/")
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")
    assert "X-Injected" not in response.headers


# -- HSTS ----------------------------------------------------------------------------------------


@pytest.fixture
def production_app(app, second_app):
    """Apps as production builds them (not testing, not debug), on the test database; ``config`` on top."""

    def build(**config):
        production = second_app(
            {
                "SECRET_KEY": "a-real-production-secret",
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "REDIS_URL": None,
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": "memory://",
                "LOGIN_RATE_LIMIT": "1 per minute",
                "OUTBOX_PATH": app.config["OUTBOX_PATH"],
                **config,
            }
        )

        @production.get("/test-failure")
        def failure():
            raise RuntimeError("a bug")

        return production

    return build


def _responses_of_every_kind(app, **environ):
    client = app.test_client()
    client.environ_base.update(HTTP_ACCEPT_LANGUAGE="en", **environ)
    token = csrf_token(client, "/")
    wrong = {"email": "someone@example.com", "password": "wrong password 1", "csrf_token": token}
    responses = {
        "page": client.get("/"),
        "static file": client.get("/static/css/pb.css"),
        "redirect": client.get("/auth/account"),
        "not found": client.get("/no-such-page"),
        "method not allowed": client.get("/auth/logout"),
        "csrf refused": client.post("/language", data={"language": "sv"}),
        "malformed next": client.post("/language", data={"language": "sv", "next": "/\n", "csrf_token": token}),
        "too large": client.post("/language", data={"next": "x" * 600_000, "csrf_token": token}),
        "failed login": client.post("/auth/login", data=wrong),
        "rate limited": client.post("/auth/login", data=wrong),
        "server error": client.get("/test-failure"),
        "head": client.head("/"),
    }
    for response in responses.values():
        response.close()
    return responses


def test_every_production_response_carries_hsts(production_app):
    responses = _responses_of_every_kind(production_app())
    assert {kind: response.status_code for kind, response in responses.items()} == {
        "page": 200, "static file": 200, "redirect": 302, "not found": 404, "method not allowed": 405,
        "csrf refused": 400, "malformed next": 302, "too large": 413, "failed login": 200, "rate limited": 429,
        "server error": 500, "head": 200,
    }
    missing = [kind for kind, response in responses.items() if response.headers.get("Strict-Transport-Security") != HSTS]
    assert missing == []


def test_hsts_follows_https_behind_a_trusted_proxy_even_without_secure_cookies(production_app):
    """An operator who turned SESSION_COOKIE_SECURE off still gets HSTS on what arrives over HTTPS."""
    app = production_app(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False, TRUSTED_PROXIES=1)
    forwarded = _responses_of_every_kind(app, HTTP_X_FORWARDED_PROTO="https")
    assert [kind for kind, r in forwarded.items() if r.headers.get("Strict-Transport-Security") != HSTS] == []
    direct = app.test_client().get("/", base_url="https://localhost")
    assert direct.headers.get("Strict-Transport-Security") == HSTS
    plain = app.test_client().get("/")
    assert "Strict-Transport-Security" not in plain.headers


def test_an_untrusted_forwarded_proto_does_not_count(production_app):
    app = production_app(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_development_over_plain_http_gets_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


# -- audit entry types ---------------------------------------------------------------------------


def test_declaring_voting_details_records_the_user_not_the_proxy(client, login):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    user = make_user(locale="en")
    login(user)
    form = {"birth_year": "2001", "district_id": str(budget.district_id), "confirm": "y"}
    response = post_form(client, f"/voting/{budget_round.id}/eligibility", form)
    assert response.status_code == 302
    [event] = db.session.execute(db.select(AuditEvent).filter_by(action="auth.voting_details_declared")).scalars()
    assert (event.subject_type, event.subject_id, event.actor_id) == ("User", str(user.id), user.id)


def test_record_unwraps_a_proxy(app):
    user = make_user(password=PASSWORD)
    with app.test_request_context("/"):
        g._login_user = user  # what Flask-Login's user loader leaves for current_user
        event = db.session.get(AuditEvent, record(current_user, "test.proxy", subject=current_user))
        assert (event.subject_type, event.subject_id, event.actor_id) == ("User", str(user.id), user.id)
    db.session.rollback()

