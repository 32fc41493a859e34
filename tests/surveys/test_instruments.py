"""Instrument files: checked as a whole with named problems, stored only when valid, locked once loaded."""

import pytest

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.surveys.models import InstrumentLocked, SurveyInstrument
from pb.surveys.services import instruments
from pb.surveys.services.instruments import InstrumentRefused, parse_instrument
from pb.surveys.services.surveys import SurveyRefused, create_survey
from tests.factories import make_round
from tests.surveys.support import as_file, instrument_data, loaded_instrument, staff_member


def refusal(data):
    with pytest.raises(InstrumentRefused) as caught:
        parse_instrument(data if isinstance(data, bytes) else as_file(data))
    return caught.value.messages


def test_the_shipped_test_instrument_is_valid_and_marked_as_a_test():
    content = parse_instrument(instruments.TEST_INSTRUMENT.read_bytes())
    assert content["is_test"] is True
    assert "TEST" in content["name"]["en"] and "not THL" in content["name"]["en"]
    assert [item["id"] for item in content["items"]] == ["belong", "heard", "take_part", "left_out"]
    assert [item["reverse"] for item in content["items"]] == [False, False, False, True]
    assert (content["scale_min"], content["scale_max"], content["min_answered"]) == (1, 5, 3)


def test_a_missing_translation_names_the_item_and_the_language():
    data = instrument_data()
    del data["items"][1]["text"]["sv"]
    data["name"]["en"] = " "
    messages = refusal(data)
    assert "Item heard: the text in Swedish (sv) is missing." in messages
    assert "name: the text in English (en) is missing." in messages


def test_labels_out_of_the_scale_and_missing_labels_are_named():
    data = instrument_data()
    data["scale"]["labels"]["6"] = {"fi": "x", "sv": "x", "en": "x"}
    del data["scale"]["labels"]["3"]
    data["items"][0]["labels"] = {"0": {"fi": "ei", "sv": "nej", "en": "no"}}
    messages = refusal(data)
    assert "scale: the label of value 6 is out of the scale 1–5." in messages
    assert "scale: the label of value 3 is missing." in messages
    assert "Item belong: the label of value 0 is out of the scale 1–5." in messages


def test_duplicate_item_ids_bad_json_and_a_big_file_are_refused():
    data = instrument_data()
    data["items"][2]["id"] = "belong"
    assert "Item belong: the id is used by more than one item; every item needs its own id." in refusal(data)
    assert refusal(b'{"format": ')[0].startswith("The file is not valid JSON:")
    assert refusal(b" " * (instruments.MAX_FILE_BYTES + 1))[0].startswith("The file is too big")
    data = instrument_data()
    data["scoring"]["min_answered"] = 9
    assert "scoring: min_answered must be a whole number from 1 to the number of items (4)." in refusal(data)


def test_min_answered_defaults_to_every_item():
    data = instrument_data()
    del data["scoring"]
    assert parse_instrument(as_file(data))["min_answered"] == 4


def test_nothing_is_stored_when_a_file_is_refused():
    staff = staff_member()
    data = instrument_data()
    del data["items"][0]["text"]["fi"]
    with pytest.raises(InstrumentRefused):
        instruments.load_instrument(staff, as_file(data))
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(SurveyInstrument.id))) == 0
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id))) == 0


def test_loading_is_audited_and_the_same_version_cannot_be_loaded_twice():
    staff = staff_member()
    instrument = loaded_instrument(staff)
    event = db.session.execute(db.select(AuditEvent).filter_by(action="surveys.instrument_loaded")).scalar_one()
    assert (event.actor_id, event.subject_id) == (staff.id, str(instrument.id))
    assert event.details["file_sha256"] == instrument.file_sha256 and event.details["test_instrument"] is True
    with pytest.raises(InstrumentRefused, match="already loaded"):
        instruments.load_shipped_test_instrument(staff)


def test_a_loaded_item_cannot_be_changed_by_the_service_or_directly():
    staff = staff_member()
    instrument = loaded_instrument(staff)
    original = [dict(item) for item in instrument.items]
    with pytest.raises(InstrumentLocked):
        instruments.change_item(staff, instrument, "belong", {"fi": "Muutettu"})
    # Even code that writes the column itself is stopped at the flush.
    instrument.items = [{**original[0], "text": {"fi": "Muutettu", "sv": "Ändrad", "en": "Changed"}}, *original[1:]]
    with pytest.raises(InstrumentLocked):
        db.session.flush()
    db.session.rollback()
    instrument.scale_max = 7
    with pytest.raises(InstrumentLocked, match="locked"):
        db.session.commit()
    db.session.rollback()
    db.session.expire_all()
    stored = db.session.get(SurveyInstrument, instrument.id)
    assert stored.items == original and stored.scale_max == 5


def test_retiring_is_audited_and_stops_new_surveys_only():
    staff = staff_member()
    instrument = loaded_instrument(staff)
    assert instruments.retire(staff, instrument) is True
    assert instruments.retire(staff, instrument) is False
    db.session.commit()
    assert db.session.execute(
        db.select(AuditEvent).filter_by(action="surveys.instrument_retired")
    ).scalar_one().subject_id == str(instrument.id)
    assert instruments.usable_instruments() == []
    with pytest.raises(SurveyRefused) as caught:
        create_survey(staff, instrument_id=instrument.id, title={}, subject_kind="round",
                      subject_id=make_round().id, phase="single")
    assert caught.value.errors["instrument_id"] == "This instrument is retired: choose another one."
