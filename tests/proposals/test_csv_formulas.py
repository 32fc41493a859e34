"""The staff CSV of a call's proposals writes no cell that a spreadsheet would run as a formula."""

import csv
import io

import pytest

from tests.factories import make_call, make_organisation, make_proposal, make_user

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "@SUM(1)", "-2+3", "\t=1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_title_and_organisation_name_are_written_as_text(client, login, formula):
    call = make_call("open")
    organisation = make_organisation("ngo", name=formula, representative=make_user())
    make_proposal(call, organisation=organisation, state="submitted", title=formula,
                  lines=((formula, 2_500_00),), target_groups=formula)
    login(make_user(staff=True, locale="en"))
    body = client.get(f"/proposals/manage/call/{call.id}/proposals.csv").get_data().decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert row["title"] == "'" + formula
    assert row["applicant"] == "'" + formula
    assert row["target_groups"] == "'" + formula
    assert row["budget_lines"] == f"'{formula}: 2500.00"
    assert row["requested_eur"] == "2500.00" and row["id"].isdigit()
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
