"""Strong electronic identification against a real OpenID Connect provider running on 127.0.0.1.

The app's Authlib client fetches the provider's discovery document and keys and exchanges the code over
HTTP; the test plays the browser: it follows the app's redirect to the provider and the provider's redirect
back to the app.
"""

import logging
import socket
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from pb.audit.models import AuditEvent
from pb.auth.identity import person_hash
from pb.auth.models import User
from pb.extensions import db
from tests.auth.oidc_provider import LocalProvider
from tests.auth.support import audit_events, english_client, text
from tests.factories import PASSWORD, make_user
from tests.helpers import post_form

CODE = "131052-308T"  # a valid personal identity code: born 13.10.1952
CLAIM = "personal_identity_code"
_CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def personal_code(birth_date, century_sign, individual):
    """A personal identity code with its right control character, e.g. ("010112", "A", "123")."""
    return f"{birth_date}{century_sign}{individual}{_CHECK_CHARACTERS[int(birth_date + individual) % 31]}"


def with_wrong_control_character(code):
    return code[:-1] + next(char for char in _CHECK_CHARACTERS if char != code[-1])


@pytest.fixture(scope="session")
def provider():
    local = LocalProvider().start()
    yield local
    local.stop()


@pytest.fixture
def eid(app, provider, monkeypatch):
    """eID configured on the app, pointing at the local provider, which starts each test with its defaults."""
    provider.reset()
    provider.id_claims = {CLAIM: CODE}
    for name, value in {
        "EID_ISSUER": provider.issuer,
        "EID_CLIENT_ID": provider.client_id,
        "EID_CLIENT_SECRET": provider.client_secret,
        "EID_SCOPE": "openid",
        "EID_IDENTITY_CLAIM": CLAIM,
        "EID_NAME": "Testitunnistus",
        "EID_TIMEOUT": 5,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    return provider


def start(client, next_path=None):
    return client.get("/identify/start" + (f"?{urlencode({'next': next_path})}" if next_path else ""))


def at_provider(location):
    """The browser at the provider: its answer is a redirect back to the app's callback."""
    answer = requests.get(location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/identify/callback"
    return f"{back.path}?{back.query}"


def identify(client, provider, next_path=None):
    """The whole round trip: start, the provider approves, back at the callback. Returns the callback's answer."""
    response = start(client, next_path)
    assert response.status_code == 302, text(response)[:2000]
    assert response.headers["Location"].startswith(f"{provider.issuer}/authorize?")
    return client.get(at_provider(response.headers["Location"]))


def failure_reason():
    events = audit_events("auth.identification_failed")
    assert events, "the failed attempt was not audited"
    assert set(events[-1].details) == {"method", "reason"}
    return events[-1].details["reason"]


def assert_nothing_bound(*users):
    for user in users:
        db.session.refresh(user)
        assert user.person_hash is None
    assert audit_events("auth.identified") == []


def session_data(app, client):
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return {}
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def forms_of(code):
    """The ways the code could be written down: as given, compact, lower case, without the dash."""
    return {code, code.lower(), code.replace("-", ""), code.replace("-", "").lower()}


def assert_code_kept_nowhere(app, client, code, caplog):
    """Neither the users nor the audit tables, nor the session cookie, nor the log hold the code in clear."""
    for model in (User, AuditEvent):
        columns = model.__table__.columns
        for row in db.session.execute(db.select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                for form in forms_of(code):
                    assert form not in str(value), f"{model.__tablename__}.{column.name} holds the code"
    session_text = str(session_data(app, client))
    log_text = "\n".join(record.getMessage() for record in caplog.records)
    for form in forms_of(code):
        assert form not in session_text
        assert form not in log_text


# -- success --------------------------------------------------------------------------------------------


def test_identification_binds_the_account_and_keeps_no_code(app, client, login, user, eid, caplog):
    caplog.set_level(logging.DEBUG)
    login(user)

    response = identify(client, eid, next_path="/voting/rounds?district=2")

    assert response.status_code == 302
    assert response.headers["Location"] == "/voting/rounds?district=2"
    db.session.refresh(user)
    assert user.person_hash == person_hash(CODE)
    assert user.birth_year == 1952
    (identified,) = audit_events("auth.identified")
    assert (identified.actor_id, identified.subject_id, identified.details) == (user.id, str(user.id), {"method": "eid"})
    assert audit_events("auth.identification_failed") == []
    # The protocol as promised: PKCE with S256, a nonce, the code exchanged with the verifier and the secret.
    (authorization,) = eid.authorization_requests
    assert authorization["code_challenge_method"] == "S256"
    assert authorization["nonce"] and authorization["state"]
    assert authorization["redirect_uri"] == "http://localhost/identify/callback"
    (token_request,) = eid.token_requests
    assert token_request["code_verifier"] and "client_secret" not in token_request
    assert "eid_flow" not in session_data(app, client)
    assert_code_kept_nowhere(app, client, CODE, caplog)

    account = client.get("/auth/account")
    assert "You are now identified with Testitunnistus." in text(account)
    assert "Identified with strong electronic identification" in text(account)
    assert "/identify/start" not in text(account)


def test_account_page_offers_identification_only_when_configured(app, client, login, user, monkeypatch):
    login(user)
    assert "/identify/start" not in text(client.get("/auth/account"))

    monkeypatch.setitem(app.config, "EID_ISSUER", "https://eid.example.test")
    monkeypatch.setitem(app.config, "EID_CLIENT_ID", "pb")
    monkeypatch.setitem(app.config, "EID_NAME", "Suomi.fi")
    page = text(client.get("/auth/account"))
    assert "Identify yourself with Suomi.fi" in page
    assert 'href="/identify/start?next=/auth/account"' in page
    assert "Not identified" in page


def test_the_claim_may_come_from_the_userinfo_endpoint(client, login, user, eid):
    eid.id_claims = {}
    eid.userinfo_claims = {CLAIM: CODE}
    login(user)

    assert identify(client, eid).headers["Location"] == "/auth/account"
    db.session.refresh(user)
    assert user.person_hash == person_hash(CODE)


def test_userinfo_about_another_subject_is_not_used(client, login, user, eid):
    eid.id_claims = {}
    eid.userinfo_claims = {CLAIM: CODE, "sub": "someone-else"}
    login(user)

    assert identify(client, eid).status_code == 502
    assert failure_reason() == "token_invalid"
    assert_nothing_bound(user)


def test_an_identified_account_is_not_sent_to_the_provider_again(client, login, user, eid):
    user.person_hash = person_hash(CODE)
    db.session.commit()
    login(user)

    response = start(client, "/voting/rounds")

    assert response.headers["Location"] == "/voting/rounds"
    assert eid.authorization_requests == []


def test_discovery_and_keys_are_read_again_once_old(client, login, user, eid, monkeypatch):
    monkeypatch.setattr("pb.auth.eid.METADATA_MAX_AGE", 0)
    login(user)

    assert identify(client, eid).status_code == 302
    assert eid.discovery_requests == 2  # at the start and at the callback


# -- refusals -------------------------------------------------------------------------------------------


def test_next_to_another_host_is_ignored(client, login, user, eid):
    login(user)
    for target in ("https://evil.example/steal", "//evil.example/steal", "javascript:alert(1)"):
        db.session.execute(db.update(User).where(User.id == user.id).values(person_hash=None))
        db.session.commit()
        response = identify(client, eid, next_path=target)
        assert response.status_code == 302
        assert response.headers["Location"] == "/auth/account", target


def test_a_wrong_state_is_refused(client, login, user, eid):
    login(user)
    callback = at_provider(start(client).headers["Location"])
    query = parse_qs(urlsplit(callback).query)

    response = client.get("/identify/callback?" + urlencode({"code": query["code"][0], "state": "not-the-state"}))

    assert response.status_code == 400
    assert "The identification could not be finished" in text(response)
    assert failure_reason() == "bad_state"
    assert_nothing_bound(user)
    # The flow is used up: the right answer afterwards is refused too.
    assert client.get(callback).status_code == 400
    assert eid.token_requests == []


def test_a_callback_without_a_start_is_refused(client, login, user, eid, second_user_client):
    """Another person's answer (their code and state, sent to a victim's browser) binds nothing."""
    other_client, other = second_user_client
    callback = at_provider(start(other_client).headers["Location"])
    login(user)

    assert client.get(callback).status_code == 400
    assert failure_reason() == "bad_state"
    assert_nothing_bound(user, other)


def test_an_identification_started_by_another_account_in_the_same_browser_is_refused(client, login, user, eid):
    """On a shared computer: one person starts, signs out, the next signs in; the answer binds nobody."""
    login(user)
    location = start(client).headers["Location"]
    post_form(client, "/auth/logout", {}, form_url="/auth/account")
    next_person = make_user("next@example.com", locale="en")
    login(next_person)

    assert client.get(at_provider(location)).status_code == 400
    assert failure_reason() == "bad_state"
    assert_nothing_bound(user, next_person)


@pytest.mark.parametrize("signing", ["tampered", "foreign_key"])
def test_an_id_token_with_a_wrong_signature_is_refused(client, login, user, eid, signing):
    eid.signing = signing
    login(user)

    response = identify(client, eid)

    assert response.status_code == 502
    assert "We could not confirm the answer from Testitunnistus" in text(response)
    assert failure_reason() == "token_invalid"
    assert_nothing_bound(user)


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "another-client"},
        {"iss": "https://another-provider.example"},
        {"nonce": "not-the-nonce"},
        {"nonce": None},
        {"exp": 1_000_000_000},
        {"sub": None},
    ],
    ids=["audience", "issuer", "nonce", "no-nonce", "expired", "no-subject"],
)
def test_an_id_token_that_fails_its_checks_is_refused(client, login, user, eid, overrides):
    eid.id_token_overrides = overrides
    login(user)

    assert identify(client, eid).status_code == 502
    assert failure_reason() == "token_invalid"
    assert_nothing_bound(user)


