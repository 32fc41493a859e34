"""Paper ballots, entered twice by different staff; a third look settles a mismatch.

A coordinator working alone cannot make the second entry or the third look (the next entry must be
someone else's): they hand the sheet to a named colleague, who gets a mail with a link to it.
"""

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from pb.audit.models import AuditEvent
from pb.audit.services import events_query, record
from pb.auth.models import User
from pb.extensions import db
from pb.mail import external_url, send_localized_mail
from pb.models_base import utcnow
from pb.voting import codes
from pb.voting.models import Channel, PaperBallot, PaperEntry, PaperStatus, RoundBudget, RoundPhase
from pb.voting.services.ballots import cast_ballot
from pb.voting.services.eligibility import code_voter
from pb.voting.services.errors import RoundRuleError, VotingRefused, refuse_ballot
from pb.voting.services.voting_codes import find_code


def _paper_ballot(budget_round, batch, row):
    """The sheet's record under a row lock, created on first entry (two staff may start at once)."""
    query = db.select(PaperBallot).filter_by(round_id=budget_round.id, batch=batch, row=row).with_for_update()
    sheet = db.session.execute(query).scalar_one_or_none()
    if sheet is not None:
        return sheet
    try:
        with db.session.begin_nested():
            sheet = PaperBallot(round_id=budget_round.id, batch=batch, row=row)
            db.session.add(sheet)
            db.session.flush()
    except IntegrityError:
        sheet = db.session.execute(query).scalar_one()
    return sheet


def enter_paper(staff, budget_round, *, batch, row, budget, code_text, choices, now=None):
    """Record one staff member's reading of a paper ballot. Returns the sheet (see its status).

    The first entry waits for a second by someone else. Two equal entries count the
    ballot; two different ones wait for a third look, whose reading then counts.
    """
    now = now or utcnow()
    if budget_round.phase is not RoundPhase.VOTING:
        raise RoundRuleError(_("Paper ballots can be entered only while the round is in the voting phase."))
    if budget.round_id != budget_round.id:
        raise RoundRuleError(_("Choose a budget of this round."))
    if not codes.looks_like_voting_code(code_text):
        raise RoundRuleError(_("Type the voting code printed on the ballot, %(count)s characters.", count=codes.CODE_LENGTH),
                             field="code")
    project_ids = {project.id for project in budget.projects}
    if any(project_id not in project_ids for project_id in choices):
        raise RoundRuleError(_("Choose only projects of this budget."), field="projects")
    sheet = _paper_ballot(budget_round, batch, row)
    if sheet.status in (PaperStatus.COUNTED, PaperStatus.REFUSED):
        raise RoundRuleError(_("This paper ballot has already been entered twice and handled."), field="row")
    if any(entry.entered_by_id == staff.id for entry in sheet.entries):
        raise RoundRuleError(
            _("You have already entered this paper ballot. The next entry must be made by another person: "
              "if nobody else is here, hand it to a colleague on the page of paper ballots."),
            field="row",
        )
    entry = PaperEntry(
        position=len(sheet.entries) + 1, entered_by_id=staff.id, round_budget_id=budget.id,
        code_hash=codes.code_hash(budget_round, code_text),
        choices={str(project_id): points for project_id, points in sorted(choices.items())}, entered_at=now,
    )
    sheet.entries.append(entry)
    db.session.flush()
    mismatch = entry.position == 2 and not entry.same_as(sheet.entries[0])
    if mismatch:
        sheet.status = PaperStatus.MISMATCH
    elif entry.position >= 2:
        _count_paper(staff, budget_round, sheet, entry, code_text, now)
    # Audited last: the audit lock is always taken after the code and ballot locks, never before.
    record(staff, "voting.paper_entered", sheet, {"round_id": budget_round.id, "position": entry.position})
    if mismatch:
        record(staff, "voting.paper_mismatch", sheet, {"round_id": budget_round.id})
    db.session.flush()
    return sheet


