import pytest

from pb.app import create_app
from pb.extensions import db, limiter
from tests.factories import make_user


@pytest.fixture
def user():
    """A verified account that reads the service in English."""
    return make_user("erkki@example.com", name="Erkki Esimerkki", locale="en")


@pytest.fixture
def limited_app(app):
    """``limited_app(**config)``: a second app on the same database with the limiter on (the session
    app runs with it off), built with ``config`` on top of the test settings.

    The limiter is one object shared by all apps; its state is put back afterwards
    so that the rest of the suite keeps running without limits.
    """
    saved = dict(vars(limiter))
    built = []

    def build(**config):
        limited = create_app(
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
        built.append(limited)
        return limited

    yield build
    for limited in built:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()
    vars(limiter).clear()
    vars(limiter).update(saved)

