"""Survey pages: access, every page as staff, the upload form, opening and closing with audit events, links."""

import csv
import io
from pathlib import Path

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.surveys.models import Survey, SurveyInstrument, SurveyLink, SurveyState
from tests.factories import make_round, make_user
from tests.helpers import browser, csrf_token, post_form
from tests.surveys.support import add_answers, as_file, instrument_data, links, make_survey, staff_member

STAFF_PAGES = ("/surveys/", "/surveys/instruments/new", "/surveys/new", "/surveys/instruments/{instrument}",
               "/surveys/instruments/{instrument}/items/belong/edit", "/surveys/instruments/{instrument}/retire",
               "/surveys/{survey}", "/surveys/{survey}/close", "/surveys/{survey}/paper", "/surveys/{survey}/printable",
               "/surveys/{survey}/results", "/surveys/{survey}/results.csv", "/surveys/{survey}/results.json")


def audit_actions():
    return [event.action for event in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()
            if event.action.startswith("surveys.")]


@pytest.fixture
def staff():
    return staff_member()


def test_staff_pages_answer_to_staff_only(app, staff):
    survey = make_survey(staff)
    paths = [path.format(instrument=survey.instrument_id, survey=survey.id) for path in STAFF_PAGES]
    staff_browser = browser(app, staff)
    for path in paths:
        assert staff_browser.get(path).status_code == 200, path
    resident = browser(app, make_user(locale="en"))
    anonymous = browser(app)
    for path in paths:
        assert resident.get(path).status_code == 403, path
        response = anonymous.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], path


def test_public_pages_and_closed_only_results(app, client, staff):
    survey = make_survey(staff)
    add_answers(survey, 5)
    for path in ("/surveys/results", "/surveys/answer"):
        assert client.get(path).status_code == 200, path
    for suffix in ("", ".csv", ".json"):
        assert client.get(f"/surveys/results/{survey.id}{suffix}").status_code == 404
    post_form(browser(app, staff), f"/surveys/{survey.id}/close", {})
    for suffix in ("", ".csv", ".json"):
        assert client.get(f"/surveys/results/{survey.id}{suffix}").status_code == 200
    assert "Survey" in client.get("/surveys/results").get_data(as_text=True)
    page = client.get(f"/surveys/results/{survey.id}").get_data(as_text=True)
    assert 'role="img"' in page and "<caption" in page  # the chart and its table twin


def test_staff_load_an_instrument_through_the_form(app, staff):
    desk = browser(app, staff)
    token = csrf_token(desk, "/surveys/instruments/new")
    response = desk.post("/surveys/instruments/new", data={
        "csrf_token": token, "source_note": "shipped", "wording_checked": "y",
        "file": (io.BytesIO(as_file(instrument_data())), "instrument.json")}, content_type="multipart/form-data")
    assert response.status_code == 302
    instrument = db.session.execute(db.select(SurveyInstrument)).scalar_one()
    assert instrument.source_note == "shipped" and audit_actions() == ["surveys.instrument_loaded"]


