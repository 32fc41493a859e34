"""One link token sent from many browsers at the same moment, against PostgreSQL: one answer is stored."""

import os
import threading
from collections import Counter

import pytest

from pb.extensions import db
from pb.surveys.models import SurveyAnswer, SurveyLink
from tests.conftest import skip_or_fail
from tests.helpers import browser
from tests.surveys.support import links, make_survey
from tests.voting.test_concurrency import Attempt

BROWSERS = 8
FORM = {"item_1": "4", "item_2": "3", "item_3": "4", "item_4": "2", "district": "", "age_band": ""}


@pytest.fixture(autouse=True)
def _postgresql_only():
    if not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"):
        skip_or_fail("needs PostgreSQL (set TEST_DATABASE_URL)")


def test_one_token_from_eight_browsers_at_once_gives_one_answer(app):
    survey = make_survey()
    token, other = links(survey, 2)
    url = f"/surveys/answer/{token}"
    attempts = [Attempt(browser(app), url, FORM) for _ in range(BROWSERS)]
    attempts.append(Attempt(browser(app), f"/surveys/answer/{other}", FORM))
    barrier = threading.Barrier(len(attempts))
    threads = [threading.Thread(target=attempt.send, args=(barrier,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = Counter(attempt.status for attempt in attempts[:-1])
    assert statuses == {302: 1, 409: BROWSERS - 1}, statuses
    assert all("already been used" in attempt.body for attempt in attempts[:-1] if attempt.status == 409)
    assert attempts[-1].status == 302
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(SurveyAnswer.id))) == 2
    assert db.session.scalar(db.select(db.func.count(SurveyLink.id)).where(SurveyLink.used_on.is_(None))) == 0
