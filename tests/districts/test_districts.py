"""District pages and services: public reading, staff CRUD, refusal to delete a district in use."""

import re

import pytest

from pb.districts import services
from pb.districts.models import District
from pb.extensions import db
from tests.factories import make_district, make_organisation
from tests.helpers import csrf_token, post_form
from tests.orgs.support import audit_actions, audit_events, english_request, main, signed_in_client, text, user


def _district(name_fi):
    query = db.select(District).where(District.name["fi"].as_string() == name_fi)
    return db.session.execute(query).scalar_one_or_none()


def _form(name_fi="Kallio", population="12345", postal_codes="", **extra):
    return {"name-fi": name_fi, "name-sv": extra.pop("sv", ""), "name-en": extra.pop("en", ""),
            "population": population, "postal_codes": postal_codes, **extra}


@pytest.fixture
def staff_client(app):
    return signed_in_client(app, user(staff=True))


def test_public_list_and_page(client):
    district = make_district("Keskusta", population=24310)
    district.postal_codes = ["00100", "00120"]
    db.session.commit()
    page = main(client.get("/districts/"))
    assert "Keskusta" in page and "24" in page and "Add a district" not in page
    page = main(client.get(f"/districts/{district.id}"))
    assert "Keskusta" in page and "00100, 00120" in page and "Edit" not in page
    assert client.get("/districts/999").status_code == 404


def test_english_name_is_shown_in_english(app):
    district = make_district("Keskusta", en="City centre")
    english_reader = signed_in_client(app, user())
    assert "<h1>City centre</h1>" in text(english_reader.get(f"/districts/{district.id}"))


def test_staff_creates_a_district(staff_client):
    response = post_form(staff_client, "/districts/new", _form(en="Kallio EN", postal_codes="00530, 00500 00530;00510"))
    assert response.status_code == 302
    district = _district("Kallio")
    assert district.name == {"fi": "Kallio", "en": "Kallio EN"}
    assert district.population == 12345
    assert district.postal_codes == ["00530", "00500", "00510"]
    assert audit_actions("districts.") == ["districts.created"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_form(name_fi=""), "This field is required."),
        (_form(population="-1"), "Write a whole number, 0 or more."),
        (_form(population="many"), "Not a valid integer value"),
        (_form(population=""), "Write the number of residents."),
        (_form(postal_codes="00100, 123, ABCDE"), "Check these: 123, ABCDE"),
        (_form(name_fi="x" * 121), "Field cannot be longer than 120 characters."),
    ],
)
def test_bad_input_is_explained_and_kept(staff_client, data, message):
    response = post_form(staff_client, "/districts/new", data)
    assert response.status_code == 200
    page = main(response)
    assert message in page
    for key in ("population", "postal_codes"):
        if data[key]:
            assert f'value="{data[key]}"' in page
    assert db.session.scalar(db.select(db.func.count(District.id))) == 0


def test_staff_edits_a_district(staff_client):
    district = make_district("Kallio", population=100)
    url = f"/districts/{district.id}/edit"
    form = text(staff_client.get(url))
    assert 'value="Kallio"' in form and 'value="100"' in form
    response = post_form(staff_client, url, _form(name_fi="Kallio", population="200", sv="Berghäll"))
    assert response.status_code == 302
    assert district.population == 200 and district.name == {"fi": "Kallio", "sv": "Berghäll"}
    post_form(staff_client, url, _form(name_fi="Kallio", population="200", sv="Berghäll"))
    assert [event.details for event in audit_events("districts.")] == [{"fields": ["name", "population"]}]


def test_residents_cannot_change_districts(app, client):
    district = make_district()
    assert client.get("/districts/new").status_code == 302  # anonymous: asked to log in
    resident = signed_in_client(app, user())
    token = csrf_token(resident, "/")
    for url in ("/districts/new", f"/districts/{district.id}/edit", f"/districts/{district.id}/delete"):
        assert resident.get(url).status_code == 403
        assert resident.post(url, data={"csrf_token": token, **_form()}).status_code == 403
    assert db.session.get(District, district.id).population == 10000


def test_delete_unused_district(staff_client):
    district = make_district("Poistettava")
    district_id = district.id
    url = f"/districts/{district_id}/delete"
    assert "Delete the district" in main(staff_client.get(url))
    response = post_form(staff_client, url, {})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(District, district_id) is None
    (event,) = audit_events("districts.deleted")
    assert event.subject_id == str(district_id) and event.details == {"name": "Poistettava"}


def test_delete_refused_while_organisations_use_the_district(staff_client):
    district = make_district("Käytössä")
    make_organisation("resident_group", district=district)
    url = f"/districts/{district.id}/delete"
    page = main(staff_client.get(url))
    assert "cannot be deleted" in page and "organisations: 1" in page and "Delete the district" not in page
    response = post_form(staff_client, url, {}, form_url="/")
    assert response.status_code == 302
    assert "cannot be deleted" in main(staff_client.get(response.headers["Location"]))
    assert db.session.get(District, district.id) is not None
    assert audit_actions("districts.") == []


def test_references_cover_every_table_pointing_at_districts(app):
    district = make_district()
    make_organisation(district=district)
    make_organisation(district=district)
    assert services.references(district) == {"organisations": 2}
    with english_request(app), pytest.raises(services.DistrictInUse):
        services.delete_district(None, district)


def test_pages_have_a_title_and_one_h1(staff_client):
    district = make_district()
    for url in ("/districts/", f"/districts/{district.id}", "/districts/new", f"/districts/{district.id}/edit",
                f"/districts/{district.id}/delete"):
        html = text(staff_client.get(url))
        assert html.count("<h1") == 1, url
        assert re.search(r"<title>\S[^<]*–", html), url
