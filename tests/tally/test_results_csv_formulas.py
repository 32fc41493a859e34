"""The public results CSV writes project titles that look like formulas as text."""

import csv
import io

import pytest

from tests.tally.support import add_ballots, make_round, published

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "@SUM(1)", "-2+3", "\t=1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_title_like_a_formula_is_text_and_numbers_stay_numbers(app, client, formula):
    budget = make_round(projects=((30_000_00, formula), (20_000_00, "Penkit rannalle"))).budgets[0]
    add_ballots(budget, [[budget.projects[0]], [budget.projects[0], budget.projects[1]]])
    published(app, budget)

    body = client.get(f"/results/budgets/{budget.id}/results.csv").get_data(as_text=True)
    rows = {row["project_id"]: row for row in csv.DictReader(io.StringIO(body))}
    row = rows[str(budget.projects[0].id)]
    assert row["title_fi"] == "'" + formula
    assert row["cost_eur"] == "30000.00" and row["score"] == "2" and row["selected"] == "1"
    for line in rows.values():
        for cell in line.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
