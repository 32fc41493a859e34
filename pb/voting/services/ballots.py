"""Ballots on every channel: reading choices, checking them against the ballot's rules, casting, receipts.

Privacy: ballots are audited without their content, and events caused by voters themselves
carry no actor, so the audit log cannot be joined with ballot times to find out who cast
which ballot. Staff acts (assisted and paper) name the staff member.
"""

from dataclasses import dataclass, replace

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm.attributes import set_committed_value

from pb.audit.services import record
from pb.extensions import db
from pb.mail import external_url, send_localized_mail
from pb.models_base import insert_unless_duplicate, utcnow
from pb.money import money
from pb.voting import codes
from pb.voting.models import Ballot, BallotChoice, BallotFormat, Channel, RoundPhase, VotingCode
from pb.voting.services.eligibility import (
    code_district,
    eligible_budgets,
    not_eligible_message,
    same_person_message,
    slot_of,
    too_young_message,
)
from pb.voting.services.errors import closed_message, refuse_ballot


def parse_choices(budget_round, budget, values):
    """Read choices from a submitted form (a MultiDict) into ``{project_id: points}``.

    Approval and knapsack ballots send ``project`` once per ticked project; cumulative
    ballots send ``points-<project id>``. Unreadable values are refused, not guessed.
    """
    choices = {}
    try:
        if budget_round.ballot_format is BallotFormat.CUMULATIVE:
            for name, value in values.items(multi=True):
                if name.startswith("points-") and value.strip():
                    points = int(value)
                    if points < 0:
                        raise ValueError
                    if points:
                        choices[int(name.removeprefix("points-"))] = points
        else:
            choices = {int(value): 1 for value in values.getlist("project")}
    except ValueError:
        refuse_ballot(
            "bad_points",
            _("Give points as whole numbers, 0 or more."),
            budget_round, budget=budget, status=422,
        )
    return choices


def choice_problem(budget_round, budget, choices):
    """``(reason, message)`` if the choices break the ballot's rules, else None."""
    projects = {project.id: project for project in budget.projects}
    if any(project_id not in projects for project_id in choices):
        return "unknown_project", _(
            "The ballot names a project that is not on this ballot. Load the ballot again and choose again."
        )
    if not choices:
        return "empty", _("Choose at least one project.")
    fmt = budget_round.ballot_format
    if fmt is BallotFormat.APPROVAL and len(choices) > budget_round.max_choices:
        return "over_choices", _(
            "You chose %(count)s projects. You can choose at most %(max)s.",
            count=len(choices), max=budget_round.max_choices,
        )
    if fmt is BallotFormat.KNAPSACK:
        total = sum(projects[project_id].cost_cents for project_id in choices)
        if total > budget.amount_cents:
            return "over_budget", _(
                "The projects you chose cost %(total)s together. That is more than the budget of %(budget)s. "
                "Remove a project.",
                total=money(total), budget=money(budget.amount_cents),
            )
    if fmt is BallotFormat.CUMULATIVE and sum(choices.values()) > budget_round.points:
        return "too_many_points", _(
            "You gave %(total)s points. You have %(max)s points to give.",
            total=sum(choices.values()), max=budget_round.points,
        )
    if fmt is not BallotFormat.CUMULATIVE and any(points != 1 for points in choices.values()):
        return "bad_points", _("Give points as whole numbers, 0 or more.")
    return None


_LOCKED_CODES = "pb_locked_voting_codes"


def locked_code(code_id):
    """The voting code, its row locked until the transaction ends (SELECT ... FOR UPDATE once per transaction).

    The voter's page locks it when it builds the voter from the code, so that the cast, which must hold
    the lock, does not ask the database a second time. The row is kept here too: the session's identity
    map holds objects only weakly.
    """
    transaction = db.session().get_transaction()
    held = db.session.info.get(_LOCKED_CODES)
    if transaction is not None and held is not None and held[0] is transaction and code_id in held[1]:
        return held[1][code_id]
    code = db.session.get(VotingCode, code_id, with_for_update=True)
    transaction = db.session().get_transaction()
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        db.session.info[_LOCKED_CODES] = held
    if code is not None:
        held[1][code_id] = code
    return code


def _locked_ballot(budget_id, key):
    query = db.select(Ballot).filter_by(round_budget_id=budget_id, voter_key=key).with_for_update()
    return db.session.execute(query).scalar_one_or_none()


@dataclass
class CastResult:
    ballot_id: int
    receipt: str  # shown once to the voter; only its hash is stored
    changed: bool

    @property
    def ballot(self):
        """The stored ballot (read when asked for: the voter's pages need only its id)."""
        return db.session.get(Ballot, self.ballot_id)


