"""Population figures: staff enter residents per district and age band; bad input is refused with the input kept;
a save is audited; district and age totals are used only when complete."""

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.impact.forms import field_name
from pb.impact.models import PopulationFigure
from pb.impact.services import population
from pb.impact.services.population import BANDS
from tests.factories import make_district, make_user
from tests.helpers import browser, post_form


def _stored(year):
    db.session.expire_all()
    return population.figures_for(year)


def _events():
    query = db.select(AuditEvent).where(AuditEvent.action == "impact.population_saved")
    return db.session.execute(query).scalars().all()


def _staff(app):
    return browser(app, make_user(staff=True, locale="en"))


def test_staff_enter_the_figures_in_one_table_and_the_save_is_audited(app):
    north, south = make_district("Pohjoinen"), make_district("Etelä")
    staff = _staff(app)
    page = staff.get("/impact/population").get_data(as_text=True)
    assert "<caption" in page and 'scope="row">Etelä</th>' in page
    assert f'<label class="visually-hidden" for="{field_name(north.id, "65+")}">Pohjoinen, age 65+</label>' in page
    data = {"year": "2026", field_name(north.id, "12-17"): "1 250", field_name(north.id, "65+"): "0",
            field_name(south.id, "30-44"): "12\u00a0345"}
    response = post_form(staff, "/impact/population", data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/impact/population?year=2026")
    assert _stored(2026) == {(north.id, "12-17"): 1250, (north.id, "65+"): 0, (south.id, "30-44"): 12345}
    [event] = _events()
    assert event.details == {"year": 2026, "changed": 3, "districts": sorted([north.id, south.id])}
    follow = staff.get("/impact/population?year=2026").get_data(as_text=True)
    assert 'value="12345"' in follow and 'value="1250"' in follow

    # An emptied box clears its figure ("not known"); an unchanged form changes nothing and records nothing.
    data[field_name(north.id, "65+")] = ""
    post_form(staff, "/impact/population", data)
    assert (north.id, "65+") not in _stored(2026)
    assert len(_events()) == 2
    response = post_form(staff, "/impact/population", data, follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert len(_events()) == 2


def test_bad_numbers_are_refused_with_clear_messages_and_the_input_kept(app):
    district = make_district("Pohjoinen")
    db.session.add(PopulationFigure(year=2026, district_id=district.id, age_band="18-29", residents=800))
    db.session.commit()
    staff = _staff(app)
    data = {"year": "2026", field_name(district.id, "12-17"): "-5", field_name(district.id, "18-29"): "900",
            field_name(district.id, "30-44"): "lots", field_name(district.id, "45-64"): "1.5",
            field_name(district.id, "65+"): "99999999"}
    response = post_form(staff, "/impact/population", data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please check the following" in page
    assert "Pohjoinen, age 12-17: The number cannot be negative." in page
    assert "Pohjoinen, age 30-44: Write a whole number, for example 1250" in page
    assert "Pohjoinen, age 45-64: Write a whole number" in page
    assert "Pohjoinen, age 65+: Write a number from 0 to 10000000." in page
    for typed in ('value="-5"', 'value="900"', 'value="lots"', 'value="1.5"', 'value="99999999"'):
        assert typed in page, typed
    assert 'aria-invalid="true"' in page
    assert _stored(2026) == {(district.id, "18-29"): 800}  # nothing saved, not even the valid 900
    assert _events() == []


def test_the_year_is_required_and_checked(app):
    district = make_district("Pohjoinen")
    staff = _staff(app)
    for year, message in (("", "Write the year, for example 2026."), ("20x6", "Write a whole number"),
                          ("1066", "Write a number from 1900 to 2200.")):
        response = post_form(staff, "/impact/population", {"year": year, field_name(district.id, "65+"): "10"})
        assert response.status_code == 400
        assert f"Year of the figures: {message}" in response.get_data(as_text=True)
    assert population.years() == []


def test_the_service_refuses_what_the_form_would_not_send(app):
    district = make_district("Pohjoinen")
    staff = make_user(staff=True)
    with pytest.raises(population.PopulationError):
        population.save_figures(staff, 2026, {(district.id, "12-17"): -1})
    with pytest.raises(population.PopulationError):
        population.save_figures(staff, 2026, {(district.id + 1, "12-17"): 5})
    with pytest.raises(population.PopulationError):
        population.save_figures(staff, 2026, {(district.id, "7-11"): 5})
    assert _stored(2026) == {}


def test_totals_are_used_only_when_complete_and_the_nearest_year_is_taken(app):
    a, b = make_district("A"), make_district("B")
    staff = make_user(staff=True)
    figures = {(a.id, band): 100 for band in BANDS}
    figures[(b.id, "65+")] = 40
    population.save_figures(staff, 2024, figures)
    population.save_figures(staff, 2027, {(a.id, "65+"): 1})
    db.session.commit()
    totals = population.population_by_group(2024)
    assert totals == {"district": {a.id: 500}, "age_band": {"65+": 140}}
    assert population.nearest_year(2025) == 2024
    assert population.nearest_year(2026) == 2027
    assert population.nearest_year(None) == 2027
    assert population.population_by_group(None) == {"district": {}, "age_band": {}}
