"""Organisation pages through the test client, with CSRF on."""

import re

import pytest

from pb.extensions import db
from pb.orgs.models import Invitation, MemberRole, Organisation
from tests.factories import make_district, make_organisation
from tests.helpers import csrf_token, post_form
from tests.orgs.support import audit_actions, english_client, main, signed_in_client, text, user

NGO_FORM = "/organisations/new/ngo"
GROUP_FORM = "/organisations/new/resident_group"


def _ngo_data(**overrides):
    return {"name": "Kulmakunta ry", "business_id": "1572860-0", "email": "info@kulmakunta.example", **overrides}


def _organisation(name):
    return db.session.execute(db.select(Organisation).filter_by(name=name)).scalar_one_or_none()


@pytest.fixture
def resident(login):
    account = user()
    login(account)
    return account


def test_create_ngo_with_valid_business_id(client, resident):
    response = post_form(client, NGO_FORM, _ngo_data(business_id=" 1572860-0 ", website="www.kulmakunta.example"))
    assert response.status_code == 302
    organisation = _organisation("Kulmakunta ry")
    assert response.headers["Location"].endswith(f"/organisations/{organisation.id}")
    assert organisation.business_id == "1572860-0"
    assert organisation.website == "https://www.kulmakunta.example"
    assert organisation.membership_of(resident).role is MemberRole.REPRESENTATIVE
    assert audit_actions("orgs.") == ["orgs.created"]


@pytest.mark.parametrize(
    ("business_id", "message"),
    [
        ("1572860-1", "last digit does not match"),
        ("1234567", "7 digits, a hyphen and 1 digit"),
        ("", "Write the business ID"),
    ],
)
def test_wrong_business_id_is_explained_and_input_kept(client, resident, business_id, message):
    response = post_form(client, NGO_FORM, _ngo_data(business_id=business_id, description="We keep the park tidy."))
    assert response.status_code == 200
    page = main(response)
    assert message in page
    assert 'value="Kulmakunta ry"' in page
    assert f'value="{business_id}"' in page
    assert "We keep the park tidy." in page
    assert 'class="error-summary"' in page
    assert _organisation("Kulmakunta ry") is None
    assert audit_actions("orgs.") == []


def test_duplicate_business_id_gets_a_message_not_an_error_page(client, resident):
    make_organisation(name="First ry", business_id="1572860-0")
    response = post_form(client, NGO_FORM, _ngo_data(name="Second ry"))
    assert response.status_code == 200
    assert "already registered here" in main(response)
    assert 'value="Second ry"' in main(response)
    assert _organisation("Second ry") is None


def test_ngo_needs_some_contact_detail(client, resident):
    response = post_form(client, NGO_FORM, _ngo_data(email=""))
    assert response.status_code == 200
    assert "email address or a phone number" in main(response)


def test_resident_group_without_contact_person_keeps_what_was_typed(client, resident):
    district = make_district("Itä")
    data = {"name": "Pihaporukka", "district_id": str(district.id), "description": "Pihatalkoot keväällä."}
    response = post_form(client, GROUP_FORM, data)
    assert response.status_code == 200
    page = main(response)
    assert "at least one contact person" in page
    assert 'value="Pihaporukka"' in page
    assert "Pihatalkoot keväällä." in page
    assert re.search(rf'<option selected value="{district.id}">|<option value="{district.id}" selected', page)
    assert _organisation("Pihaporukka") is None


def test_resident_group_contact_rows_are_checked_one_by_one(client, resident):
    district = make_district()
    data = {
        "name": "Pihaporukka",
        "district_id": str(district.id),
        "contacts-0-name": "Maija",
        "contacts-1-email": "no-name@example.test",
    }
    response = post_form(client, GROUP_FORM, data)
    assert response.status_code == 200
    page = main(response)
    assert "Give an email address or a phone number for this person." in page
    assert "Write the contact person&#39;s name." in page
    assert 'value="no-name@example.test"' in page
    summary = page[page.index('class="error-summary"') : page.index("</ul>")]
    assert 'href="#contacts-0-email"' in summary and 'href="#contacts-1-name"' in summary
    assert "{" not in summary


def test_resident_group_needs_a_district(client, resident):
    data = {"name": "Pihaporukka", "contacts-0-name": "Maija", "contacts-0-phone": "040 1234567"}
    response = post_form(client, GROUP_FORM, data)
    assert response.status_code == 200
    assert "Choose the district" in main(response)


def test_create_resident_group(client, resident):
    district = make_district()
    data = {
        "name": "Pihaporukka",
        "district_id": str(district.id),
        "contacts-0-name": "Maija Meikäläinen",
        "contacts-0-phone": "040 123 4567",
        "contacts-2-name": "Matti",
        "contacts-2-email": "matti@example.test",
    }
    response = post_form(client, GROUP_FORM, data)
    assert response.status_code == 302
    group = _organisation("Pihaporukka")
    assert group.business_id is None and group.district_id == district.id
    assert [(c.name, c.email, c.phone) for c in group.contacts] == [
        ("Maija Meikäläinen", None, "040 123 4567"),
        ("Matti", "matti@example.test", None),
    ]


