"""The staff audit log browser: filters, paging, and the check of the sealed log."""

import re
from datetime import UTC, datetime

import pytest

from pb.audit.models import AuditBlock, AuditEvent
from pb.audit.services import record
from pb.extensions import db
from tests.factories import make_district, make_organisation
from tests.helpers import backdate
from tests.orgs.support import main, signed_in_client, text, user


@pytest.fixture
def staff_client(app):
    return signed_in_client(app, user(staff=True))


def _event(actor, action, subject=None, at=None, details=None):
    event_id = record(actor, action, subject, details)
    if at is not None:
        backdate(event_id, at)
    db.session.commit()
    return db.session.get(AuditEvent, event_id)


def _rows(response):
    page = main(response)
    return re.findall(r"<code>([a-z_]+\.[a-z_]+)</code>", page)


def test_only_staff_see_the_log(app, client):
    assert client.get("/staff/audit/").status_code == 302
    resident = signed_in_client(app, user())
    assert resident.get("/staff/audit/").status_code == 403
    assert resident.get("/staff/audit/verify").status_code == 403


def test_filters(staff_client):
    maija, matti = user(email="maija@example.test"), user(email="matti@example.test")
    district = make_district()
    organisation = make_organisation()
    _event(maija, "orgs.created", organisation, at=datetime(2025, 3, 1, 10, tzinfo=UTC))
    # 22:30 UTC is 00:30 on 3 March in Helsinki.
    _event(matti, "orgs.updated", organisation, at=datetime(2025, 3, 2, 22, 30, tzinfo=UTC))
    _event(matti, "districts.created", district, at=datetime(2025, 3, 5, 10, tzinfo=UTC), details={"name": "<i>x</i>"})

    assert _rows(staff_client.get("/staff/audit/?action=orgs.")) == ["orgs.updated", "orgs.created"]
    assert _rows(staff_client.get("/staff/audit/?actor=MATTI@")) == ["districts.created", "orgs.updated"]
    assert _rows(staff_client.get("/staff/audit/?subject_type=District")) == ["districts.created"]
    assert _rows(
        staff_client.get(f"/staff/audit/?subject_type=Organisation&subject_id={organisation.id}")
    ) == ["orgs.updated", "orgs.created"]
    assert _rows(staff_client.get("/staff/audit/?date_from=2025-03-03&date_to=2025-03-03")) == ["orgs.updated"]
    assert _rows(staff_client.get("/staff/audit/?date_to=2025-03-02")) == ["orgs.created"]
    march = staff_client.get("/staff/audit/?date_from=2025-03-02&date_to=2025-03-31")
    assert _rows(march) == ["districts.created", "orgs.updated"]

    page = main(staff_client.get("/staff/audit/?subject_type=District"))
    assert "&lt;i&gt;x&lt;/i&gt;" in page
    assert f'href="/districts/{district.id}"' in page
    assert "matti@example.test" in page


def test_bad_filters_are_explained_and_kept(staff_client):
    _event(None, "demo.seed")
    response = staff_client.get("/staff/audit/?date_from=2025-13-01&date_to=2025-01-01&subject_type=Nope")
    assert response.status_code == 200
    page = main(response)
    assert "Not a valid date value" in page and "Not a valid choice" in page
    assert 'value="2025-13-01"' in page
    response = staff_client.get("/staff/audit/?date_from=2025-02-01&date_to=2025-01-01")
    assert "The end date must be the same as or after the start date." in main(response)


def test_paging_keeps_the_filter(staff_client):
    for number in range(55):
        record(None, "orgs.updated", details={"n": number})
    record(None, "districts.created")
    db.session.commit()
    first = main(staff_client.get("/staff/audit/?action=orgs."))
    assert "Events found: 55" in first
    assert re.search(r'href="/staff/audit/\?(page=2&amp;action=orgs\.|action=orgs\.&amp;page=2)"', first)
    second = staff_client.get("/staff/audit/?action=orgs.&page=2")
    assert _rows(second) == ["orgs.updated"] * 5
    assert staff_client.get("/staff/audit/?page=999").status_code == 200


def _figures(page):
    cells = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)', page)
    return {label: int(value) for label, value in cells}


def test_verify_page_shows_blocks_waiting_events_and_problems(staff_client):
    from datetime import timedelta

    from pb.audit.sealing import seal_pending

    _event(None, "orgs.created")
    tampered = _event(None, "orgs.updated")
    seal_pending(grace=timedelta(0))
    _event(None, "orgs.deleted")
    page = main(staff_client.get("/staff/audit/verify"))
    # The staff member's sign-in is an event too: it and the first two are sealed, the third waits.
    assert "The log is intact." in page and "4 events checked, no problems found" in page
    [block] = db.session.execute(db.select(AuditBlock)).scalars().all()
    assert _figures(page) == {
        "Events checked": 4, "Sealed blocks": 1, "Events waiting to be sealed": 1, "Problems": 0, "Newest block": block.id,
    }
    assert block.hash in page
    assert "The oldest was written" in page
    db.session.execute(db.update(AuditEvent).where(AuditEvent.id == tampered.id).values(action="orgs.deleted"))
    db.session.commit()
    page = main(staff_client.get("/staff/audit/verify"))
    assert "The log has been altered, or is not being sealed." in page
    assert f"event {tampered.id}: content changed after it was written" in page
    assert _figures(page)["Problems"] == 2  # the event, and its block's root


def test_pages_have_a_title_and_one_h1(staff_client):
    for url in ("/staff/audit/", "/staff/audit/verify"):
        html = text(staff_client.get(url))
        assert html.count("<h1") == 1, url
        assert re.search(r"<title>\S[^<]*–", html), url
