"""The call's review settings: deadline, the official's confirmation, the appeal text in three languages."""

from datetime import timedelta

import pytest

from pb.audit.models import AuditEvent
from pb.calls import services
from pb.calls.models import CallStatus
from pb.calls.services import CallRuleError
from pb.extensions import db
from tests.factories import make_call, make_user
from tests.helpers import post_form


@pytest.fixture
def staff(login):
    user = make_user(staff=True, locale="en")
    login(user)
    return user


def test_staff_set_the_review_settings_after_the_call_closed(client, staff):
    call = make_call("closed")
    url = f"/calls/manage/{call.id}/review-settings"
    response = post_form(client, url, {
        "review_deadline": "2030-03-01T16:00", "official_confirms": "y",
        "appeal_text-fi": "Oikaisuvaatimus 14 päivässä.", "appeal_text-sv": "Omprövning inom 14 dagar.",
        "appeal_text-en": "Ask for a review within 14 days.",
    })
    assert response.status_code == 302
    db.session.refresh(call)
    assert call.official_confirms
    assert call.appeal_text == {"fi": "Oikaisuvaatimus 14 päivässä.", "sv": "Omprövning inom 14 dagar.",
                                "en": "Ask for a review within 14 days."}
    assert call.review_deadline.isoformat() == "2030-03-01T14:00:00+00:00"  # 16:00 Finnish winter time
    event = db.session.execute(db.select(AuditEvent).filter_by(action="calls.review_settings_updated")).scalar_one()
    assert sorted(event.details["fields"]) == ["appeal_text", "official_confirms", "review_deadline"]
    page = client.get(f"/calls/manage/{call.id}").get_data(as_text=True)
    assert "The steering group proposes, an official confirms" in page


def test_a_bad_deadline_is_refused_and_the_text_kept(client, staff):
    call = make_call("closed")
    response = post_form(client, f"/calls/manage/{call.id}/review-settings",
                         {"review_deadline": "next week", "appeal_text-fi": "Pidä tämä"})
    assert response.status_code == 422
    assert "Pidä tämä" in response.get_data(as_text=True)


def test_residents_cannot_open_the_review_settings(client, login):
    call = make_call("closed")
    login(make_user())
    assert client.get(f"/calls/manage/{call.id}/review-settings").status_code == 403


def test_review_settings_are_frozen_once_the_call_is_decided():
    call = make_call("closed", status=CallStatus.DECIDED)
    actor = make_user(staff=True)
    with pytest.raises(CallRuleError, match="decided"):
        services.update_review_settings(actor, call, {"review_deadline": None, "official_confirms": True,
                                                      "appeal_text": {}})


def test_past_review_deadline():
    call = make_call("closed")
    assert not call.is_past_review_deadline()
    call.review_deadline = call.closes_at + timedelta(days=1)
    assert call.is_past_review_deadline()
