"""Sessions end on the server: signing out ends the signed-out session everywhere its cookies went
(a copied session cookie, the remember-me cookie), and only that one; a password change ends the others."""

from datetime import timedelta

from pb.auth.models import UserSession
from pb.extensions import db
from pb.models_base import utcnow
from tests.auth.support import NEW_PASSWORD, audit_events, english_client, is_signed_in
from tests.factories import PASSWORD
from tests.helpers import post_form


def _sign_in(app, user, remember=False):
    browser = english_client(app)
    data = {"email": user.email, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    assert post_form(browser, "/auth/login", data).status_code == 302
    return browser


def _with_cookie(app, source, name):
    """A new browser holding only ``source``'s cookie ``name`` (what someone who copied it has)."""
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    other = english_client(app)
    other.set_cookie(name, cookie.value)
    return other


def _sign_out(browser):
    response = post_form(browser, "/auth/logout", {}, form_url="/")
    assert response.status_code == 302
    return response


def _sessions_of(user):
    return db.session.execute(db.select(UserSession).filter_by(user_id=user.id)).scalars().all()


def test_signing_out_ends_a_copied_session_cookie(app, user):
    browser = _sign_in(app, user)
    copy = _with_cookie(app, browser, "session")
    assert is_signed_in(copy)
    _sign_out(browser)
    assert not is_signed_in(browser)
    assert not is_signed_in(copy)
    assert not is_signed_in(_with_cookie(app, copy, "session"))


def test_signing_out_ends_the_remember_me_cookie(app, user):
    browser = _sign_in(app, user, remember=True)
    remembered = _with_cookie(app, browser, "remember_token")
    assert is_signed_in(_with_cookie(app, browser, "remember_token"))  # the cookie alone signs in
    _sign_out(browser)
    assert not is_signed_in(remembered)
    assert not is_signed_in(browser)


def test_signing_out_ends_only_this_session(app, user):
    laptop = _sign_in(app, user, remember=True)
    phone = _sign_in(app, user, remember=True)
    phone_cookie = _with_cookie(app, phone, "remember_token")
    _sign_out(laptop)
    assert is_signed_in(phone)
    assert is_signed_in(phone_cookie)
    assert len(_sessions_of(user)) == 1


def test_signing_out_is_audited(app, user):
    browser = _sign_in(app, user)
    _sign_out(browser)
    [event] = audit_events("auth.logout")
    assert (event.actor_id, event.subject_type, event.subject_id, event.details) == (user.id, "User", str(user.id), {})


def test_the_server_keeps_no_secret_that_opens_a_session(app, user):
    browser = _sign_in(app, user, remember=True)
    [row] = _sessions_of(user)
    assert row.key_hash not in browser.get_cookie("session").value
    assert row.key_hash not in browser.get_cookie("remember_token").value
    assert row.expires_at - row.created_at == app.config.get("REMEMBER_COOKIE_DURATION", timedelta(days=365))


def test_a_session_past_its_end_is_refused(app, user):
    browser = _sign_in(app, user)
    [row] = _sessions_of(user)
    assert row.expires_at - row.created_at == timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not is_signed_in(browser)


def test_signing_in_clears_ended_sessions(app, user):
    _sign_in(app, user)
    [row] = _sessions_of(user)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    ended = row.key_hash
    _sign_in(app, user)
    assert [session.key_hash for session in _sessions_of(user)] != [ended]
    assert len(_sessions_of(user)) == 1


def test_a_session_cookie_from_before_sessions_were_kept_is_refused(app, user):
    browser = english_client(app)
    with browser.session_transaction() as session:
        session["_user_id"] = f"{user.id}:{user.session_version}"
        session["_fresh"] = True
    assert not is_signed_in(browser)


def test_a_password_change_ends_the_other_sessions_and_their_remember_me_cookies(app, user):
    laptop = _sign_in(app, user, remember=True)
    phone = _sign_in(app, user, remember=True)
    phone_cookie = _with_cookie(app, phone, "remember_token")
    response = post_form(
        laptop, "/auth/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert not is_signed_in(phone_cookie)
    assert len(_sessions_of(user)) == 1


def test_deleting_the_account_ends_every_session(app, user):
    laptop = _sign_in(app, user)
    _sign_in(app, user, remember=True)
    response = post_form(laptop, "/auth/account/delete", {"current_password": PASSWORD})
    assert response.status_code == 302
    assert _sessions_of(user) == []