def test_a_refused_file_stores_nothing_and_keeps_the_chosen_options(app, staff):
    desk = browser(app, staff)
    data = instrument_data()
    del data["items"][3]["text"]["en"]
    token = csrf_token(desk, "/surveys/instruments/new")
    response = desk.post("/surveys/instruments/new", data={
        "csrf_token": token, "source_note": "THL form 2023", "wording_checked": "y",
        "file": (io.BytesIO(as_file(data)), "instrument.json")}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Item left_out: the text in English (en) is missing." in html
    assert 'value="THL form 2023"' in html and "checked" in html
    assert db.session.execute(db.select(SurveyInstrument)).first() is None and audit_actions() == []
    no_file = desk.post("/surveys/instruments/new", data={"csrf_token": token, "wording_checked": "y"})
    assert no_file.status_code == 422 and "Choose the instrument file." in no_file.get_data(as_text=True)


def test_an_edit_of_a_locked_item_is_refused_by_its_route(app, staff):
    survey = make_survey(staff)
    desk = browser(app, staff)
    path = f"/surveys/instruments/{survey.instrument_id}/items/belong/edit"
    assert "is locked" in desk.get(path).get_data(as_text=True)
    response = post_form(desk, path, {"text": "Changed"})
    assert response.status_code == 409 and "is locked" in response.get_data(as_text=True)
    instrument = db.session.get(SurveyInstrument, survey.instrument_id)
    assert instrument.item("belong")["text"]["en"] == "I feel that I belong to my neighbourhood."
    assert desk.get(f"/surveys/instruments/{survey.instrument_id}/items/nope/edit").status_code == 404


def test_create_open_close_and_retire_with_audit_events(app, staff):
    budget_round = make_round()
    desk = browser(app, staff)
    post_form(desk, "/surveys/instruments/new", {"wording_checked": "y"})  # refused: no file
    from tests.surveys.support import loaded_instrument

    instrument = loaded_instrument(staff)
    refused = post_form(desk, "/surveys/new", {"instrument_id": str(instrument.id), "subject_kind": "round",
                                               "round_id": "", "phase": "after", "title-fi": "Kysely"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Choose the participatory budgeting round." in html and "An after survey needs its before survey" in html
    assert 'value="Kysely"' in html
    created = post_form(desk, "/surveys/new", {"instrument_id": str(instrument.id), "subject_kind": "round",
                                               "round_id": str(budget_round.id), "phase": "before",
                                               "title-fi": "Ennen", "asks_background": "y"})
    assert created.status_code == 302
    survey = db.session.execute(db.select(Survey)).scalar_one()
    assert (survey.round_id, survey.phase.value, survey.title) == (budget_round.id, "before", {"fi": "Ennen"})
    assert "Open the survey" in desk.get(f"/surveys/{survey.id}/open").get_data(as_text=True)
    assert post_form(desk, f"/surveys/{survey.id}/open", {}).status_code == 302
    assert post_form(desk, f"/surveys/{survey.id}/close", {}).status_code == 302
    assert db.session.get(Survey, survey.id).state is SurveyState.CLOSED
    assert post_form(desk, f"/surveys/instruments/{instrument.id}/retire", {}).status_code == 302
    assert audit_actions() == ["surveys.instrument_loaded", "surveys.created", "surveys.opened", "surveys.closed",
                               "surveys.instrument_retired"]
    closed_event = db.session.execute(db.select(AuditEvent).filter_by(action="surveys.closed")).scalar_one()
    assert closed_event.details == {"answers": 0}
    # Closed: opening again is not offered.
    assert desk.get(f"/surveys/{survey.id}/open").status_code == 302


def test_links_are_shown_once_as_a_list_or_a_csv_file_and_only_hashes_are_stored(app, staff):
    survey = make_survey(staff, state="draft")
    desk = browser(app, staff)
    token = csrf_token(desk, f"/surveys/{survey.id}")
    page = desk.post(f"/surveys/{survey.id}/links", data={"csrf_token": token, "count": "3", "output": "page"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("/surveys/answer/") >= 3 and "Shown only now." in html
    response = desk.post(f"/surveys/{survey.id}/links", data={"csrf_token": token, "count": "2", "output": "csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 2 and rows[0]["link"].endswith(f"/surveys/answer/{rows[0]['code']}")
    stored = db.session.execute(db.select(SurveyLink.token_hash)).scalars().all()
    assert len(stored) == 5 and all(row["code"].replace("-", "") not in stored for row in rows)
    assert "5 made, 0 used, 5 not used yet" in desk.get(f"/surveys/{survey.id}").get_data(as_text=True)
    too_many = desk.post(f"/surveys/{survey.id}/links", data={"csrf_token": token, "count": "5000", "output": "page"})
    assert too_many.status_code == 422
    assert audit_actions()[-2:] == ["surveys.links_made", "surveys.links_made"]


def test_the_printable_paper_form_has_its_print_style(app, staff):
    survey = make_survey(staff)
    links(survey)
    html = browser(app, staff).get(f"/surveys/{survey.id}/printable").get_data(as_text=True)
    assert '<div class="paper-item">' in html
    style = Path(app.static_folder, "css", "pb.css").read_text(encoding="utf-8")
    assert "@media print" in style and ".paper-item" in style  # the site's own style sheet prints it
    assert "I often feel left out." in html and "Strongly agree" in html
