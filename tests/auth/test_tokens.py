import pytest

from pb.tokens import ExpiredToken, InvalidToken, Purpose, make_token, read_token


def test_a_token_gives_back_its_payload(app):
    token = make_token(Purpose.VERIFY_EMAIL, {"user": 7, "email": "a@example.com"})
    assert read_token(Purpose.VERIFY_EMAIL, token, max_age=3600) == {"user": 7, "email": "a@example.com"}


def test_a_token_for_one_purpose_is_refused_for_another(app):
    token = make_token(Purpose.VERIFY_EMAIL, {"user": 7})
    with pytest.raises(InvalidToken):
        read_token(Purpose.RESET_PASSWORD, token, max_age=3600)


def test_a_changed_token_is_refused(app):
    token = make_token(Purpose.RESET_PASSWORD, {"user": 7})
    with pytest.raises(InvalidToken):
        read_token(Purpose.RESET_PASSWORD, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), max_age=3600)
    with pytest.raises(InvalidToken):
        read_token(Purpose.RESET_PASSWORD, "not-a-token", max_age=3600)


def test_an_old_token_is_expired_but_still_authentic(app):
    token = make_token(Purpose.CHANGE_EMAIL, {"user": 7})
    with pytest.raises(ExpiredToken):
        read_token(Purpose.CHANGE_EMAIL, token, max_age=-1)
    assert issubclass(ExpiredToken, InvalidToken)
    # Without a time limit only the signature counts (used to renew an expired confirmation link).
    assert read_token(Purpose.CHANGE_EMAIL, token, max_age=None) == {"user": 7}


def test_a_payload_that_is_not_a_mapping_is_refused(app):
    token = make_token(Purpose.VERIFY_EMAIL, [1, 2])
    with pytest.raises(InvalidToken):
        read_token(Purpose.VERIFY_EMAIL, token, max_age=3600)


def test_a_token_signed_with_another_key_is_refused(app, monkeypatch):
    token = make_token(Purpose.VERIFY_EMAIL, {"user": 7})
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-key")
    with pytest.raises(InvalidToken):
        read_token(Purpose.VERIFY_EMAIL, token, max_age=3600)
