"""The voter's pages keep a frozen round's set-up per process, and see every change of it at once."""

from sqlalchemy import event

from pb.extensions import db
from pb.transactions import commit
from pb.voting import services
from pb.voting.models import Ballot
from tests.factories import make_district, make_round, make_user
from tests.helpers import browser, csrf_token, post_form


def _code_voter(app, budget_round, budget):
    staff = make_user(staff=True)
    _batch, (code,) = services.create_code_batch(staff, budget_round, "Kirjeet", 1, budget.district_id)
    db.session.commit()
    client = browser(app)
    assert post_form(client, f"/voting/{budget_round.id}/code", {"code": code}).status_code == 302
    return client


def _cast(client, budget, project):
    data = {"project": [str(project.id)], "version": "", "action": "cast"}
    return post_form(client, f"/voting/{budget.round_id}/ballot/{budget.id}", data)


class _Statements:
    """The SQL statements the app sends while the block runs."""

    def __init__(self):
        self.engine = db.engine
        self.sent = []

    def _count(self, _conn, _cursor, statement, *_args):
        self.sent.append(" ".join(statement.split()))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def test_a_frozen_round_is_kept_between_requests_and_read_again_when_it_changes(app):
    budget_round = make_round()
    first = services.voting_round(budget_round.id)
    db.session.rollback()
    assert services.voting_round(budget_round.id) is first  # the same kept copy, not loaded again
    assert [project.id for project in first.budgets[0].projects] == [p.id for p in budget_round.budgets[0].projects]

    budget_round.description = {"fi": "Uusi kuvaus."}
    commit()
    again = services.voting_round(budget_round.id)
    assert again is not first and again.description == {"fi": "Uusi kuvaus."}


def test_a_round_not_yet_frozen_is_never_kept(app):
    budget_round = make_round("cost_estimation")
    loaded = services.voting_round(budget_round.id)
    assert loaded is budget_round  # the request's own session object, as before
    assert services.voting_round(10**9) is None


def test_closing_voting_early_refuses_the_next_ballot_of_a_voter_already_on_the_ballot_page(app):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    client = _code_voter(app, budget_round, budget)
    token = csrf_token(client, f"/voting/{budget_round.id}/ballot/{budget.id}")  # the round is kept now

    services.close_voting(make_user(staff=True), budget_round, reason="Äänestys keskeytettiin.")
    commit()
    response = client.post(
        f"/voting/{budget_round.id}/ballot/{budget.id}",
        data={"csrf_token": token, "project": [str(budget.projects[0].id)], "version": "", "action": "cast"},
    )
    assert response.status_code == 409 and "Voting is not open." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Ballot.id))) == 0


def test_a_district_renamed_during_voting_shows_at_once(app):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    client = _code_voter(app, budget_round, budget)
    assert client.get(f"/voting/{budget_round.id}/vote").status_code == 200
    budget.district.name = {"fi": "Uusi nimi", "en": "New name"}
    commit()
    assert "New name" in client.get(f"/voting/{budget_round.id}/vote").get_data(as_text=True)


def test_a_code_voters_cast_reads_the_set_up_once_and_locks_the_code_once(app):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    client = _code_voter(app, budget_round, budget)
    url = f"/voting/{budget_round.id}/ballot/{budget.id}"
    form = {"csrf_token": csrf_token(client, url), "project": [str(budget.projects[0].id)], "version": "", "action": "cast"}
    with _Statements() as statements:  # the request's statements only: the test's objects are read before
        response = client.post(url, data=form)
    assert response.status_code == 302
    code_reads = [sql for sql in statements.sent if sql.startswith("SELECT") and "FROM voting_codes" in sql]
    assert len(code_reads) == 1
    assert code_reads[0].endswith("FOR UPDATE") or db.engine.dialect.name == "sqlite"  # SQLite locks the whole file
    assert not [sql for sql in statements.sent if "FROM projects" in sql or "FROM round_budgets" in sql]
    assert not any("pg_advisory" in sql for sql in statements.sent)  # no lock shared with other voters



def test_pages_recheck_the_round_after_a_while_but_a_ballot_always_at_once(app, monkeypatch):
    monkeypatch.setitem(app.config, "VOTING_ROUND_RECHECK_SECONDS", 3600)
    services.forget_rounds()  # rounds kept by earlier tests, whose ids this test's database reuses
    budget_round = make_round()
    budget = budget_round.budgets[0]
    client = _code_voter(app, budget_round, budget)
    url = f"/voting/{budget_round.id}/ballot/{budget.id}"
    form = {"csrf_token": csrf_token(client, url), "project": [str(budget.projects[0].id)], "version": "", "action": "cast"}
    saved_url = f"{url}/saved"
    services.close_voting(make_user(staff=True), budget_round, reason="Äänestys keskeytettiin.")
    commit()
    with _Statements() as statements:
        page = client.get(saved_url)
    assert page.status_code == 302 and statements.sent == []  # the kept round answered: no query at all
    response = client.post(url, data=form)
    assert response.status_code == 409 and "Voting is not open." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Ballot.id))) == 0


def test_a_district_added_during_voting_is_offered_on_the_code_page(app):
    budget_round = make_round()
    client = browser(app)
    url = f"/voting/{budget_round.id}/code"
    assert "Uusi kaupunginosa" not in client.get(url).get_data(as_text=True)  # the round and districts are kept now
    make_district("Uusi kaupunginosa")
    assert "Uusi kaupunginosa" in client.get(url).get_data(as_text=True)
