"""Answering: one anonymous answer per link token, nothing that links it to a person, refusals keep the form."""

import re

import pytest
from sqlalchemy import inspect

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.surveys.models import AnswerChannel, SurveyAnswer, SurveyLink
from pb.surveys.services import answers, surveys
from pb.surveys.services.answers import AnswerRefused, LinkProblem
from tests.factories import make_district
from tests.helpers import browser, csrf_token, post_form
from tests.surveys.support import add_answers, links, make_survey, staff_member, values

FORM = {"item_1": "4", "item_2": "2", "item_3": "5", "item_4": "2", "district": "", "age_band": "30-44"}


def stored_answers():
    return db.session.execute(db.select(SurveyAnswer)).scalars().all()


def test_the_answers_table_has_no_column_that_could_name_a_person():
    columns = {column["name"] for column in inspect(db.engine).get_columns("survey_answers")}
    assert columns == {"id", "survey_id", "values", "score", "district_id", "age_band", "language", "channel",
                       "created_on"}
    foreign = {key["referred_table"] for key in inspect(db.engine).get_foreign_keys("survey_answers")}
    assert foreign == {"surveys", "districts"}  # no link to users or to survey_links
    created_on = next(c for c in inspect(db.engine).get_columns("survey_answers") if c["name"] == "created_on")
    assert "DATE" in str(created_on["type"]).upper() and "TIME" not in str(created_on["type"]).upper()


def test_an_answer_by_link_is_stored_anonymously_and_the_link_is_used_up(app, client):
    survey = make_survey()
    token, = links(survey)
    district = make_district("Itä")
    response = post_form(client, f"/surveys/answer/{token}", {**FORM, "district": str(district.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/surveys/answer/thanks")
    answer, = stored_answers()
    assert answer.values == {"belong": 4, "heard": 2, "take_part": 5, "left_out": 2}
    assert answer.score == 68.75
    assert (answer.district_id, answer.age_band, answer.language, answer.channel) == (
        district.id, "30-44", "en", AnswerChannel.LINK)
    link = db.session.execute(db.select(SurveyLink)).scalar_one()
    assert link.used_on == answer.created_on
    # Nothing about the answer is in the audit log.
    assert db.session.execute(db.select(AuditEvent).where(AuditEvent.action.like("%answer%"))).all() == []
    second = client.get(f"/surveys/answer/{token}")
    assert second.status_code == 409
    assert "already been used" in second.get_data(as_text=True)


def test_a_second_submit_of_the_same_token_is_refused(app):
    survey = make_survey()
    token, = links(survey)
    first, second = browser(app), browser(app)
    first_token, second_token = csrf_token(first, f"/surveys/answer/{token}"), csrf_token(second, f"/surveys/answer/{token}")
    assert first.post(f"/surveys/answer/{token}", data={**FORM, "csrf_token": first_token}).status_code == 302
    refused = second.post(f"/surveys/answer/{token}", data={**FORM, "csrf_token": second_token})
    assert refused.status_code == 409
    assert "already been used" in refused.get_data(as_text=True)
    assert len(stored_answers()) == 1
    with pytest.raises(LinkProblem) as caught:
        answers.answer_by_link(token, values())
    assert caught.value.kind == "used"


def test_the_service_marks_the_link_with_a_guarded_update(app, monkeypatch):
    survey = make_survey()
    token, = links(survey)
    link = db.session.execute(db.select(SurveyLink)).scalar_one()
    answers.find_link(token)  # what the request read first...
    db.session.execute(db.update(SurveyLink).where(SurveyLink.id == link.id).values(used_on=link.made_on))
    # ...another transaction used it meanwhile: the guarded UPDATE touches no row and the answer is refused.
    monkeypatch.setattr(answers, "find_link", lambda _token: link)
    with pytest.raises(LinkProblem):
        answers.answer_by_link(token, values())
    db.session.rollback()
    assert stored_answers() == []


def test_unknown_draft_and_closed_links_get_clear_pages(client):
    assert client.get("/surveys/answer/NOPE-NOPE-NOPE").status_code == 404
    draft = make_survey(state="draft")
    token, = links(draft)
    page = client.get(f"/surveys/answer/{token}")
    assert page.status_code == 409 and "not open for answers yet" in page.get_data(as_text=True)
    staff = staff_member()
    surveys.open_survey(staff, draft)
    surveys.close_survey(staff, draft)
    db.session.commit()
    page = client.get(f"/surveys/answer/{token}")
    assert page.status_code == 410 and "has ended" in page.get_data(as_text=True)


def test_an_out_of_scale_value_is_refused_and_the_form_keeps_the_rest(client):
    survey = make_survey()
    token, = links(survey)
    response = post_form(client, f"/surveys/answer/{token}", {**FORM, "item_2": "9"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose one of the values 1–5." in html
    assert re.search(r'<input[^>]*checked[^>]*id="item_1-3"|<input[^>]*id="item_1-3"[^>]*checked', html)
    assert re.search(r'<option selected value="30-44">|<option value="30-44" selected>', html)
    assert stored_answers() == []
    assert db.session.execute(db.select(SurveyLink)).scalar_one().used_on is None


def test_too_few_statements_answered_is_refused_with_the_rule(client):
    survey = make_survey()
    token, = links(survey)
    response = post_form(client, f"/surveys/answer/{token}", {"item_1": "4", "item_2": "3"})
    assert response.status_code == 422
    assert "Answer at least 3 of the 4 statements, please." in response.get_data(as_text=True)
    with pytest.raises(AnswerRefused):
        answers.answer_by_link(token, {"belong": 4})
    assert stored_answers() == []


def test_the_code_from_paper_leads_to_the_survey(client):
    survey = make_survey()
    token, = links(survey)
    response = post_form(client, "/surveys/answer", {"code": token.lower().replace("-", " ")})
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_paper_answers_are_audited_without_their_values(app, client, login):
    staff = staff_member()
    survey = make_survey(staff)
    login(staff)
    response = post_form(client, f"/surveys/{survey.id}/paper", {**FORM, "language": "sv"})
    assert response.status_code == 302
    answer, = stored_answers()
    assert (answer.channel, answer.language) == (AnswerChannel.PAPER, "sv")
    event = db.session.execute(db.select(AuditEvent).filter_by(action="surveys.paper_entered")).scalar_one()
    assert (event.subject_type, event.subject_id, event.details) == ("Survey", str(survey.id), {})
    refused = post_form(client, f"/surveys/{survey.id}/paper", {**FORM, "item_4": "0", "language": "fi"})
    assert refused.status_code == 422 and "Choose one of the values 1–5." in refused.get_data(as_text=True)
    assert len(stored_answers()) == 1


def test_background_is_not_kept_when_the_survey_does_not_ask_for_it():
    survey = make_survey(asks_background=False)
    add_answers(survey, 1, age_band="65+")
    assert stored_answers()[0].age_band is None
