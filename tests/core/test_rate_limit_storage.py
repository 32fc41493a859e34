"""Redis down: signing in still works, the rate limiter falls back to memory and says so in the log."""

import logging

import pytest

from tests.factories import PASSWORD, make_user
from tests.helpers import post_form

CLOSED_PORT = "redis://127.0.0.1:1/0"


@pytest.fixture
def app_with_redis_down(limited_app):
    """A second app on the same database whose limiter stores its counts in a Redis nobody answers."""
    return limited_app(RATELIMIT_STORAGE_URI=CLOSED_PORT)


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

