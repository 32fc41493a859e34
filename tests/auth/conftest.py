import pytest

from tests.factories import make_user


@pytest.fixture
def user():
    """A verified account that reads the service in English."""
    return make_user("erkki@example.com", name="Erkki Esimerkki", locale="en")
