"""Paper ballots, entered twice by different staff; a third look settles a mismatch."""

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from pb.audit.services import record
from pb.extensions import db
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
        raise RoundRuleError(_("Type the voting code printed on the ballot, %(count)s characters.", count=codes.CODE_LENGTH))
    project_ids = {project.id for project in budget.projects}
    if any(project_id not in project_ids for project_id in choices):
        raise RoundRuleError(_("Choose only projects of this budget."))
    sheet = _paper_ballot(budget_round, batch, row)
    if sheet.status in (PaperStatus.COUNTED, PaperStatus.REFUSED):
        raise RoundRuleError(_("This paper ballot has already been entered twice and handled."))
    if any(entry.entered_by_id == staff.id for entry in sheet.entries):
        raise RoundRuleError(_("You have already entered this paper ballot. The next entry must be made by another person."))
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
    sheet.ballot_id = result.ballot.id


def paper_sheets(budget_round, status=None):
    query = db.select(PaperBallot).filter_by(round_id=budget_round.id).order_by(PaperBallot.batch, PaperBallot.row)
    if status is not None:
        query = query.filter_by(status=status)
    return db.session.execute(query).scalars().all()
