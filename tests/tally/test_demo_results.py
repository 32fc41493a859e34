"""The demo data has last year's round counted and published, so the result pages can be clicked through."""

from pb.demo import seed_demo
from pb.extensions import db
from pb.tally import services
from pb.tally.models import TallyRun
from tests.helpers import run_queued_jobs


def test_demo_has_published_results_with_reasons(app, client):
    seed_demo(app.config["DEMO_PASSWORD"])
    run_queued_jobs(app)  # the what-if counts queued by publishing
    db.session.expire_all()
    runs = db.session.execute(db.select(TallyRun).order_by(TallyRun.id)).scalars().all()
    assert len(runs) == 2 and all(run.is_published for run in runs)
    for run in runs:
        assert services.published_run(run.round_budget_id).id == run.id
        assert run.ballot_count == 12 and len(run.outcome["selected"]) == 3
        assert {what_if.rule for what_if in run.what_ifs} == set(services.what_if_rules(run))
        html = client.get(f"/results/budgets/{run.round_budget_id}", headers={"Accept-Language": "en"}).get_data(
            as_text=True
        )
        assert "Funded: 7 votes, place 1 in the ranking." in html
        assert client.get(f"/results/budgets/{run.round_budget_id}/ballots.pb").status_code == 200
    assert client.get(f"/results/rounds/{runs[0].budget.round_id}").status_code == 200
