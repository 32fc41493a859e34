"""Fixtures for the whole suite.

With no environment the suite runs on a SQLite file and inline jobs. With
``TEST_DATABASE_URL`` it runs on that database (PostgreSQL in CI), and with
``REDIS_URL`` the job tests use a real RQ worker. ``PB_REQUIRE_SERVICES=1`` turns
every skip for a missing service, browser or data folder into a failure.
"""

import contextvars
import os
import re
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_babel import force_locale

from pb.app import create_app
from pb.extensions import db as _db
from pb.extensions import limiter
from pb.voting.services.round_cache import forget_rounds

REQUIRE_SERVICES = os.environ.get("PB_REQUIRE_SERVICES") == "1"
PABULIB_DIR = Path(os.environ.get("PB_PABULIB_DIR", Path(__file__).resolve().parents[2] / "shared" / "data" / "pabulib"))


def skip_or_fail(reason):
    """Skip for a missing service/browser/data; fail instead when CI requires everything."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required by PB_REQUIRE_SERVICES=1: {reason}")
    pytest.skip(reason)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Without this, a request reuses the test's app context, so ``g`` (Flask-Login's
    cached user, Flask-Babel's locale) and the database session leak from one
    request to the next and hide real bugs.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            _db.session.expire_all()  # the test's own objects now show what the request committed
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    database_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.sqlite'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "OUTBOX_PATH": str(instance / "outbox"),
            "UPLOAD_PATH": str(instance / "uploads"),
            "RATELIMIT_ENABLED": False,
            # The limiter object is shared with apps that rate-limit tests build; keep these out of reach here.
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "REGISTER_RATE_LIMIT": "100000 per minute",
            "VOTING_RATE_LIMIT": "100000 per minute",
            "VOTING_VOTER_RATE_LIMIT": "100000 per minute",
            "VOTING_CODE_RATE_LIMIT": "100000 per minute",
            "VOTING_CODE_PER_CODE_RATE_LIMIT": "100000 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
            "REDIS_URL": os.environ.get("REDIS_URL") or None,
            "SERVER_NAME": None,
            # Each test sees a round's change at once; tests/voting/test_round_cache.py covers the wait.
            "VOTING_ROUND_RECHECK_SECONDS": 0,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _limiter_as_the_session_app_set_it(app):
    """The limiter is one object shared by all apps, and every ``create_app`` (a second app, the
    production settings a test checks) sets it up again, on by default: its state is put back after
    each test, so the rest of the suite keeps running as the session app set it up (limits off)."""
    saved = dict(vars(limiter))
    yield
    vars(limiter).clear()
    vars(limiter).update(saved)


@pytest.fixture
def second_app():
    """``second_app(config)``: another app built with exactly ``config`` (on the test database, say)."""
    built = []

    def build(config):
        other = create_app(config)
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def limited_app(app, second_app):
    """``limited_app(**config)``: a second app on the same database with the limiter on (the session
    app runs with it off), built with ``config`` on top of the test settings."""

    def build(**config):
        return second_app(
            {
                "TESTING": True,
                "SECRET_KEY": app.config["SECRET_KEY"],
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "SESSION_COOKIE_SECURE": False,
                "REMEMBER_COOKIE_SECURE": False,
                "OUTBOX_PATH": app.config["OUTBOX_PATH"],
                "REDIS_URL": None,
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": "memory://",
                **config,
            }
        )

    return build


@pytest.fixture
def client(app):
    """A client that reads pages in English, so assertions do not depend on the catalogues.

    Not used with ``with``: pytest-flask's client keeps request contexts alive across requests.
    Tests of the Finnish default send their own Accept-Language.
    """
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    """Each test starts with empty tables (fast enough on SQLite and PostgreSQL alike)."""
    ctx = app.app_context()
    ctx.push()
    with force_locale("en"):  # messages raised by services outside a request, as the client reads them
        yield
    _db.session.remove()
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())
    forget_rounds()  # the voter's pages keep frozen rounds per process; the next test may reuse their ids
    ctx.pop()


@pytest.fixture
def outbox(app):
    """Mail written to the outbox during the test, newest last, as (to, subject, body) tuples."""
    from email import message_from_bytes, policy

    from tests.helpers import run_queued_jobs

    path = Path(app.config["OUTBOX_PATH"])
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.eml"):
        old.unlink()

    class Outbox:
        def messages(self):
            run_queued_jobs(app)  # mail sent by background jobs lands here too
            result = []
            for file in sorted(path.glob("*.eml")):
                message = message_from_bytes(file.read_bytes(), policy=policy.default)
                body = message.get_body(preferencelist=("plain",)).get_content()
                result.append((message["To"], message["Subject"], body))
            return result

        def last_link(self, pattern=r"https?://\S+"):
            links = re.findall(pattern, self.messages()[-1][2])
            assert links, "no link in the last mail"
            return links[0]

    return Outbox()


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in through the real login form."""
    from tests.factories import PASSWORD
    from tests.helpers import post_form

    def do_login(user, password=PASSWORD):
        response = post_form(client, "/auth/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    return do_login
