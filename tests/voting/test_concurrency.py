"""50 browsers vote at the same moment for the same voters, against PostgreSQL.

Several threads per account, the same code in two browsers, and one person's code
online and on paper at once: exactly one ballot per voter and budget survives, every
response is a redirect or a 409 with a message (never an error page), and the vote
totals equal those of one ballot per voter.
"""

import os
import threading
from collections import Counter

import pytest

from pb.audit.models import AuditEvent
from pb.audit.services import verify_chain
from pb.extensions import db
from pb.voting import services
from pb.voting.models import AssistedSession, Ballot, BallotChoice, Channel, PaperBallot, PaperStatus
from tests.conftest import skip_or_fail
from tests.factories import make_round, make_user, make_voter
from tests.helpers import browser as _browser
from tests.helpers import csrf_token, post_form

ACCOUNT_VOTERS = 12
THREADS_PER_ACCOUNT = 3
TWICE_USED_CODES = 5


@pytest.fixture(autouse=True)
def _postgresql_only():
    if not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"):
        skip_or_fail("needs PostgreSQL (set TEST_DATABASE_URL)")




class Attempt:
    """One browser with its form already loaded, waiting to send it."""

    def __init__(self, client, url, data, form_url=None):
        self.client, self.url = client, url
        self.data = {**data, "csrf_token": csrf_token(client, form_url or url)}
        self.status = self.body = None

    def send(self, barrier):
        barrier.wait()
        response = self.client.post(self.url, data=self.data)
        self.status, self.body = response.status_code, response.get_data(as_text=True)


def test_fifty_simultaneous_votes_leave_one_ballot_per_voter(app):
    budget_round = make_round(ballot_format="approval", projects=3)
    first, second = budget_round.budgets
    staff_a, staff_b = make_user(staff=True, locale="en"), make_user(staff=True, locale="en")
    _batch, plain = services.create_code_batch(staff_a, budget_round, "Kirjeet", TWICE_USED_CODES + 1, first.district_id)
    db.session.commit()
    round_id = budget_round.id

    def choice(budget, n):
        ids = [project.id for project in budget.projects]
        return sorted({ids[n % 3], ids[(n + 1) % 3]})

    def ballot_form(budget, n):
        return {"project": [str(pid) for pid in choice(budget, n)], "version": "", "action": "cast"}

    expected = Counter()
    attempts = []
    # Accounts: three browsers each, all with the same choices.
    for n in range(ACCOUNT_VOTERS):
        budget = (first, second)[n % 2]
        user = make_voter(budget.district, locale="en")
        expected.update(choice(budget, n))
        url = f"/voting/{round_id}/ballot/{budget.id}"
        attempts += [Attempt(_browser(app, user), url, ballot_form(budget, n)) for _ in range(THREADS_PER_ACCOUNT)]
    # The same code typed into two browsers.
    for n, code in enumerate(plain[:TWICE_USED_CODES]):
        expected.update(choice(first, n))
        for _ in range(2):
            client = _browser(app)
            assert post_form(client, f"/voting/{round_id}/code", {"code": code}).status_code == 302
            attempts.append(Attempt(client, f"/voting/{round_id}/ballot/{first.id}", ballot_form(first, n)))
    # One person's code online and on paper at once (the first paper entry is already in).
    paper_code = plain[TWICE_USED_CODES]
    expected.update(choice(first, 0))
    online = _browser(app)
    assert post_form(online, f"/voting/{round_id}/code", {"code": paper_code}).status_code == 302
    attempts.append(Attempt(online, f"/voting/{round_id}/ballot/{first.id}", ballot_form(first, 0)))
    services.enter_paper(staff_a, budget_round, batch="P1", row=1, budget=first, code_text=paper_code,
                         choices={pid: 1 for pid in choice(first, 0)})
    db.session.commit()
    attempts.append(Attempt(_browser(app, staff_b), f"/voting/manage/{round_id}/paper/{first.id}",
                            {"batch": "P1", "row": "1", "code": paper_code,
                             "project": [str(pid) for pid in choice(first, 0)]}))
    # One account online and, at the same moment, with staff help at a pop-up point.
    helped = make_voter(first.district, locale="en")
    expected.update(choice(first, 1))
    staff_device = _browser(app, staff_a)
    post_form(staff_device, f"/voting/manage/{round_id}/assisted", {
        "location": "Library", "identified_by": "account", "email": helped.email, "birth_year": "1980",
        "district_id": str(first.district_id), "age_checked": "y", "residence_checked": "y"})
    assisted = db.session.execute(db.select(AssistedSession)).scalar_one()
    attempts.append(Attempt(staff_device, f"/voting/manage/assisted/{assisted.id}/ballot/{first.id}", ballot_form(first, 1)))
    attempts.append(Attempt(_browser(app, helped), f"/voting/{round_id}/ballot/{first.id}", ballot_form(first, 1)))
    assert len(attempts) == 50

    barrier = threading.Barrier(len(attempts))
    threads = [threading.Thread(target=attempt.send, args=(barrier,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    statuses = Counter(attempt.status for attempt in attempts)
    assert set(statuses) <= {302, 409}, statuses
    for attempt in attempts:
        if attempt.status == 409:
            assert "Your ballot was not saved" in attempt.body and ("already" in attempt.body or "another way" in attempt.body)

    db.session.expire_all()
    all_ballots = db.session.execute(db.select(Ballot)).scalars().all()
    voters = ACCOUNT_VOTERS + TWICE_USED_CODES + 2
    assert len(all_ballots) == voters
    assert len({(ballot.round_budget_id, ballot.voter_key) for ballot in all_ballots}) == voters
    totals = Counter(dict(db.session.execute(
        db.select(BallotChoice.project_id, db.func.count()).group_by(BallotChoice.project_id)).all()))
    assert totals == expected
    sheet = db.session.execute(db.select(PaperBallot)).scalar_one()
    paper_key = services.code_voter(budget_round, services.find_code(budget_round, paper_code)).key
    survivor, = [ballot for ballot in all_ballots if ballot.voter_key == paper_key]
    if survivor.channel is Channel.PAPER:
        assert sheet.status is PaperStatus.COUNTED
    else:
        assert (sheet.status, sheet.refusal_reason) == (PaperStatus.REFUSED, "cross_channel_duplicate")
    cast_events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).filter_by(action="voting.ballot_cast"))
    assert cast_events == voters
    assert verify_chain()[1] == []
