"""The staff CSV and the public open data read all of a call's proposals in a fixed number of
queries, however many proposals there are (no query per proposal or per version)."""

import csv
import io
import json

from tests.factories import make_call, make_organisation, make_proposal, make_user
from tests.proposals.conftest import count_queries

FEW, MANY = 10, 200
MOST_QUERIES = 8  # now 3-4: the session user, the call, the proposals, their versions


def add_proposals(call, organisations, count, start):
    """``count`` proposals numbered from ``start``: mostly sent, some withdrawn, every tenth a draft (left out)."""
    for n in range(start, start + count):
        state = "draft" if n % 10 == 0 else "withdrawn" if n % 7 == 0 else "submitted"
        make_proposal(call, organisation=organisations[n % len(organisations)], state=state, title=f"Ehdotus {n}")


def sent_count(count):
    return sum(1 for n in range(count) if n % 10 != 0)


def queries_for(client, url):
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response, len(statements)


def test_staff_csv_reads_a_fixed_number_of_queries(client, login):
    call = make_call("closed")
    organisations = [make_organisation("ngo", representative=make_user()) for _ in range(3)]
    login(make_user(staff=True, locale="en"))
    url = f"/proposals/manage/call/{call.id}/proposals.csv"

    add_proposals(call, organisations, FEW, 0)
    response, few = queries_for(client, url)
    assert len(list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))) == sent_count(FEW)

    add_proposals(call, organisations, MANY - FEW, FEW)
    response, many = queries_for(client, url)
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == sent_count(MANY) and rows[-1]["title"] == f"Ehdotus {MANY - 1}"
    assert many == few, f"{few} queries for {FEW} proposals, {many} for {MANY}"
    assert many <= MOST_QUERIES


def test_public_open_data_reads_a_fixed_number_of_queries(client):
    call = make_call("closed")
    organisations = [make_organisation("ngo", representative=make_user()) for _ in range(3)]
    url = f"/proposals/call/{call.id}/proposals.json"

    add_proposals(call, organisations, FEW, 0)
    response, few = queries_for(client, url)
    submitted = sum(1 for n in range(FEW) if n % 10 != 0 and n % 7 != 0)
    assert len(json.loads(response.get_data())["proposals"]) == submitted

    add_proposals(call, organisations, MANY - FEW, FEW)
    response, many = queries_for(client, url)
    items = json.loads(response.get_data())["proposals"]
    assert len(items) == sum(1 for n in range(MANY) if n % 10 != 0 and n % 7 != 0)
    assert items[-1]["title"] == f"Ehdotus {MANY - 1}" and items[-1]["version"] == 1
    assert many == few, f"{few} queries for {FEW} proposals, {many} for {MANY}"
    assert many <= MOST_QUERIES
