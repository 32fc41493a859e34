"""Redis down: signing in still works, the rate limiter falls back to memory and says so in the log."""

import logging

import pytest

from pb.app import create_app
from pb.extensions import db, limiter
from tests.factories import PASSWORD, make_user
from tests.helpers import post_form

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def app_with_redis_down(app):
    """A second app on the same database whose limiter stores its counts in a Redis nobody answers.

    The limiter is one object shared by all apps: its state is put back afterwards.
    """
    saved = dict(vars(limiter))
    down = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "OUTBOX_PATH": app.config["OUTBOX_PATH"],
            "REDIS_URL": None,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": CLOSED_PORT,
        }
    )
    yield down
    with down.app_context():
        db.session.remove()
        db.engine.dispose()
    vars(limiter).clear()
    vars(limiter).update(saved)


def test_signing_in_works_while_the_limiters_redis_is_down(app_with_redis_down, caplog, monkeypatch):
    # Alembic's logging setup (the migration tests) disables the loggers that exist by then.
    monkeypatch.setattr(logging.getLogger("flask-limiter"), "disabled", False)
    user = make_user("kirsi@example.test")
    client = app_with_redis_down.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        response = post_form(client, "/auth/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        assert "/auth/login" not in response.headers["Location"]
        assert client.get("/").status_code == 200
    assert any("storage unreachable" in record.getMessage() for record in caplog.records), caplog.text