def test_oversized_and_html_input(client, resident):
    response = post_form(client, NGO_FORM, _ngo_data(name="x" * 201))
    assert response.status_code == 200
    assert "Field cannot be longer than 200 characters." in main(response)

    script = '<script>alert("x")</script>'
    data = _ngo_data(name=f"Evil {script}", description=script, website="javascript:alert(1)")
    response = post_form(client, NGO_FORM, data)
    assert response.status_code == 200
    assert "Write a web address" in main(response)
    assert "<script>alert" not in text(response)
    response = post_form(client, NGO_FORM, _ngo_data(name=f"Evil {script}", description=script))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "<script>alert" not in text(page)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in main(page)


def test_unknown_kind_is_404_and_creation_needs_a_verified_account(app, client, login):
    assert client.get("/organisations/new/ngo").status_code == 302  # anonymous: to the login page
    login(user(verified=False))
    assert client.get("/organisations/new/ngo").status_code == 403
    other = signed_in_client(app, user())
    assert other.get("/organisations/new/club").status_code == 404
    assert other.get("/organisations/new").status_code == 200


def test_profile_shows_contact_details_only_to_members_and_staff(app, client):
    member = user()
    organisation = make_organisation(members=[member], name="Kulmakunta ry")
    organisation.phone = "040 999 8888"
    organisation.description = "Public description"
    db.session.commit()
    url = f"/organisations/{organisation.id}"
    public = main(client.get(url))
    assert "Public description" in public and "040 999 8888" not in public and organisation.email not in public
    for account in (member, user(staff=True)):
        assert "040 999 8888" in main(signed_in_client(app, account).get(url))
    assert "040 999 8888" not in main(signed_in_client(app, user()).get(url))
    assert client.get("/organisations/999999").status_code == 404


def test_list_search_and_filters(client):
    east = make_district("Itä")
    make_organisation(name="Kulmakunta ry")
    make_organisation("resident_group", name="Itäpuiston pihaporukka", district=east)
    make_organisation("cooperative", name="Kulma osuuskunta")
    page = main(client.get("/organisations/"))
    assert all(name in page for name in ("Kulmakunta ry", "Itäpuiston pihaporukka", "Kulma osuuskunta"))
    page = main(client.get("/organisations/?q=kulma"))
    assert "Kulmakunta ry" in page and "Kulma osuuskunta" in page and "pihaporukka" not in page
    page = main(client.get("/organisations/?kind=cooperative"))
    assert "Kulma osuuskunta" in page and "Kulmakunta ry" not in page
    page = main(client.get(f"/organisations/?district={east.id}"))
    assert "pihaporukka" in page and "Kulmakunta" not in page
    page = main(client.get("/organisations/?q=%25"))
    assert "No organisations match" in page
    response = client.get("/organisations/?kind=club&district=abc&page=x")
    assert response.status_code == 200 and "Kulmakunta ry" in main(response)


def test_edit_is_for_representatives_and_staff(app, client, login):
    representative, member = user(), user()
    organisation = make_organisation(representative=representative, members=[member], business_id="1572860-0")
    url = f"/organisations/{organisation.id}/edit"
    for outsider in (member, user()):
        other = signed_in_client(app, outsider)
        assert other.get(url).status_code == 403
        assert other.post(url, data={"csrf_token": csrf_token(other, "/"), "name": "Taken"}).status_code == 403
    login(representative)
    form = client.get(url)
    assert 'value="1572860-0"' in text(form)
    response = post_form(client, url, {"name": "Renamed ry", "business_id": "1572860-0", "email": organisation.email})
    assert response.status_code == 302
    assert organisation.name == "Renamed ry"
    staff = signed_in_client(app, user(staff=True))
    data = {"name": "Staff fixed ry", "business_id": "1572860-0", "email": organisation.email}
    response = post_form(staff, url, data)
    assert response.status_code == 302
    assert audit_actions("orgs.") == ["orgs.updated", "orgs.updated"]


def test_edit_to_a_business_id_of_another_organisation_is_refused(client, login):
    representative = user()
    make_organisation(business_id="1572860-0")
    organisation = make_organisation(representative=representative, business_id="0112038-9")
    login(representative)
    data = {"name": organisation.name, "business_id": "1572860-0", "email": "a@b.fi"}
    response = post_form(client, f"/organisations/{organisation.id}/edit", data)
    assert response.status_code == 200
    assert "already registered here" in main(response)
    assert organisation.business_id == "0112038-9"


