import pytest

from tests.factories import make_user


@pytest.fixture
def client(app):
    """The suite's client, reading pages in English so that assertions do not depend on the catalogues."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def user():
    """A verified account that reads the service in English."""
    return make_user("erkki@example.com", name="Erkki Esimerkki", locale="en")
