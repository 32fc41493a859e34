import json

from flask_babel import force_locale

from pb.audit.models import AuditEvent
from pb.auth.models import User, find_by_email
from pb.extensions import db
from pb.orgs.models import ContactPerson, Invitation, Membership
from pb.steering.models import SteeringMember
from tests.auth.support import NEW_PASSWORD, audit_actions, audit_events, is_signed_in, link_in, text
from tests.factories import PASSWORD, make_organisation, make_steering_group, make_user
from tests.helpers import post_form


def _sign_in_elsewhere(app, user, password=PASSWORD):
    other_device = app.test_client()
    response = post_form(other_device, "/auth/login", {"email": user.email, "password": password})
    assert response.status_code == 302
    return other_device


def test_the_account_page_shows_details_roles_and_memberships(client, user, login):
    user.is_staff_member = True
    db.session.commit()
    make_organisation(name="Kulmakunta ry", representative=user)
    make_steering_group("Ohjausryhmä", members=[(user, "expert_by_experience")])
    login(user)
    page = text(client.get("/auth/account"))
    for expected in (
        "Erkki Esimerkki",
        user.email,
        "(confirmed)",
        "English",
        "Resident: you can vote and make proposals",
        "Staff member",
        "Kulmakunta ry",
        "Representative",
        "Ohjausryhmä",
        "Expert by experience",
        'href="/auth/account/export"',
        'href="/auth/account/delete"',
    ):
        assert expected in page, expected
    assert "Send the link again" not in page


