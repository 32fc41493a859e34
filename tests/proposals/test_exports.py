"""Staff downloads: CSV (UTF-8 with BOM, parses with the csv module) and a ZIP of HTML printouts."""

import csv
import io
import zipfile

import pytest

from tests.factories import make_call, make_proposal, make_user
from tests.proposals.conftest import text


@pytest.fixture
def call_with_proposals():
    call = make_call("open")
    make_proposal(call, state="submitted", title="Pihatalkoot ja äänestys", lines=(("Työkalut", 2_500_50),))
    make_proposal(call, state="withdrawn", title="Peruttu")
    make_proposal(call, title="Luonnos ei lähtenyt")
    make_proposal(call, state="submitted", title="<script>alert(1)</script>")
    return call


def test_csv_opens_in_excel_and_parses(client, login, call_with_proposals):
    login(make_user(staff=True, locale="en"))
    response = client.get(f"/proposals/manage/call/{call_with_proposals.id}/proposals.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [row["title"] for row in rows] == ["Pihatalkoot ja äänestys", "Peruttu", "<script>alert(1)</script>"]
    first = rows[0]
    assert first["status"] == "submitted" and first["version"] == "1"
    assert first["requested_eur"] == "2500.50" and first["cofunding_eur"] == "500.00" and first["total_eur"] == "3000.50"
    assert first["budget_lines"] == "Työkalut: 2500.50"
    assert rows[1]["status"] == "withdrawn"


def test_zip_holds_one_printout_per_proposal(client, login, call_with_proposals):
    login(make_user(staff=True, locale="en"))
    response = client.get(f"/proposals/manage/call/{call_with_proposals.id}/printouts.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    names = archive.namelist()
    assert "index.html" in names and len([n for n in names if n.startswith("proposal-")]) == 3
    printouts = [archive.read(n).decode() for n in names if n.startswith("proposal-")]
    assert any("Pihatalkoot ja äänestys" in page and "€2,500.50" in page for page in printouts)
    assert all("<script>alert" not in page for page in printouts)
    assert "Luonnos ei lähtenyt" not in archive.read("index.html").decode()


def test_downloads_are_for_staff_only(client, login, call_with_proposals):
    login(make_user(locale="en"))
    assert client.get(f"/proposals/manage/call/{call_with_proposals.id}/proposals.csv").status_code == 403
    assert client.get(f"/proposals/manage/call/{call_with_proposals.id}/printouts.zip").status_code == 403


def test_staff_list_of_a_calls_proposals(client, login, call_with_proposals):
    login(make_user(staff=True, locale="en"))
    page = text(client.get(f"/proposals/manage/call/{call_with_proposals.id}"))
    assert "Pihatalkoot ja äänestys" in page and "Peruttu" in page
    assert "1 draft has not been sent." in page
    assert "&lt;script&gt;" in page
    assert "Proposals to this call" in text(client.get(f"/calls/{call_with_proposals.id}"))
    assert call_with_proposals.title["en"] in text(client.get("/proposals/manage/"))