def _invite(client, organisation, email, role="member"):
    return post_form(client, f"/organisations/{organisation.id}/invitations/new", {"email": email, "role": role})


def test_invitation_link_accepted_by_the_invited_account(app, client, login, outbox):
    representative = user()
    invitee = user(email="invitee@example.test")
    organisation = make_organisation(representative=representative, name="Kulmakunta ry")
    login(representative)
    response = _invite(client, organisation, "Invitee@Example.test ", "representative")
    assert response.status_code == 302
    to, subject, body = outbox.messages()[-1]
    assert to == "invitee@example.test" and "Kulmakunta ry" in subject
    link = outbox.last_link()
    path = link.split("localhost", 1)[1]
    assert path.startswith("/organisations/invitations/")

    anonymous = english_client(app)
    page = anonymous.get(path)
    assert page.status_code == 200 and "invitee@example.test" in text(page) and "Log in" in text(page)

    invited_client = signed_in_client(app, invitee)
    assert "Accept and join" in main(invited_client.get(path))
    response = post_form(invited_client, path, {})
    assert response.status_code == 302
    assert organisation.membership_of(invitee).role is MemberRole.REPRESENTATIVE

    again = post_form(invited_client, path, {})
    assert again.status_code == 200 and "already accepted this invitation" in main(again)
    assert "already accepted this invitation" in main(invited_client.get(path))
    assert audit_actions("orgs.") == ["orgs.member_invited", "orgs.invitation_accepted"]


def test_invitation_opened_with_another_account(app, client, login, outbox):
    representative, stranger = user(), user()
    organisation = make_organisation(representative=representative)
    login(representative)
    _invite(client, organisation, "invitee@example.test")
    path = outbox.last_link().split("localhost", 1)[1]
    other = signed_in_client(app, stranger)
    assert "logged in with another email address" in main(other.get(path))
    response = post_form(other, path, {}, form_url="/")
    assert response.status_code == 200
    assert "logged in with another email address" in main(response)
    assert not organisation.is_member(stranger)


def test_revoked_and_broken_invitation_links(app, client, login, outbox):
    representative = user()
    invitee = user(email="invitee@example.test")
    organisation = make_organisation(representative=representative)
    login(representative)
    _invite(client, organisation, invitee.email)
    path = outbox.last_link().split("localhost", 1)[1]
    invitation = db.session.execute(db.select(Invitation)).scalar_one()
    members_page = main(client.get(f"/organisations/{organisation.id}/members"))
    assert "invitee@example.test" in members_page
    members_url = f"/organisations/{organisation.id}/members"
    revoke_url = f"/organisations/{organisation.id}/invitations/{invitation.id}/revoke"
    response = post_form(client, revoke_url, {}, form_url=members_url)
    assert response.status_code == 302
    assert invitation.revoked_at is not None

    invited_client = signed_in_client(app, invitee)
    assert "was cancelled" in main(invited_client.get(path))
    response = post_form(invited_client, path, {}, form_url="/")
    assert "was cancelled" in main(response) and not organisation.is_member(invitee)

    broken = invited_client.get("/organisations/invitations/not-a-token")
    assert broken.status_code == 404 and "not valid" in main(broken)
    assert audit_actions("orgs.") == ["orgs.member_invited", "orgs.invitation_revoked"]


def test_invite_form_errors(client, login, outbox):
    representative, member = user(), user()
    organisation = make_organisation(representative=representative, members=[member])
    login(representative)
    response = _invite(client, organisation, "not an email")
    assert response.status_code == 200 and "like name@example.fi" in main(response)
    assert 'value="not an email"' in main(response)
    response = _invite(client, organisation, member.email)
    assert response.status_code == 200 and "already a member" in main(response)
    assert outbox.messages() == []


def test_members_page_and_role_changes(app, client, login):
    representative, member = user(), user()
    organisation = make_organisation(representative=representative, members=[member])
    members_url = f"/organisations/{organisation.id}/members"
    rep_membership = organisation.membership_of(representative)
    member_membership = organisation.membership_of(member)

    member_client = signed_in_client(app, member)
    assert member_client.get(members_url).status_code == 200
    assert "Make representative" not in main(member_client.get(members_url))
    role_url = f"{members_url}/{rep_membership.id}/role"
    token = csrf_token(member_client, "/")
    assert member_client.post(role_url, data={"csrf_token": token, "role": "member"}).status_code == 403
    assert signed_in_client(app, user()).get(members_url).status_code == 403

    login(representative)
    response = post_form(client, role_url, {"role": "member"}, form_url=members_url)
    assert response.status_code == 302
    page = main(client.get(members_url))
    assert "at least one representative" in page
    assert rep_membership.role is MemberRole.REPRESENTATIVE

    response = post_form(client, f"{members_url}/{rep_membership.id}/remove", {}, form_url=members_url)
    assert "at least one representative" in main(client.get(response.headers["Location"]))
    assert organisation.is_member(representative)

    post_form(client, f"{members_url}/{member_membership.id}/role", {"role": "representative"}, form_url=members_url)
    assert member_membership.role is MemberRole.REPRESENTATIVE
    post_form(client, role_url, {"role": "member"}, form_url=members_url)
    assert rep_membership.role is MemberRole.MEMBER
    assert audit_actions("orgs.") == ["orgs.member_role_changed", "orgs.member_role_changed"]