def cast_ballot(voter, budget, choices, *, expected_version=None, actor=None, now=None, paper=None):
    """Store (or change) ``voter``'s ballot in ``budget``; the last one counts.

    ``expected_version`` is the ballot version the form was shown with (None: no ballot
    yet); a form sent twice, or from an older window, is refused instead of silently
    overwriting. ``paper`` is ``(batch, row)`` for paper ballots, which may still be entered
    after the closing time while the round is in the voting phase (they were cast in time).
    """
    now = now or utcnow()
    budget_round = budget.round
    channel = voter.channel

    def refuse(reason, message, status=409):
        refuse_ballot(reason, message, budget_round, budget=budget, channel=channel, actor=actor, status=status)

    voting_on = budget_round.is_voting_open(now) or (paper is not None and budget_round.phase is RoundPhase.VOTING)
    if not voting_on:
        refuse("voting_closed", closed_message())
    if voter.problem is not None:
        refuse(*voter.problem, status=403)
    code = None
    if voter.by_code:
        code = locked_code(voter.code_id)
        if code_district(code) is not None and voter.district_id != code_district(code):
            voter = replace(voter, district_id=code_district(code))
    if not voter.old_enough:
        refuse("too_young", too_young_message(budget_round), 403)
    if budget not in eligible_budgets(budget_round, voter):
        refuse("forged_district", not_eligible_message(), 403)
    problem = choice_problem(budget_round, budget, choices)
    if problem:
        refuse(*problem, 422)

    # A form shown without a ballot (no expected version) can only add one, so it goes straight to
    # the insert, whose conflict path finds (and refuses) a ballot that is already there.
    existing = _locked_ballot(budget.id, voter.key) if expected_version is not None else None
    if existing is not None:
        _check_change(existing, voter, expected_version, refuse)
        receipt = _replace_choices(existing, choices, now)
        result = CastResult(existing.id, receipt, changed=True)
    else:
        if expected_version is not None:
            refuse("replayed", _replayed_message())
        if _voted_under_other_key(voter, budget):
            refuse("identity_already_voted", same_person_message())
        result = _insert_ballot(voter, budget, choices, code, now, paper, expected_version, refuse)
    details = {"round_id": budget_round.id, "budget_id": budget.id, "channel": str(channel)}
    record(actor if channel is not Channel.ONLINE else None, "voting.ballot_cast", budget_round, details)
    return result


def _replayed_message():
    return _(
        "This ballot form was already sent, or your ballot was changed in another window. "
        "Nothing was changed now. Look at your ballot below and send it again if you want to change it."
    )


def _voted_under_other_key(voter, budget):
    """The same person already voted in this slot before their identity was known (account or code key)."""
    if not voter.other_keys:
        return False
    query = db.select(Ballot.id).where(
        Ballot.round_id == budget.round_id, Ballot.voter_key.in_(sorted(voter.other_keys)), Ballot.slot == slot_of(budget)
    )
    return db.session.execute(query.limit(1)).first() is not None


def _check_change(existing, voter, expected_version, refuse):
    if existing.channel is not voter.channel:
        refuse(
            "cross_channel_duplicate",
            _("A ballot has already been given for this voter in another way (online, with staff help or on paper). "
              "Only one ballot counts, so this one was not saved."),
        )
    if voter.session_id is not None and existing.assisted_session_id != voter.session_id:
        refuse("identity_already_voted", same_person_message())
    if voter.by_code and existing.id not in voter.owned_ballot_ids:
        refuse("code_reused", _("This code has already been used to vote. Each code can vote only once."))
    if expected_version != existing.version:
        refuse("replayed", _replayed_message())


# The cast's statements are built once: building one (its bound values, coercions) cost more than
# sending it, and a statement built once also reuses SQLAlchemy's compiled form.
_BALLOT_INSERTS = {}  # dialect name -> INSERT ... ON CONFLICT DO NOTHING RETURNING ballots
_INSERT_CHOICES = insert(BallotChoice.__table__)
_MARK_CODE_USED = (
    update(VotingCode.__table__)
    .where(VotingCode.id == bindparam("code_id"))
    .values(used_at=bindparam("used_at"), voter_key=bindparam("voter_key"), district_id=bindparam("district_id"))
)


def _ballot_insert():
    dialect = db.session.get_bind().dialect.name
    if dialect not in _BALLOT_INSERTS:
        _BALLOT_INSERTS[dialect] = insert_unless_duplicate(Ballot.__table__).returning(Ballot.__table__.c.id)
    return _BALLOT_INSERTS[dialect]


