"""Builders for survey tests: the shipped test instrument, a survey on a round or an agreement, and answers."""

import json

from pb.extensions import db
from pb.surveys.services import answers, instruments, surveys
from pb.surveys.services.instruments import TEST_INSTRUMENT
from tests.factories import make_round, make_user

ITEMS = ("belong", "heard", "take_part", "left_out")


def instrument_data():
    """The shipped test instrument as a dict, to change in a test."""
    return json.loads(TEST_INSTRUMENT.read_text(encoding="utf-8"))


def as_file(data):
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def staff_member():
    return make_user(staff=True, locale="en", name="Staff Person")


def loaded_instrument(staff=None):
    staff = staff or staff_member()
    instrument = instruments.load_shipped_test_instrument(staff)
    db.session.commit()
    return instrument


def make_survey(staff=None, *, state="open", phase="single", before=None, budget_round=None, instrument=None,
                asks_background=True):
    """A survey on a PB round (a new one unless given), in ``state``."""
    staff = staff or staff_member()
    instrument = instrument or (before.instrument if before is not None else loaded_instrument(staff))
    if before is not None:
        subject_id = before.round_id
    else:
        subject_id = (budget_round or make_round()).id
    survey = surveys.create_survey(
        staff, instrument_id=instrument.id, title={"fi": "Kysely", "en": "Survey"}, subject_kind="round",
        subject_id=subject_id, phase=phase, before_id=before.id if before is not None else None,
        asks_background=asks_background)
    if state in ("open", "closed"):
        surveys.open_survey(staff, survey)
    db.session.commit()
    return survey


def links(survey, count=1, staff=None):
    tokens = surveys.make_links(staff or staff_member(), survey, count)
    db.session.commit()
    return tokens


def values(belong=3, heard=3, take_part=3, left_out=3):
    return {"belong": belong, "heard": heard, "take_part": take_part, "left_out": left_out}


def add_answers(survey, count, *, district_id=None, age_band=None, language="fi", scores=None):
    """``count`` answers by link; ``scores`` cycles through value dicts (default all 3s = score 50)."""
    tokens = links(survey, count)
    for n, token in enumerate(tokens):
        given = (scores or [values()])[n % len(scores or [values()])]
        answers.answer_by_link(token, given, district_id, age_band, language)
    db.session.commit()
