import pytest


@pytest.fixture
def client(app):
    """Pages in English, so that assertions do not depend on the translation catalogues."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