def _insert_ballot(voter, budget, choices, code, now, paper, expected_version, refuse):
    receipt = codes.new_receipt()
    row = {
        "round_id": budget.round_id,
        "round_budget_id": budget.id,
        "voter_key": voter.key,
        "slot": slot_of(budget),
        "channel": voter.channel,
        "age_band": voter.age_band,
        "language": _page_language() if voter.channel is Channel.ONLINE else None,
        "identity_verified": voter.verified,
        "order_seed": codes.order_seed(voter.key, budget.id),
        "receipt_hash": codes.receipt_hash(receipt),
        "version": 1,
        "changes": 0,
        "paper_batch": paper[0] if paper else None,
        "paper_row": paper[1] if paper else None,
        "assisted_session_id": voter.session_id,
        "created_at": now,
        "updated_at": now,
    }
    # The unique constraints decide: a second ballot of the voter is not inserted (no row back). A plain
    # statement on the session's connection, as the choices and the code below: no unit of work.
    connection = db.session.connection()
    ballot_id = connection.execute(_ballot_insert(), row).scalar_one_or_none()
    if ballot_id is None:
        # Another request stored a ballot for the same voter first (or one in another district).
        existing = _locked_ballot(budget.id, voter.key)
        if existing is None:
            refuse(
                "other_district_voted",
                _("You have already voted in another district. You can change that ballot instead."),
            )
        _check_change(existing, voter, expected_version, refuse)
        refuse("replayed", _replayed_message())
    # Plain statements on the session's connection, no unit of work: one executemany for the choices
    # (ballot.choices is read from the database if asked for), one UPDATE for the code.
    connection.execute(
        _INSERT_CHOICES,
        [{"ballot_id": ballot_id, "project_id": pid, "points": points} for pid, points in sorted(choices.items())],
    )
    if code is not None:
        _mark_code_used(connection, code, voter, budget, now)
    return CastResult(ballot_id, receipt, changed=False)


def _mark_code_used(connection, code, voter, budget, now):
    """The code's first use: when, whose key, and its district if it had none (the row is locked)."""
    used = {
        "used_at": code.used_at or now,
        "voter_key": code.voter_key or voter.key,
        "district_id": code.district_id if code.district_id is not None else budget.district_id,
    }
    if any(getattr(code, name) != value for name, value in used.items()):
        connection.execute(_MARK_CODE_USED, {"code_id": code.id, **used})
        for name, value in used.items():
            set_committed_value(code, name, value)  # the loaded row says what the database now holds


def _page_language():
    """The language of the page the ballot was sent from; None where there is no page (the demo's ballots,
    cast from the command line: the locale selector reads the request)."""
    if not has_request_context():
        return None
    locale = get_locale()
    return str(locale) if locale is not None else None


def _replace_choices(ballot, choices, now):
    current = {choice.project_id: choice for choice in ballot.choices}
    for project_id, choice in current.items():
        if project_id not in choices:
            ballot.choices.remove(choice)
    for project_id, points in sorted(choices.items()):
        if project_id in current:
            current[project_id].points = points
        else:
            ballot.choices.append(BallotChoice(project_id=project_id, points=points))
    receipt = codes.new_receipt()
    ballot.receipt_hash = codes.receipt_hash(receipt)
    ballot.version += 1
    ballot.changes += 1
    ballot.updated_at = now
    db.session.flush()
    return receipt


_BALLOT_OF = db.select(Ballot).where(Ballot.round_budget_id == bindparam("budget_id"), Ballot.voter_key == bindparam("key"))


def ballot_of(budget, key):
    return db.session.execute(_BALLOT_OF, {"budget_id": budget.id, "key": key}).scalar_one_or_none()


def find_receipt(text):
    if not codes.looks_like_receipt(text):
        return None
    query = db.select(Ballot).filter_by(receipt_hash=codes.receipt_hash(text))
    return db.session.execute(query).scalar_one_or_none()


def running_total(budget, choices):
    projects = {project.id: project for project in budget.projects}
    return sum(projects[pid].cost_cents for pid in choices if pid in projects)


def mail_receipt(user, budget_round, budget, receipt, changed):
    """Mail the receipt code to a voter with an account, so it is kept even if the page is closed.

    The mail says in which budget a ballot was given, never what was chosen.
    """
    if not user.email:
        return
    send_localized_mail(
        user.locale, user.email,
        lambda: _("Your ballot was changed") if changed else _("Your ballot was saved"),
        lambda: _("Your ballot in %(area)s (%(round)s) was saved. Only your last ballot counts.",
                  area=budget.display_name, round=budget_round.display_name),
        lambda: _("Your receipt code: %(receipt)s", receipt=receipt),
        lambda: _("With the code you can check that your ballot is counted, without anyone seeing how you voted: %(url)s",
                  url=external_url("voting.receipt")),
    )
