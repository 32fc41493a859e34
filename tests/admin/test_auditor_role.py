"""The auditor role (sees every group of voters in staff previews): set and removed by an admin on the
user page, audited; not implied by the admin role."""

from pb.extensions import db
from pb.models_base import utcnow
from tests.helpers import csrf_token, post_form
from tests.orgs.support import audit_events, main, signed_in_client, user


def _role_url(account, change):
    return f"/staff/users/{account.id}/roles/auditor/{change}"


def test_admin_gives_and_removes_the_auditor_role(app):
    actor = user(admin=True, name="Aino Admin")
    client = signed_in_client(app, actor)
    person = user(staff=True)
    url = f"/staff/users/{person.id}"
    page = main(client.get(url))
    assert "Give the auditor role" in page and "auditor" not in page.split("Roles", 1)[1].split("</dd>", 1)[0]
    assert not actor.is_auditor and not actor.sees_every_group  # admins are not auditors by themselves

    assert post_form(client, _role_url(person, "grant"), {}, form_url=url).status_code == 302
    assert person.is_auditor and person.sees_every_group
    page = main(client.get(url))
    assert "Remove the auditor role" in page and "auditor" in page.split("Roles", 1)[1].split("</dd>", 1)[0]

    post_form(client, _role_url(person, "revoke"), {}, form_url=url)
    assert not person.is_auditor
    assert [(e.action, e.actor_id, e.subject_id, e.details) for e in audit_events("admin.")] == [
        ("admin.role_granted", actor.id, str(person.id), {"role": "auditor"}),
        ("admin.role_revoked", actor.id, str(person.id), {"role": "auditor"}),
    ]


def test_the_page_says_when_an_auditor_is_not_staff(app):
    client = signed_in_client(app, user(admin=True))
    person = user()
    url = f"/staff/users/{person.id}"
    post_form(client, _role_url(person, "grant"), {}, form_url=url)
    assert "until they also have the staff role" in main(client.get(url))


def test_only_admins_set_the_auditor_role(app):
    person = user()
    for actor in (user(staff=True), user()):
        client = signed_in_client(app, actor)
        token = csrf_token(client, "/")
        assert client.post(_role_url(person, "grant"), data={"csrf_token": token}).status_code == 403
    assert not person.is_auditor
    assert audit_events("admin.") == []


def test_a_deleted_account_cannot_become_an_auditor(app):
    client = signed_in_client(app, user(admin=True))
    gone = user()
    gone.deleted_at = utcnow()
    db.session.commit()
    token = csrf_token(client, "/")
    client.post(_role_url(gone, "grant"), data={"csrf_token": token})
    db.session.refresh(gone)
    assert not gone.is_auditor
