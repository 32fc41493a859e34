"""Steering groups: staff manage groups and members; members see their groups."""

import re

import pytest

from pb.extensions import db
from pb.steering import services
from pb.steering.models import SteeringGroup, SteeringRole
from tests.factories import make_steering_group
from tests.helpers import csrf_token, post_form
from tests.orgs.support import audit_actions, audit_events, english_request, main, signed_in_client, text, user


@pytest.fixture
def staff(app):
    account = user(staff=True)
    return account, signed_in_client(app, account)


def _group_form(fi="Ohjausryhmä 2026", description_fi="", **extra):
    return {"name-fi": fi, "name-sv": "", "name-en": extra.get("en", ""),
            "description-fi": description_fi, "description-sv": "", "description-en": ""}


def test_staff_creates_and_edits_a_group(staff):
    _, client = staff
    response = post_form(client, "/steering-groups/new", _group_form(en="Steering group 2026"))
    assert response.status_code == 302
    group = db.session.execute(db.select(SteeringGroup)).scalar_one()
    assert group.name == {"fi": "Ohjausryhmä 2026", "en": "Steering group 2026"} and group.description == {}
    response = post_form(client, f"/steering-groups/{group.id}/edit", _group_form(description_fi="Arvioi hakemukset."))
    assert response.status_code == 302
    assert group.description == {"fi": "Arvioi hakemukset."} and group.name == {"fi": "Ohjausryhmä 2026"}
    assert [(e.action, e.details) for e in audit_events("steering.")] == [
        ("steering.created", {"name": "Ohjausryhmä 2026"}),
        ("steering.updated", {"fields": ["name", "description"]}),
    ]


def test_group_needs_a_finnish_name_and_keeps_input(staff):
    _, client = staff
    data = _group_form(fi="", description_fi="<b>Kuvaus</b>")
    response = post_form(client, "/steering-groups/new", data)
    assert response.status_code == 200
    page = main(response)
    assert "This field is required." in page and "&lt;b&gt;Kuvaus&lt;/b&gt;" in page
    assert db.session.scalar(db.select(db.func.count(SteeringGroup.id))) == 0


def test_add_change_and_remove_members(staff, outbox):
    _, client = staff
    person = user(email="expert@example.test", name="Eeva Expert")
    group = make_steering_group()
    url = f"/steering-groups/{group.id}"
    data = {"email": " Expert@Example.test ", "role": "expert_by_experience"}
    response = post_form(client, f"{url}/members", data, form_url=url)
    assert response.status_code == 302
    member = group.member_of(person)
    assert member.role is SteeringRole.EXPERT_BY_EXPERIENCE
    assert outbox.messages()[-1][0] == "expert@example.test"
    assert "Eeva Expert" in main(client.get(url))

    response = post_form(client, f"{url}/members", {"email": person.email, "role": "chair"}, form_url=url)
    assert response.status_code == 200 and "already in this group" in main(response)

    post_form(client, f"{url}/members/{member.id}/role", {"role": "chair"}, form_url=url)
    assert member.role is SteeringRole.CHAIR
    post_form(client, f"{url}/members/{member.id}/remove", {}, form_url=url)
    assert group.member_of(person) is None
    assert audit_actions("steering.") == [
        "steering.member_added",
        "steering.member_role_changed",
        "steering.member_removed",
    ]


def test_adding_an_unknown_email_is_explained(staff):
    _, client = staff
    group = make_steering_group()
    url = f"/steering-groups/{group.id}"
    response = post_form(client, f"{url}/members", {"email": "nobody@example.test", "role": "member"}, form_url=url)
    assert response.status_code == 200
    page = main(response)
    assert "No account uses the email address nobody@example.test" in page
    assert 'value="nobody@example.test"' in page
    response = post_form(client, f"{url}/members", {"email": "not-an-email", "role": "boss"}, form_url=url)
    assert response.status_code == 200 and "Not a valid choice" in main(response)


def test_members_see_their_groups_and_others_do_not(app):
    member, outsider = user(), user()
    group = make_steering_group("Arviointiryhmä", members=[(member, "official")])
    member_client = signed_in_client(app, member)
    assert "Arviointiryhmä" in main(member_client.get("/steering-groups/mine"))
    page = main(member_client.get(f"/steering-groups/{group.id}"))
    assert "Official" in page and "Add a member" not in page and member.email not in page
    assert member_client.get("/steering-groups/").status_code == 403
    outsider_client = signed_in_client(app, outsider)
    assert outsider_client.get(f"/steering-groups/{group.id}").status_code == 403
    assert "not in any steering group" in main(outsider_client.get("/steering-groups/mine"))


def test_members_cannot_manage_the_group(app):
    chair, other = user(), user()
    group = make_steering_group(members=[(chair, "chair"), (other, "member")])
    client = signed_in_client(app, chair)
    token = csrf_token(client, "/")
    member_id = group.member_of(other).id
    for url, data in (
        ("/steering-groups/new", _group_form()),
        (f"/steering-groups/{group.id}/edit", _group_form()),
        (f"/steering-groups/{group.id}/members", {"email": chair.email, "role": "chair"}),
        (f"/steering-groups/{group.id}/members/{member_id}/role", {"role": "chair"}),
        (f"/steering-groups/{group.id}/members/{member_id}/remove", {}),
    ):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    assert group.member_of(other).role is SteeringRole.MEMBER


def test_member_of_another_group_is_404(staff):
    _, client = staff
    group, other = make_steering_group(), make_steering_group(members=[(user(), "member")])
    foreign = other.members[0].id
    url = f"/steering-groups/{group.id}"
    assert post_form(client, f"{url}/members/{foreign}/remove", {}, form_url=url).status_code == 404


def test_service_refuses_deleted_accounts(app):
    from pb.models_base import utcnow

    person = user()
    person.deleted_at = utcnow()
    group = make_steering_group()
    with english_request(app), pytest.raises(services.SteeringRuleError):
        services.add_member(None, group, person.email, SteeringRole.MEMBER)


def test_pages_have_a_title_and_one_h1(staff):
    _, client = staff
    group = make_steering_group(members=[(user(), "official")])
    for url in ("/steering-groups/", "/steering-groups/mine", "/steering-groups/new",
                f"/steering-groups/{group.id}", f"/steering-groups/{group.id}/edit"):
        html = text(client.get(url))
        assert html.count("<h1") == 1, url
        assert re.search(r"<title>\S[^<]*–", html), url
