import pytest

from pb.auth.forms import password_problem
from tests.auth.support import STRONG_PASSWORD

TOO_COMMON = "This password is too common and easy to guess. Choose another one."
OWN_WORDS = "Do not use your email address or your name as the password."
IDENTITIES = ("maija.meikalainen@example.com", "Maija Meikäläinen")


@pytest.mark.parametrize(
    "password, expected",
    [
        ("short pw", "Use at least 10 characters."),
        ("x" * 201, "Use at most 200 characters."),
        ("1234567890", TOO_COMMON),
        ("Password123", TOO_COMMON),
        ("Salasana123", TOO_COMMON),
        ("aaaaaaaaaaaa", TOO_COMMON),
        ("abababababab", TOO_COMMON),
        ("Maija.Meikalainen@example.com", OWN_WORDS),
        ("maija.meikalainen", OWN_WORDS),
        ("Maija Meikäläinen", OWN_WORDS),
    ],
)
def test_weak_passwords_are_explained(app, password, expected):
    assert str(password_problem(password, IDENTITIES)) == expected


def test_a_good_password_passes(app):
    assert password_problem(STRONG_PASSWORD, IDENTITIES) is None
    assert password_problem("maija.meikalainen likes tea", IDENTITIES) is None