def _count_paper(staff, budget_round, sheet, entry, code_text, now):
    sheet.resolved_at = now
    code = find_code(budget_round, code_text)
    budget = db.session.get(RoundBudget, entry.round_budget_id)
    choices = {int(project_id): points for project_id, points in entry.choices.items()}
    try:
        if code is None:
            refuse_ballot("code_unknown", _("The code on the paper ballot is not a valid code."), budget_round,
                    budget=budget, channel=Channel.PAPER, actor=staff, status=422)
        voter = code_voter(budget_round, code, Channel.PAPER, declared_district_id=budget.district_id)
        result = cast_ballot(voter, budget, choices, actor=staff, now=now, paper=(sheet.batch, sheet.row))
    except VotingRefused as refusal:
        sheet.status = PaperStatus.REFUSED
        sheet.refusal_reason = refusal.reason
        return
    sheet.status = PaperStatus.COUNTED
    sheet.ballot_id = result.ballot_id


def paper_sheets(budget_round, status=None):
    query = db.select(PaperBallot).filter_by(round_id=budget_round.id).order_by(PaperBallot.batch, PaperBallot.row)
    if status is not None:
        query = query.filter_by(status=status)
    return db.session.execute(query).scalars().all()


WAITING = (PaperStatus.AWAITING_SECOND, PaperStatus.MISMATCH)
HANDED_OVER = "voting.paper_handed_over"


def find_paper_sheet(budget_round, batch, row):
    if not batch or not row:
        return None
    return db.session.execute(
        db.select(PaperBallot).filter_by(round_id=budget_round.id, batch=batch, row=row)
    ).scalar_one_or_none()


def next_entry_colleagues(sheet):
    """The staff who may make the next entry of ``sheet``: everyone active on staff who has not entered it."""
    entered = {entry.entered_by_id for entry in sheet.entries}
    staff = db.session.execute(
        db.select(User)
        .where(User.is_staff_member.is_(True) | User.is_admin.is_(True), User.deleted_at.is_(None))
        .order_by(User.stored_display_name, User.id)
    ).scalars()
    return [user for user in staff if user.id not in entered]


def hand_over_paper(staff, sheet, colleague):
    """Ask ``colleague`` by mail to make the next entry (the second, or the third look) of ``sheet``."""
    if sheet.status not in WAITING:
        raise RoundRuleError(_("This paper ballot is not waiting for an entry."), field="colleague_id")
    if colleague is None or colleague.id not in {user.id for user in next_entry_colleagues(sheet)}:
        raise RoundRuleError(_("Choose a colleague on staff who has not entered this ballot yet."), field="colleague_id")
    where = {"batch": sheet.batch, "row": sheet.row}
    link = external_url(
        "voting.paper_entry", round_id=sheet.round_id, budget_id=sheet.entries[0].round_budget_id, **where
    )
    third_look = sheet.status is PaperStatus.MISMATCH
    send_localized_mail(
        colleague.locale,
        colleague.email,
        lambda: _("Please enter the paper ballot %(batch)s / %(row)s", **where),
        lambda: (
            _("%(name)s asks you to look at the paper ballot %(batch)s / %(row)s and enter it. The two entries made "
              "so far differ, so your entry settles what counts.", name=staff.display_name, **where)
            if third_look
            else _("%(name)s asks you to enter the paper ballot %(batch)s / %(row)s a second time.",
                   name=staff.display_name, **where)
        ),
        lambda: _("Take the paper itself and type exactly what is on it: %(link)s", link=link),
    )
    record(staff, HANDED_OVER, sheet, {"round_id": sheet.round_id, "to_user_id": colleague.id})
    db.session.flush()


def handed_over_to(sheets):
    """{sheet id: the colleague a waiting sheet was last handed to}."""
    ids = {str(sheet.id) for sheet in sheets if sheet.status in WAITING}
    if not ids:
        return {}
    events = db.session.execute(
        events_query(action=HANDED_OVER, subject_type="PaperBallot").where(AuditEvent.subject_id.in_(sorted(ids)))
    ).scalars()
    latest = {}
    for event in events:  # newest first
        if event.subject_id in ids and event.subject_id not in latest:
            latest[event.subject_id] = event.details.get("to_user_id")
    users = {user.id: user for user in db.session.execute(db.select(User).where(User.id.in_(latest.values()))).scalars()}
    return {int(sheet_id): users.get(user_id) for sheet_id, user_id in latest.items() if users.get(user_id)}
