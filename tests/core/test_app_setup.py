"""Configuration safety, security headers, error pages, mail after commit, demo data."""

import pytest

from pb.app import InsecureConfigError, create_app
from pb.auth.models import User
from pb.config import DEFAULT_SECRET_KEY
from pb.extensions import db
from pb.mail import send_mail
from pb.transactions import commit


def test_refuses_default_secret_key_outside_debug_and_testing(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(InsecureConfigError):
        create_app({"SECRET_KEY": DEFAULT_SECRET_KEY})


def test_starts_with_a_real_secret_key():
    assert create_app({"SECRET_KEY": "a-real-production-secret"}).config["SESSION_COOKIE_SECURE"] is True


def test_security_headers_and_cookie_flags(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    production = create_app({"SECRET_KEY": "a-real-production-secret"})
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_not_found_page_is_translated(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "fi"})
    assert response.status_code == 404
    assert "Sivua ei löytynyt" in response.get_data(as_text=True)
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert "Page not found" in response.get_data(as_text=True)


def test_post_without_csrf_token_gets_a_clear_page(client):
    response = client.post("/language", data={"language": "sv"}, headers={"Accept-Language": "fi"})
    assert response.status_code == 400
    assert "lomake" in response.get_data(as_text=True).lower()


def test_language_switch_sets_html_lang(client):
    from tests.helpers import post_form

    response = post_form(client, "/language", {"language": "sv", "next": "/help"}, form_url="/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/help")
    assert '<html lang="sv">' in client.get("/").get_data(as_text=True)
    assert client.get("/", headers={"Accept-Language": "fi"}).get_data(as_text=True).count('lang="sv"') >= 1


def test_language_switch_refuses_external_redirect(client):
    from tests.helpers import post_form

    response = post_form(client, "/language", {"language": "en", "next": "//evil.example/"}, form_url="/")
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_mail_is_sent_only_after_commit(outbox):
    send_mail("someone@example.test", "Hello", "Body text")
    db.session.rollback()
    commit()
    assert outbox.messages() == []
    send_mail("someone@example.test", "Hello", "Body text")
    commit()
    assert outbox.messages() == [("someone@example.test", "Hello", "Body text")]


def test_seed_demo_is_idempotent_and_prints_accounts(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["pb", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded" in first.output
    for email in ("resident@demo.pb", "ngo@demo.pb", "group@demo.pb", "staff@demo.pb", "steering@demo.pb", "admin@demo.pb"):
        assert email in first.output
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one()
        assert user.check_password(app.config["DEMO_PASSWORD"])
    users = db.session.scalar(db.select(db.func.count(User.id)))
    second = runner.invoke(args=["pb", "seed-demo"])
    assert "already has data" in second.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == users


def test_seed_demo_runs_as_a_command_does_outside_any_request(app):
    """`make run` loads the demo from the command line: no request, so no reader's language to select."""
    import threading

    from pb.demo import seed_demo

    loaded = []

    def as_a_command():  # a thread of its own has no request context (the tests' own thread has one)
        with app.app_context():
            loaded.append(seed_demo(app.config["DEMO_PASSWORD"]))

    command = threading.Thread(target=as_a_command)
    command.start()
    command.join()
    assert loaded and loaded[0]
    assert db.session.scalar(db.select(db.func.count(User.id))) > 5