def test_name_and_language_can_be_changed(client, user, login):
    login(user)
    response = post_form(client, "/auth/account/profile", {"display_name": "  Erkki E.  ", "language": "sv"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.display_name, user.locale) == ("Erkki E.", "sv")
    assert '<html lang="sv">' in text(client.get("/auth/account"))
    [event] = audit_events("auth.profile_updated")
    assert event.details == {"changed": ["display_name", "locale"]}


def test_an_empty_name_is_explained(client, user, login):
    login(user)
    response = post_form(client, "/auth/account/profile", {"display_name": "", "language": "en"})
    assert response.status_code == 200
    assert "Enter your name." in text(response)
    db.session.refresh(user)
    assert user.display_name == "Erkki Esimerkki"


def test_changing_the_password_ends_other_sessions_but_not_this_one(client, app, user, login, outbox):
    other_device = _sign_in_elsewhere(app, user)
    login(user)

    response = post_form(
        client,
        "/auth/account/password",
        {"current_password": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "The password is wrong." in text(response)
    assert NEW_PASSWORD not in text(response)

    response = post_form(
        client,
        "/auth/account/password",
        {"current_password": PASSWORD, "password": "Erkki Esimerkki", "confirm": "Erkki Esimerkki"},
    )
    assert "Do not use your email address or your name as the password." in text(response)

    response = post_form(
        client,
        "/auth/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert is_signed_in(client)
    assert not is_signed_in(other_device)
    assert audit_actions()[-1] == "auth.password_changed"
    assert outbox.messages()[-1][:2] == (user.email, "Osallistu: Your password was changed")


def _ask_for_new_address(client, new_email, password=PASSWORD):
    return post_form(client, "/auth/account/email", {"new_email": new_email, "current_password": password})


def test_changing_the_email_address_takes_effect_from_the_link(client, app, user, login, outbox):
    old_email = user.email
    other_device = _sign_in_elsewhere(app, user)
    login(user)

    response = _ask_for_new_address(client, "Erkki.Uusi@Example.com", "wrong one")
    assert response.status_code == 200
    assert "The password is wrong." in text(response)
    assert 'value="erkki.uusi@example.com"' in text(response)

    response = _ask_for_new_address(client, old_email.upper())
    assert "This is already the email address of your account." in text(response)

    response = _ask_for_new_address(client, "not-an-address")
    assert "Enter an email address in the form name@example.com." in text(response)
    assert outbox.messages() == []

    response = _ask_for_new_address(client, "Erkki.Uusi@Example.com")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email == old_email  # nothing changes before the link is opened
    (to_new, _subject, body), (to_old, warning, _body) = outbox.messages()
    assert to_new == "erkki.uusi@example.com"
    assert (to_old, warning) == (old_email, "Osallistu: Someone asked to change your email address")
    assert audit_actions()[-1] == "auth.email_change_requested"

    link = link_in(body, "/auth/email/")
    response = client.get(link)
    assert response.status_code == 302
    assert response.location.endswith("/auth/account")
    db.session.refresh(user)
    assert user.email == "erkki.uusi@example.com"
    assert user.is_verified
    assert is_signed_in(client)
    assert not is_signed_in(other_device)
    assert outbox.messages()[-1][:2] == (old_email, "Osallistu: Your email address was changed")
    assert audit_actions()[-1] == "auth.email_changed"
    assert all(old_email not in json.dumps(event.details) for event in audit_events())

    assert client.get(link).status_code == 404  # used once
    assert find_by_email(old_email) is None
    response = post_form(app.test_client(), "/auth/login", {"email": "erkki.uusi@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_an_address_taken_meanwhile_is_refused_at_the_link(client, user, login, outbox):
    login(user)
    _ask_for_new_address(client, "popular@example.com")
    link = link_in(outbox.messages()[0][2], "/auth/email/")
    make_user("popular@example.com")
    response = client.get(link)
    assert response.status_code == 409
    assert "already in use" in text(response)
    db.session.refresh(user)
    assert user.email != "popular@example.com"


def test_an_expired_email_change_link_offers_to_ask_again(client, app, user, login, outbox, monkeypatch):
    login(user)
    _ask_for_new_address(client, "later@example.com")
    link = link_in(outbox.messages()[0][2], "/auth/email/")
    monkeypatch.setitem(app.config, "EMAIL_TOKEN_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 410
    assert 'href="/auth/account/email"' in text(response)
    db.session.refresh(user)
    assert user.email != "later@example.com"


def _personal_records(user):
    group = make_organisation("resident_group", name="Pihapiiri", representative=user)
    group.contacts.append(ContactPerson(name="Erkki", email=user.email.upper(), phone="040 123"))
    group.invitations.append(Invitation(email="friend@example.com", invited_by=user))
    group.invitations.append(Invitation(email=user.email))
    db.session.commit()
    make_steering_group("Ohjausryhmä", members=[(user, "chair")])
    return group


def test_the_export_holds_everything_about_me_and_no_password_hash(client, user, login):
    _personal_records(user)
    login(user)
    response = client.get("/auth/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert response.headers["Cache-Control"] == "no-store"
    raw = text(response)
    db.session.refresh(user)
    assert user.password_hash not in raw
    assert "argon2" not in raw and "password_hash" not in raw
    data = json.loads(raw)
    assert data["account"]["email"] == user.email
    assert data["account"]["display_name"] == "Erkki Esimerkki"
    assert data["account"]["roles"] == ["resident"]
    memberships = [(m["organisation"], m["role"]) for m in data["organisation_memberships"]]
    assert memberships == [("Pihapiiri", "representative")]
    assert [(m["group"], m["role"]) for m in data["steering_group_memberships"]] == [({"fi": "Ohjausryhmä"}, "chair")]
    assert [c["phone"] for c in data["contact_person_entries"]] == ["040 123"]
    assert [i["email"] for i in data["invitations_sent"]] == ["friend@example.com"]
    assert [i["email"] for i in data["invitations_received"]] == [user.email]
    assert [e["action"] for e in data["actions_in_audit_log"]] == ["auth.login"]
    assert audit_actions()[-1] == "auth.data_exported"


def test_the_delete_page_explains_and_asks_for_the_password(client, app, user, login):
    _personal_records(user)
    login(user)
    page = text(client.get("/auth/account/delete"))
    assert "What we delete" in page and "What stays, without your name" in page
    response = post_form(client, "/auth/account/delete", {"current_password": "not my password"})
    assert response.status_code == 200
    assert "The password is wrong." in text(response)
    db.session.refresh(user)
    assert user.deleted_at is None and is_signed_in(client)


def test_deleting_erases_the_person_and_keeps_the_anonymous_row(client, app, user, login, outbox):
    group = _personal_records(user)
    email, user_id = user.email, user.id
    other_device = _sign_in_elsewhere(app, user)
    login(user)
    response = post_form(client, "/auth/account/delete", {"current_password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/"
    assert "Your account is deleted." in text(client.get("/"))
    assert not is_signed_in(client)
    assert not is_signed_in(other_device)

    db.session.expire_all()
    row = db.session.get(User, user_id)
    assert row.email is None
    assert row.password_hash is None
    assert row.stored_display_name == "" and row.display_name == "Deleted user"
    with force_locale("fi"):
        assert row.display_name == "Poistettu käyttäjä"
    assert row.deleted_at is not None
    assert not row.is_active
    assert db.session.scalar(db.select(db.func.count(Membership.id)).filter_by(user_id=user_id)) == 0
    assert db.session.scalar(db.select(db.func.count(SteeringMember.id)).filter_by(user_id=user_id)) == 0
    remaining_contacts = (
        db.session.execute(db.select(ContactPerson).filter_by(organisation_id=group.id)).scalars().all()
    )
    assert len(remaining_contacts) == 1  # the group's other contact stays
    assert all(contact.email.lower() != email for contact in remaining_contacts)
    invitations = db.session.execute(db.select(Invitation)).scalars().all()
    assert [i.email for i in invitations] == ["friend@example.com"]  # the one they sent stays, for the group

    [event] = audit_events("auth.account_deleted")
    assert (event.actor_id, event.subject_id, event.details) == (user_id, str(user_id), {})
    assert all(email not in json.dumps(e.details) for e in db.session.execute(db.select(AuditEvent)).scalars())
    assert outbox.messages()[-1][:2] == (email, "Osallistu: Your account was deleted")

    response = post_form(client, "/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Email or password is wrong." in text(response)
