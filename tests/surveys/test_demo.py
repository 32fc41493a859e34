"""The demo: a before/after pair on the demo agreement, with one group shown and one too small."""

from pb.demo import seed_demo
from pb.extensions import db
from pb.surveys.models import SurveyPhase, SurveyState
from pb.surveys.services.results import survey_results
from pb.surveys.services.summary import survey_summaries
from pb.surveys.services.surveys import all_surveys, answer_count, link_counts
from pb.voting.services.turnout import is_shown
from tests.helpers import browser


def test_the_demo_has_a_closed_before_survey_and_an_open_after_survey(app):
    assert seed_demo(app.config["DEMO_PASSWORD"])
    after, before = all_surveys()
    assert (before.phase, before.state, after.phase, after.state) == (
        SurveyPhase.BEFORE, SurveyState.CLOSED, SurveyPhase.AFTER, SurveyState.OPEN)
    assert after.before_id == before.id and before.agreement_id is not None
    assert before.instrument.is_test and answer_count(before) == 14 and answer_count(after) == 3
    ages = {g["key"]: g["figures"] for g in survey_results(before)["breakdowns"][1]["groups"]}
    assert is_shown(ages["30-44"]) and ages["30-44"]["answers"] == 7
    assert not is_shown(ages["18-29"]) and not is_shown(ages["65+"])
    assert not is_shown(survey_results(after)["selected"])
    assert link_counts(after) == {"made": 8, "used": 3, "unused": 5}
    summary, = survey_summaries()
    assert summary.survey_id == before.id and summary.answers == 14


def test_a_newcomer_reaches_the_survey_pages_as_staff_and_anonymously(app):
    seed_demo(app.config["DEMO_PASSWORD"])
    after, before = all_surveys()
    db.session.commit()
    staff = browser(app)
    from tests.helpers import post_form

    assert post_form(staff, "/auth/login", {"email": "staff@demo.pb",
                                            "password": app.config["DEMO_PASSWORD"]}).status_code == 302
    for path in ("/surveys/", f"/surveys/{before.id}", f"/surveys/{after.id}", f"/surveys/{before.id}/results",
                 f"/surveys/{after.id}/paper", f"/surveys/instruments/{before.instrument_id}"):
        assert staff.get(path).status_code == 200, path
    anonymous = browser(app)
    for path in ("/surveys/results", f"/surveys/results/{before.id}", "/surveys/answer"):
        assert anonymous.get(path).status_code == 200, path
