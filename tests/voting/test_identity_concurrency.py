"""One person on four channels at the same moment, against PostgreSQL: the database keeps one ballot."""

import os
import threading
from collections import Counter

import pytest

from pb.auth.identity import bind_person, parse_personal_code
from pb.extensions import db
from pb.voting.models import AssistedSession, Ballot, IdentityPolicy
from tests.conftest import skip_or_fail
from tests.factories import make_round, make_user, make_voter
from tests.helpers import browser as _browser
from tests.helpers import post_form
from tests.voting.test_concurrency import Attempt
from tests.voting.test_identity import ADULT, import_file, register_file


@pytest.fixture(autouse=True)
def _postgresql_only():
    if not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"):
        skip_or_fail("needs PostgreSQL (set TEST_DATABASE_URL)")


def test_one_person_at_two_pop_up_points_online_and_by_letter_at_once(app):
    budget_round = make_round(identity_policy=IdentityPolicy.VERIFIED)
    budget = budget_round.budgets[0]
    round_id = budget_round.id
    staff = [make_user(staff=True, locale="en", name=f"Staff {n}") for n in (1, 2)]
    response = import_file(_browser(app, staff[0]), budget_round,
                           register_file(f"{ADULT};1975;{budget.district.name['fi']}"), letters=True)
    letter_code = response.get_data(as_text=True).strip().splitlines()[1].split(";")[1]
    resident = make_voter(budget.district, locale="en")
    bind_person(resident, parse_personal_code(ADULT), "eid")
    db.session.commit()

    ballot = {"project": str(budget.projects[0].id), "version": "", "action": "cast"}
    attempts = []
    for member, place in zip(staff, ("Library", "Mall"), strict=True):
        device = _browser(app, member)
        response = post_form(device, f"/voting/manage/{round_id}/assisted", {
            "location": place, "identified_by": "document", "personal_code": ADULT,
            "district_id": str(budget.district_id), "age_checked": "y", "residence_checked": "y"})
        assert response.status_code == 302
        session_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        attempts.append(Attempt(device, f"/voting/manage/assisted/{session_id}/ballot/{budget.id}", ballot))
    attempts.append(Attempt(_browser(app, resident), f"/voting/{round_id}/ballot/{budget.id}", ballot))
    letter = _browser(app)
    assert post_form(letter, f"/voting/{round_id}/code", {"code": letter_code}).status_code == 302
    attempts.append(Attempt(letter, f"/voting/{round_id}/ballot/{budget.id}", ballot))
    assert len(db.session.execute(db.select(AssistedSession)).scalars().all()) == 2

    barrier = threading.Barrier(len(attempts))
    threads = [threading.Thread(target=attempt.send, args=(barrier,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = Counter(attempt.status for attempt in attempts)
    assert statuses == {302: 1, 409: 3}, statuses
    stored, = db.session.execute(db.select(Ballot)).scalars().all()
    assert stored.identity_verified