def test_a_missing_claim_is_refused(client, login, user, eid):
    eid.id_claims = {"name": "Erkki Esimerkki"}
    login(user)

    response = identify(client, eid)

    assert response.status_code == 502
    assert "Testitunnistus did not tell us your personal identity code" in text(response)
    assert "Try the identification again" not in text(response)
    assert failure_reason() == "claim_missing"
    assert_nothing_bound(user)


def test_a_code_with_a_wrong_control_character_is_refused(app, client, login, user, eid, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = with_wrong_control_character(CODE)
    eid.id_claims = {CLAIM: wrong}
    login(user)

    response = identify(client, eid)

    assert response.status_code == 422
    assert "is not valid" in text(response)
    assert failure_reason() == "code_invalid"
    assert_nothing_bound(user)
    assert_code_kept_nowhere(app, client, wrong, caplog)


def test_the_same_person_on_a_second_account_is_refused(app, client, login, user, eid, second_user_client, caplog):
    caplog.set_level(logging.DEBUG)
    code = personal_code("010112", "A", "123")  # a child born in 2012
    eid.id_claims = {CLAIM: code}
    other_client, other = second_user_client
    assert identify(other_client, eid).status_code == 302
    login(user)

    response = identify(client, eid)

    assert response.status_code == 409
    assert "already identified on another account" in text(response)
    assert failure_reason() == "already_bound"
    db.session.refresh(user)
    db.session.refresh(other)
    assert user.person_hash is None
    assert (other.person_hash, other.birth_year) == (person_hash(code), 2012)
    assert_code_kept_nowhere(app, client, code, caplog)


def test_an_account_identified_as_another_person_is_not_rebound(client, login, user, eid):
    login(user)
    location = start(client).headers["Location"]
    user.person_hash = person_hash(personal_code("241299", "-", "456"))
    db.session.commit()

    assert client.get(at_provider(location)).status_code == 409
    assert failure_reason() == "different_person"
    db.session.refresh(user)
    assert user.person_hash == person_hash(personal_code("241299", "-", "456"))


def test_cancelling_at_the_provider_is_handled(client, login, user, eid):
    eid.deny = True
    login(user)

    response = identify(client, eid, next_path="/voting/rounds")

    assert response.status_code == 200
    page = text(response)
    assert "You cancelled the identification" in page
    assert "Nothing was saved." in page
    assert 'href="/voting/rounds"' in page  # carry on without identifying
    assert failure_reason() == "cancelled"
    assert eid.token_requests == []
    assert_nothing_bound(user)


def test_a_refused_code_exchange_is_handled(client, login, user, eid):
    eid.token_error = "invalid_grant"
    login(user)

    assert identify(client, eid).status_code == 502
    assert failure_reason() == "provider_error"
    assert_nothing_bound(user)


def test_an_unreachable_provider_is_handled(app, client, login, user, eid, monkeypatch):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setitem(app.config, "EID_ISSUER", closed)
    login(user)

    response = start(client)

    assert response.status_code == 503
    assert "Testitunnistus cannot be reached at the moment" in text(response)
    assert failure_reason() == "provider_unreachable"
    assert_nothing_bound(user)


def test_a_provider_naming_another_issuer_is_not_trusted(client, login, user, eid):
    eid.discovery_overrides = {"issuer": "https://another-provider.example"}
    login(user)
    # The discovery document is fetched once per configuration: a fresh client for this test.
    client.application.extensions.pop("pb.eid.clients", None)

    assert start(client).status_code == 502
    assert failure_reason() == "provider_error"
    assert eid.authorization_requests == []
    client.application.extensions.pop("pb.eid.clients", None)  # the other tests get the true issuer back


# -- who may use it -------------------------------------------------------------------------------------


def test_the_routes_answer_404_when_eid_is_not_configured(client, login, user):
    login(user)
    assert client.get("/identify/start").status_code == 404
    assert client.get("/identify/callback?code=x&state=y").status_code == 404


def test_only_signed_in_residents_identify(client, eid):
    response = client.get("/identify/start")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")

    unverified = make_user("new@example.com", verified=False, locale="en")
    post_form(client, "/auth/login", {"email": unverified.email, "password": PASSWORD})
    assert client.get("/identify/start").status_code == 403
    assert eid.authorization_requests == []


@pytest.fixture
def second_user_client(app):
    """Another resident signed in in another browser."""
    other = make_user("toinen@example.com", locale="en")
    other_client = english_client(app)
    response = post_form(other_client, "/auth/login", {"email": other.email, "password": PASSWORD})
    assert response.status_code == 302
    return other_client, other
