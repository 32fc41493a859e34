"""Demo surveys (called from pb.demo after the agreements demo).

Staff load the shipped test instrument; the demo agreement gets a before/after pair. The "before" survey is
closed with 14 answers: the whole group, the districts and the 30-44 age group show, while the 18-29 (3
answers) and 65+ (4 answers) groups are too small and show nothing. The "after" survey is open with 3 answers
(too few to show), and has unused answer links the staff page counts as made.
"""

from datetime import timedelta

from flask_babel import force_locale

from pb.agreements.models import Agreement
from pb.districts.models import District
from pb.extensions import db
from pb.models_base import utcnow
from pb.surveys.models import SubjectKind, SurveyPhase
from pb.surveys.services import answers, instruments, surveys

# (belong, heard, take_part, left_out (reversed), district index, age band, language, on paper)
BEFORE_ANSWERS = (
    (3, 2, 3, 4, 0, "30-44", "fi", False), (2, 2, 3, 4, 0, "30-44", "fi", False), (4, 3, 4, 2, 0, "30-44", "fi", True),
    (3, 3, 2, 3, 0, "30-44", "fi", False), (2, 1, 2, 5, 0, "30-44", "sv", False), (3, 2, 4, 3, 0, "30-44", "fi", True),
    (4, 2, 3, 2, 0, "30-44", "fi", False), (2, 3, 3, 4, 0, "18-29", "fi", False), (3, 2, 2, 4, 2, "18-29", "en", True),
    (1, 2, 2, 5, 2, "18-29", "fi", False), (4, 3, 3, 2, 2, "65+", "fi", True), (3, 3, 4, 3, 2, "65+", "sv", False),
    (2, 2, 3, 3, 2, "65+", "fi", True), (3, 4, 3, 2, 2, "65+", "fi", False),
)
AFTER_ANSWERS = ((4, 4, 5, 1, 0, "30-44", "fi", False), (5, 4, 4, 2, 0, "18-29", "fi", False),
                 (4, 3, 4, 2, 2, "65+", "sv", False))
UNUSED_LINKS = 5


def _answer(staff, survey, row, districts, token=None):
    *values, district, age_band, language, on_paper = row
    raw = dict(zip(("belong", "heard", "take_part", "left_out"), values, strict=True))
    district_id = districts[district].id if district < len(districts) else None
    if on_paper:
        return answers.enter_paper_answer(staff, survey, raw, district_id, age_band, language)
    return answers.answer_by_link(token, raw, district_id, age_band, language)


def _fill(staff, survey, rows, districts):
    online = [row for row in rows if not row[-1]]
    tokens = surveys.make_links(staff, survey, len(online)) if online else []
    for row in rows:
        _answer(staff, survey, row, districts, None if row[-1] else tokens.pop())


def seed_surveys_demo(staff, agreement=None):
    """Returns (before, after), or None without a demo agreement (the first agreement if none is given).
    Flushes (pb.demo commits)."""
    agreement = agreement or db.session.execute(db.select(Agreement).order_by(Agreement.id).limit(1)).scalar()
    if agreement is None:
        return None
    with force_locale("fi"):
        instrument = instruments.load_shipped_test_instrument(staff)
        districts = db.session.execute(db.select(District).order_by(District.id)).scalars().all()
        title = {"fi": "Kulmakunnan kokemuskysely", "sv": "Kulmakuntas enkät om upplevd delaktighet",
                 "en": "Kulmakunta experience survey"}
        before = surveys.create_survey(
            staff, instrument_id=instrument.id, title={code: f"{text} ({label})" for (code, text), label in zip(
                title.items(), ("ennen", "före", "before"), strict=True)},
            subject_kind=SubjectKind.AGREEMENT.value, subject_id=agreement.id, phase=SurveyPhase.BEFORE.value)
        surveys.open_survey(staff, before, now=utcnow() - timedelta(days=60))
        _fill(staff, before, BEFORE_ANSWERS, districts)
        surveys.close_survey(staff, before, now=utcnow() - timedelta(days=30))
        after = surveys.create_survey(
            staff, instrument_id=instrument.id, title={code: f"{text} ({label})" for (code, text), label in zip(
                title.items(), ("jälkeen", "efter", "after"), strict=True)},
            subject_kind=SubjectKind.AGREEMENT.value, subject_id=agreement.id, phase=SurveyPhase.AFTER.value,
            before_id=before.id)
        surveys.open_survey(staff, after)
        _fill(staff, after, AFTER_ANSWERS, districts)
        surveys.make_links(staff, after, UNUSED_LINKS)
    return before, after
