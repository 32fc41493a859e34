"""Surveys for a funded agreement or a PB round: creating one (optionally the "after" of a "before"),
opening and closing it (audited), and making its one-use anonymous answer links."""

from flask_babel import gettext as _
from sqlalchemy import func

from pb.agreements.models import Agreement
from pb.audit.services import record
from pb.codes import formatted, random_code
from pb.errors import FieldsRefused
from pb.extensions import db
from pb.i18n import localized
from pb.models_base import utcnow
from pb.surveys.models import (
    SubjectKind,
    Survey,
    SurveyAnswer,
    SurveyInstrument,
    SurveyLink,
    SurveyPhase,
    SurveyState,
    today,
)
from pb.surveys.services.answers import token_hash
from pb.voting.models import BudgetRound

TOKEN_LENGTH = 12  # 31**12 (about 2**59) possible tokens: a link cannot be guessed
MAX_LINKS_AT_ONCE = 1000


class SurveyRefused(FieldsRefused):
    """A change the survey rules refuse (see :class:`FieldsRefused`)."""


def agreements():
    return db.session.execute(db.select(Agreement).order_by(Agreement.id.desc())).scalars().all()


def rounds():
    return db.session.execute(db.select(BudgetRound).order_by(BudgetRound.id.desc())).scalars().all()


def all_surveys():
    return db.session.execute(db.select(Survey).order_by(Survey.id.desc())).scalars().all()


def public_surveys():
    """Closed surveys: their group results are public."""
    return db.session.execute(
        db.select(Survey).where(Survey.state == SurveyState.CLOSED).order_by(Survey.closed_at.desc(), Survey.id.desc())
    ).scalars().all()


def possible_befores(subject_kind=None, subject_id=None):
    """"Before" surveys without an "after" yet (for the after survey's form)."""
    rows = db.session.execute(
        db.select(Survey).where(Survey.phase == SurveyPhase.BEFORE).order_by(Survey.id.desc())
    ).scalars().all()
    return [row for row in rows if row.after is None and (subject_kind is None or (
        row.subject_kind is subject_kind and row.subject_id == subject_id))]


def create_survey(actor, *, instrument_id, title, subject_kind, subject_id, phase, before_id=None,
                  asks_background=True):
    errors = {}
    instrument = db.session.get(SurveyInstrument, instrument_id) if instrument_id else None
    if instrument is None:
        errors["instrument_id"] = _("Choose the instrument.")
    elif instrument.is_retired:
        errors["instrument_id"] = _("This instrument is retired: choose another one.")
    subject_kind = SubjectKind(subject_kind)
    phase = SurveyPhase(phase)
    model, field = (Agreement, "agreement_id") if subject_kind is SubjectKind.AGREEMENT else (BudgetRound, "round_id")
    if not subject_id or db.session.get(model, subject_id) is None:
        errors[field] = (_("Choose the funded activity (agreement).") if subject_kind is SubjectKind.AGREEMENT
                         else _("Choose the participatory budgeting round."))
    before = None
    if phase is SurveyPhase.AFTER:
        before = db.session.get(Survey, before_id) if before_id else None
        if before is None or before.phase is not SurveyPhase.BEFORE:
            errors["before_id"] = _("An after survey needs its before survey: choose it.")
        elif before.after is not None:
            errors["before_id"] = _("That before survey already has its after survey.")
        elif before.subject_kind is not subject_kind or before.subject_id != subject_id:
            errors["before_id"] = _("The before survey must be about the same agreement or round.")
        elif instrument is not None and before.instrument_id != instrument.id:
            errors["before_id"] = _("The before and after surveys must use the same instrument, so that the "
                                    "scores can be compared.")
    if not any((title or {}).values()) and instrument is not None:
        title = dict(instrument.name)
    if errors:
        raise SurveyRefused(errors)
    survey = Survey(
        instrument=instrument, title=title, subject_kind=subject_kind, phase=phase, before=before,
        agreement_id=subject_id if subject_kind is SubjectKind.AGREEMENT else None,
        round_id=subject_id if subject_kind is SubjectKind.ROUND else None,
        asks_background=asks_background, created_by_id=getattr(actor, "id", None),
    )
    db.session.add(survey)
    db.session.flush()
    record(actor, "surveys.created", survey, {
        "instrument_id": instrument.id, "subject_kind": subject_kind.value, "subject_id": subject_id,
        "phase": phase.value, "before_id": before.id if before else None,
    })
    return survey


def open_survey(actor, survey, now=None):
    if not survey.can_open():
        raise SurveyRefused(_("Only a draft survey with an instrument in use can be opened."), status=409)
    survey.state = SurveyState.OPEN
    survey.opened_at = now or utcnow()
    db.session.flush()
    record(actor, "surveys.opened", survey)


def close_survey(actor, survey, now=None):
    if not survey.can_close():
        raise SurveyRefused(_("Only an open survey can be closed."), status=409)
    survey.state = SurveyState.CLOSED
    survey.closed_at = now or utcnow()
    db.session.flush()
    record(actor, "surveys.closed", survey, {"answers": answer_count(survey)})


def make_links(actor, survey, count):
    """``count`` new one-use tokens; only their keyed hashes are stored. Returns the tokens (shown once)."""
    if not survey.can_make_links():
        raise SurveyRefused(_("The survey is closed: no new answer links."), status=409)
    if not 1 <= count <= MAX_LINKS_AT_ONCE:
        raise SurveyRefused({"count": _("Make from 1 to %(max)s links at a time.", max=MAX_LINKS_AT_ONCE)})
    tokens = []
    while len(tokens) < count:
        token = random_code(TOKEN_LENGTH)
        hashed = token_hash(token)
        if db.session.execute(db.select(SurveyLink.id).filter_by(token_hash=hashed)).first():
            continue  # practically never (2**59 possibilities); autoflush makes this batch's links visible too
        db.session.add(SurveyLink(survey_id=survey.id, token_hash=hashed, made_on=today()))
        tokens.append(token)
    db.session.flush()
    record(actor, "surveys.links_made", survey, {"count": count})
    return [formatted(token) for token in tokens]


def link_counts(survey):
    made = db.session.scalar(db.select(func.count(SurveyLink.id)).filter_by(survey_id=survey.id))
    used = db.session.scalar(
        db.select(func.count(SurveyLink.id)).where(SurveyLink.survey_id == survey.id, SurveyLink.used_on.is_not(None))
    )
    return {"made": made, "used": used, "unused": made - used}


def answer_count(survey):
    return db.session.scalar(db.select(func.count(SurveyAnswer.id)).filter_by(survey_id=survey.id))


def subject_label(survey):
    return survey.subject_name or localized(survey.title)
