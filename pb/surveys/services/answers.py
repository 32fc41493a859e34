"""Answers: scoring, one anonymous answer per link token, and paper answers entered by staff.

The answer row keeps the survey, the values, the score, the optional background (district, age band), the
language, the channel and the day; never a user, an IP address, a user agent, a time of day or the link.
The link is marked used in the same transaction by ``UPDATE ... WHERE used_on IS NULL``: of two answers
sent with one token at the same moment, the database lets exactly one through (the other gets 409).
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update

from pb.audit.services import record
from pb.codes import app_key, keyed_hash, normalise
from pb.districts.models import District
from pb.errors import DomainError, FieldsRefused
from pb.extensions import db
from pb.surveys.models import AnswerChannel, SurveyAnswer, SurveyLink, SurveyState, today
from pb.voting.models import AGE_BANDS

TOKEN_PURPOSE = "survey-link"
AGE_BAND_LABELS = tuple(label for label, _low, _high in AGE_BANDS)


class AnswerRefused(FieldsRefused):
    """An answer the rules refuse; ``errors`` maps an item id (or "district", "age_band", "") to its message."""


class LinkProblem(DomainError):
    """The link cannot give an answer: ``kind`` is "unknown", "used", "not_open" or "closed"."""

    def __init__(self, kind):
        messages = {
            "unknown": (_("This answer link is not valid. Check that the whole address was copied, or ask the "
                          "person who gave you the link for a new one."), 404),
            "used": (_("This answer link has already been used: each link gives one answer. Thank you if it was "
                       "you who answered! If not, ask the person who gave you the link for a new one."), 409),
            "not_open": (_("This survey is not open for answers yet. Please try again later."), 409),
            "closed": (_("This survey has ended and takes no more answers. Thank you for your interest."), 410),
        }
        message, status = messages[kind]
        super().__init__(message, status=status)
        self.kind = kind


def token_hash(token):
    return keyed_hash(app_key(), TOKEN_PURPOSE, token)


def find_link(token):
    """The link of ``token`` if it can still give an answer; otherwise :class:`LinkProblem`."""
    if not normalise(token):
        raise LinkProblem("unknown")
    link = db.session.execute(
        db.select(SurveyLink).filter_by(token_hash=token_hash(token))
    ).scalar_one_or_none()
    if link is None:
        raise LinkProblem("unknown")
    if link.used_on is not None:
        raise LinkProblem("used")
    check_open(link.survey)
    return link


def check_open(survey):
    if survey.state is SurveyState.DRAFT:
        raise LinkProblem("not_open")
    if survey.state is SurveyState.CLOSED:
        raise LinkProblem("closed")


def item_value(instrument, item, raw):
    """The whole-number value of one answer, or None when not answered; ValueError when out of scale."""
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(raw) from None
    if not instrument.scale_min <= value <= instrument.scale_max:
        raise ValueError(raw)
    return value


def score(instrument, values):
    """The 0-100 score: the mean of the answered items rescaled from [min, max] (reversed items flipped).

    ``values`` maps item ids to whole numbers in the scale; None when fewer items than the instrument's
    ``min_answered`` are answered.
    """
    low, high = instrument.scale_min, instrument.scale_max
    rescaled = []
    for item in instrument.items:
        value = values.get(item["id"])
        if value is None:
            continue
        if item.get("reverse"):
            value = low + high - value
        rescaled.append(100 * (value - low) / (high - low))
    if len(rescaled) < instrument.min_answered:
        return None
    return round(sum(rescaled) / len(rescaled), 4)


def checked_answer(survey, raw_values, district_id=None, age_band=None, language="fi"):
    """The values, score and background of an answer as stored, or :class:`AnswerRefused` naming each problem."""
    instrument = survey.instrument
    errors, values = {}, {}
    for item in instrument.items:
        try:
            value = item_value(instrument, item, raw_values.get(item["id"]))
        except ValueError:
            errors[item["id"]] = _("Choose one of the values %(low)s–%(high)s.", low=instrument.scale_min,
                                   high=instrument.scale_max)
            continue
        if value is not None:
            values[item["id"]] = value
    unknown = sorted(set(raw_values) - {item["id"] for item in instrument.items})
    if unknown:
        errors[""] = _("The form had answers to statements that are not in this survey.")
    if district_id not in (None, ""):
        try:
            district_id = int(district_id)
        except (TypeError, ValueError):
            district_id = -1
        if db.session.get(District, district_id) is None:
            errors["district"] = _("Choose a district from the list, or leave it unanswered.")
    else:
        district_id = None
    if age_band in ("", None):
        age_band = None
    elif age_band not in AGE_BAND_LABELS:
        errors["age_band"] = _("Choose an age group from the list, or leave it unanswered.")
    if language not in current_app.config["LANGUAGES"]:
        errors["language"] = _("Choose the language of the form.")
    if not errors and score(instrument, values) is None:
        errors[""] = _("Answer at least %(count)s of the %(total)s statements, please.",
                       count=instrument.min_answered, total=len(instrument.items))
    if errors:
        raise AnswerRefused(errors)
    if not survey.asks_background:
        district_id, age_band = None, None
    return {"values": values, "score": score(instrument, values), "district_id": district_id, "age_band": age_band,
            "language": language}


def _store(survey, checked, channel):
    answer = SurveyAnswer(survey_id=survey.id, channel=channel, created_on=today(), **checked)
    db.session.add(answer)
    db.session.flush()
    return answer


def answer_by_link(token, raw_values, district_id=None, age_band=None, language="fi"):
    """Store one answer given with ``token`` and mark the link used, in the caller's transaction.

    Nothing about the answer is audited (an event would carry a time and could link the answer to the link).
    """
    link = find_link(token)
    checked = checked_answer(link.survey, raw_values, district_id, age_band, language)
    marked = db.session.execute(
        update(SurveyLink)
        .where(SurveyLink.id == link.id, SurveyLink.used_on.is_(None))
        .values(used_on=today())
        .execution_options(synchronize_session=False)
    )
    if marked.rowcount != 1:
        raise LinkProblem("used")
    return _store(link.survey, checked, AnswerChannel.LINK)


def enter_paper_answer(actor, survey, raw_values, district_id=None, age_band=None, language="fi"):
    """A paper form typed in by staff; audited ``surveys.paper_entered`` with the survey only (no values)."""
    check_open(survey)
    checked = checked_answer(survey, raw_values, district_id, age_band, language)
    answer = _store(survey, checked, AnswerChannel.PAPER)
    record(actor, "surveys.paper_entered", survey)
    return answer