def test_representative_removes_a_member_and_staff_may_help(app, client, login):
    representative, member, other_member = user(), user(), user()
    organisation = make_organisation(representative=representative, members=[member, other_member])
    members_url = f"/organisations/{organisation.id}/members"
    login(representative)
    remove_url = f"{members_url}/{organisation.membership_of(member).id}/remove"
    response = post_form(client, remove_url, {}, form_url=members_url)
    assert response.status_code == 302
    assert not organisation.is_member(member)
    staff = signed_in_client(app, user(staff=True))
    post_form(staff, f"{members_url}/{organisation.membership_of(other_member).id}/remove", {}, form_url=members_url)
    assert not organisation.is_member(other_member)
    other = make_organisation(members=[user()])
    foreign = other.memberships[0].id
    assert post_form(client, f"{members_url}/{foreign}/remove", {}, form_url=members_url).status_code == 404
    assert audit_actions("orgs.") == ["orgs.member_removed", "orgs.member_removed"]


def test_leave_organisation(client, login):
    representative, member = user(), user()
    organisation = make_organisation(representative=representative, members=[member])
    url = f"/organisations/{organisation.id}"
    login(member)
    assert "Leave this organisation" in main(client.get(url))
    response = post_form(client, f"{url}/leave", {}, form_url=url)
    assert response.status_code == 302
    assert not organisation.is_member(member)
    assert post_form(client, f"{url}/leave", {}, form_url=url).status_code == 403
    assert audit_actions("orgs.") == ["orgs.left"]


def test_last_representative_cannot_leave(client, login):
    representative = user()
    organisation = make_organisation(representative=representative)
    url = f"/organisations/{organisation.id}"
    login(representative)
    response = post_form(client, f"{url}/leave", {}, form_url=url, follow_redirects=True)
    assert "at least one representative" in main(response)
    assert organisation.is_member(representative)


def test_pages_have_a_title_and_one_h1(app, client, login, outbox):
    representative = user(staff=True)
    organisation = make_organisation(representative=representative)
    login(representative)
    _invite(client, organisation, "x@example.test")
    path = outbox.last_link().split("localhost", 1)[1]
    for url in (
        "/organisations/",
        "/organisations/new",
        NGO_FORM,
        GROUP_FORM,
        "/organisations/new/cooperative",
        f"/organisations/{organisation.id}",
        f"/organisations/{organisation.id}/edit",
        f"/organisations/{organisation.id}/members",
        f"/organisations/{organisation.id}/invitations/new",
        path,
    ):
        html = text(client.get(url))
        assert html.count("<h1") == 1, url
        assert re.search(r"<title>\S[^<]*–", html), url


def test_resident_group_edit_round_trip(client, login):
    representative = user()
    group = make_organisation("resident_group", representative=representative, district=make_district())
    url = f"/organisations/{group.id}/edit"
    login(representative)
    form = text(client.get(url))
    contact_name, contact_email = group.contacts[0].name, group.contacts[0].email
    assert f'value="{contact_name}"' in form and f'value="{contact_email}"' in form
    data = {
        "name": group.name,
        "email": group.email,
        "district_id": str(group.district_id),
        "contacts-0-name": contact_name,
        "contacts-0-email": contact_email,
        "contacts-0-phone": "",
        "contacts-1-name": "",
        "contacts-1-email": "",
        "contacts-1-phone": "",
    }
    response = post_form(client, url, data, follow_redirects=True)
    assert "Nothing was changed." in main(response)
    data["contacts-1-name"], data["contacts-1-phone"] = "Second Person", "+358 40 765 4321"
    post_form(client, url, data)
    assert [c.name for c in group.contacts] == [contact_name, "Second Person"]
    data.update({"contacts-0-name": "", "contacts-0-email": "", "contacts-1-name": "", "contacts-1-phone": ""})
    response = post_form(client, url, data)
    assert response.status_code == 200 and "at least one contact person" in main(response)
    assert audit_actions("orgs.") == ["orgs.updated"]


def test_create_cooperative(client, resident):
    data = _ngo_data(name="Kulma osuuskunta", email="", phone="09 123 456")
    response = post_form(client, "/organisations/new/cooperative", data)
    assert response.status_code == 302
    assert _organisation("Kulma osuuskunta").kind.value == "cooperative"
