"""Staff dashboard, job runs, and the admin-only user and role pages."""

import re

import pytest

from pb.admin import services
from pb.extensions import db
from pb.jobs import JobRun, JobStatus
from pb.models_base import utcnow
from tests.helpers import csrf_token, post_form
from tests.orgs.support import audit_events, english_request, main, signed_in_client, text, user


@pytest.fixture
def admin(app):
    account = user(admin=True, name="Aino Admin")
    return account, signed_in_client(app, account)


def _role_url(account, role, change):
    return f"/staff/users/{account.id}/roles/{role}/{change}"


def test_dashboard_links(app, client):
    assert client.get("/staff/").status_code == 302
    assert signed_in_client(app, user()).get("/staff/").status_code == 403
    staff_page = main(signed_in_client(app, user(staff=True)).get("/staff/"))
    for link in ("/districts/", "/steering-groups/", "/organisations/", "/staff/audit/", "/staff/jobs"):
        assert f'href="{link}"' in staff_page
    assert 'href="/staff/users"' not in staff_page
    assert 'href="/staff/users"' in main(signed_in_client(app, user(admin=True)).get("/staff/"))


def test_job_runs_newest_first(app):
    db.session.add_all(
        [
            JobRun(id="tally:1", func="pb.tally.jobs:run", args=[1], status=JobStatus.DONE, progress=100,
                   created_at=utcnow().replace(year=2024)),
            JobRun(id="tally:2", func="pb.tally.jobs:run", args=[2], status=JobStatus.FAILED, progress=40,
                   error="ValueError: <broken>\ntraceback", created_at=utcnow()),
        ]
    )
    db.session.commit()
    page = main(signed_in_client(app, user(staff=True)).get("/staff/jobs"))
    assert page.index("tally:2") < page.index("tally:1")
    assert "Failed" in page and "40 %" in page and "ValueError: &lt;broken&gt;" in page
    assert signed_in_client(app, user()).get("/staff/jobs").status_code == 403


def test_user_list_and_search_are_for_admins(app, admin):
    _, client = admin
    user(email="maija@example.test", name="Maija Meikäläinen")
    user(email="other@example.test", name="Someone Else")
    page = main(client.get("/staff/users?q=meik"))
    assert "Maija Meikäläinen" in page and "Someone Else" not in page
    page = main(client.get("/staff/users?q=OTHER@"))
    assert "Someone Else" in page and "Maija" not in page
    assert "No accounts match" in main(client.get("/staff/users?q=%25_"))
    assert signed_in_client(app, user(staff=True)).get("/staff/users").status_code == 403


def test_admin_grants_and_revokes_staff(app, admin):
    actor, client = admin
    person = user()
    url = f"/staff/users/{person.id}"
    response = post_form(client, _role_url(person, "staff", "grant"), {}, form_url=url)
    assert response.status_code == 302
    assert person.is_staff_member and person.is_staff
    assert "Remove the staff role" in main(client.get(url))
    post_form(client, _role_url(person, "staff", "revoke"), {}, form_url=url)
    assert not person.is_staff
    assert [(e.action, e.actor_id, e.subject_id, e.details) for e in audit_events("admin.")] == [
        ("admin.role_granted", actor.id, str(person.id), {"role": "staff"}),
        ("admin.role_revoked", actor.id, str(person.id), {"role": "staff"}),
    ]


def test_staff_cannot_change_roles(app):
    staff, person = user(staff=True), user()
    client = signed_in_client(app, staff)
    token = csrf_token(client, "/")
    for role in ("staff", "admin"):
        assert client.post(_role_url(person, role, "grant"), data={"csrf_token": token}).status_code == 403
    assert client.post(_role_url(staff, "admin", "grant"), data={"csrf_token": token}).status_code == 403
    assert not person.is_staff and not staff.is_admin


def test_last_admin_cannot_remove_own_admin_role(admin):
    actor, client = admin
    url = f"/staff/users/{actor.id}"
    response = post_form(client, _role_url(actor, "admin", "revoke"), {}, form_url=url, follow_redirects=True)
    assert "last administrator" in main(response)
    assert actor.is_admin

    second = user()
    post_form(client, _role_url(second, "admin", "grant"), {}, form_url=url)
    assert second.is_admin
    response = post_form(client, _role_url(actor, "admin", "revoke"), {}, form_url=url)
    assert response.status_code == 302
    assert not actor.is_admin
    assert [e.action for e in audit_events("admin.")] == ["admin.role_granted", "admin.role_revoked"]


def test_deleted_admins_do_not_count(app):
    only_active = user(admin=True)
    gone = user(admin=True)
    gone.deleted_at = utcnow()
    db.session.commit()
    with english_request(app), pytest.raises(services.RoleChangeRefused):
        services.set_role(only_active, only_active, "admin", granted=False)
    with english_request(app), pytest.raises(services.RoleChangeRefused):
        services.set_role(only_active, gone, "staff", granted=True)


def test_unknown_role_or_user(admin):
    _, client = admin
    token = csrf_token(client, "/")
    assert client.post("/staff/users/1/roles/owner/grant", data={"csrf_token": token}).status_code == 404
    assert client.post("/staff/users/99999/roles/staff/grant", data={"csrf_token": token}).status_code == 404
    assert client.get("/staff/users/99999").status_code == 404


def test_pages_have_a_title_and_one_h1(admin):
    actor, client = admin
    for url in ("/staff/", "/staff/jobs", "/staff/users", f"/staff/users/{actor.id}"):
        html = text(client.get(url))
        assert html.count("<h1") == 1, url
        assert re.search(r"<title>\S[^<]*–", html), url
