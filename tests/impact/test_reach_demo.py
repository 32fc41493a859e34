"""The demo: population figures for every demo district, and the dashboard over the demo's participation."""

import csv
import io

from pb.audit.models import AuditEvent
from pb.demo import seed_demo
from pb.districts.models import District
from pb.extensions import db
from pb.forms import HELSINKI
from pb.impact.services import population
from pb.models_base import utcnow
from tests.helpers import post_form
from tests.impact.test_reach_data import sql


def test_the_demo_has_population_figures_and_the_dashboard_counts_its_voters(app, client):
    assert seed_demo(app.config["DEMO_PASSWORD"])
    this_year = utcnow().astimezone(HELSINKI).year
    assert population.years() == [this_year - 1, this_year]
    districts = db.session.execute(db.select(District)).scalars().all()
    totals = population.population_by_group(this_year)
    assert set(totals["district"]) == {district.id for district in districts}
    for district in districts:
        assert abs(totals["district"][district.id] - 0.89 * district.population) < 5
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action == "impact.population_saved")) == 2

    post_form(client, "/auth/login", {"email": "staff@demo.pb", "password": app.config["DEMO_PASSWORD"]})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.get("/impact/population").status_code == 200
    page = client.get("/impact/reach")
    assert page.status_code == 200
    rows = list(csv.DictReader(io.StringIO(client.get("/impact/reach.csv").get_data(as_text=True))))
    voters = sql("SELECT 0, COUNT(*) FROM (SELECT DISTINCT round_id, voter_key FROM ballots) AS voters")[0]
    [total] = [row for row in rows if row["stage"] == "votes" and row["dimension"] == "all"]
    assert total["participants"] == (str(voters) if voters >= 5 else "<5")
