"""PB rounds: set-up and freezing, ideas and projects, eligibility, ballots on every channel.

Services flush and never commit; the view commits once. A staff change the rules do
not allow raises :class:`RoundRuleError`. A ballot that is refused raises
:class:`VotingRefused` *after* recording the attempt in the audit log and *before*
writing anything else, so the view commits the audit row and nothing of the ballot.

Privacy: ballots are audited without their content, and events caused by voters
themselves carry no actor, so the audit log cannot be joined with ballot times to
find out who cast which ballot. Staff acts (assisted and paper) name the staff member.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from pb.audit.services import record
from pb.auth.models import find_by_email
from pb.extensions import db
from pb.i18n import money
from pb.models_base import insert_unless_duplicate, utcnow
from pb.rules import available_rules
from pb.voting import codes
from pb.voting.models import (
    AssistedSession,
    Ballot,
    BallotChoice,
    BallotFormat,
    BudgetRound,
    Channel,
    EligibilityMode,
    Idea,
    IdeaStatus,
    PaperBallot,
    PaperEntry,
    PaperStatus,
    Project,
    RoundBudget,
    RoundPhase,
    VotingCode,
    VotingCodeBatch,
    age_band,
)

# Changing these after voting opens would change what voters were asked, so they freeze.
FROZEN_FIELDS = (
    "ballot_format",
    "max_choices",
    "points",
    "rule",
    "rule_threshold",
    "min_age",
    "eligibility",
    "voting_closes_at",
)
ROUND_FIELDS = (
    "name",
    "description",
    "ideas_start",
    "co_development_start",
    "cost_estimation_start",
    "voting_start",
    "results_start",
    "implementation_start",
    *FROZEN_FIELDS,
)
MAX_CODES_PER_BATCH = 5000


class RoundRuleError(Exception):
    """A staff change the rules do not allow; the text is a translated sentence."""


class VotingRefused(Exception):
    """A ballot (or a step towards one) was refused; ``message`` is translated, ``status`` the HTTP status."""

    def __init__(self, reason, message, status=409):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


def _refuse(reason, message, budget_round, *, budget=None, channel=None, actor=None, status=409):
    details = {"reason": reason, "round_id": budget_round.id}
    if budget is not None:
        details["budget_id"] = budget.id
    if channel is not None:
        details["channel"] = str(channel)
    record(actor, "voting.ballot_refused", budget_round, details)
    raise VotingRefused(reason, message, status)


# --- rounds ----------------------------------------------------------------------------------


def rounds_for(user):
    query = db.select(BudgetRound).order_by(BudgetRound.id.desc())
    if not (user.is_authenticated and user.is_staff):
        query = query.where(BudgetRound.phase != RoundPhase.DRAFT)
    return db.session.execute(query).scalars().all()


def _check_round_settings(values):
    fmt = values["ballot_format"]
    if values["rule"] not in available_rules():
        raise RoundRuleError(_("Choose a counting rule from the list."))
    if values["rule"] == "greedy-threshold" and not values.get("rule_threshold"):
        raise RoundRuleError(_("The rule needs a minimum score. Give the minimum score."))
    if values["rule"] != "greedy-threshold" and values.get("rule_threshold") is not None:
        raise RoundRuleError(_("A minimum score is used only with the minimum score rule. Leave it empty."))
    if fmt is BallotFormat.APPROVAL and not values.get("max_choices"):
        raise RoundRuleError(_("Say how many projects a voter may choose."))
    if fmt is BallotFormat.CUMULATIVE and not values.get("points"):
        raise RoundRuleError(_("Say how many points each voter has to share."))


def create_round(actor, values):
    _check_round_settings(values)
    budget_round = BudgetRound(key_salt=codes.new_key_salt(), created_by_id=actor.id)
    for name in ROUND_FIELDS:
        setattr(budget_round, name, values.get(name))
    db.session.add(budget_round)
    db.session.flush()
    record(actor, "voting.round_created", budget_round, {"name": budget_round.name.get("fi")})
    return budget_round


def _frozen_error():
    return RoundRuleError(
        _(
            "Voting has opened, so the ballot, its limits, the budgets, the projects and the counting rule "
            "can no longer be changed."
        )
    )


def _same(new, old):
    """Equal values; times to the minute, as the form shows and sends them."""
    if isinstance(new, datetime) and isinstance(old, datetime):
        return new.replace(second=0, microsecond=0) == old.replace(second=0, microsecond=0)
    return new == old


def update_round(actor, budget_round, values):
    """Change the round; refused for the frozen settings once voting has opened. Returns changed names."""
    merged = {name: values.get(name, getattr(budget_round, name)) for name in ROUND_FIELDS}
    changed = [name for name in ROUND_FIELDS if not _same(merged[name], getattr(budget_round, name))]
    if budget_round.is_frozen and any(name in FROZEN_FIELDS for name in changed):
        raise _frozen_error()
    _check_round_settings(merged)
    for name in changed:
        setattr(budget_round, name, merged[name])
    if changed:
        db.session.flush()
        record(actor, "voting.round_updated", budget_round, {"fields": changed})
    return changed


def set_budget(actor, budget_round, district_id, amount_cents):
    """Add or change one budget (``district_id`` None = city-wide); ``amount_cents`` None removes it."""
    if budget_round.is_frozen:
        raise _frozen_error()
    budget = budget_round.budget_for(district_id)
    if amount_cents is None:
        if budget is None:
            return None
        if budget.projects:
            raise RoundRuleError(_("This budget has projects. Move or delete the projects first."))
        budget_round.budgets.remove(budget)
        db.session.flush()
        record(actor, "voting.budget_removed", budget_round, {"district_id": district_id})
        return None
    if budget is None:
        budget = RoundBudget(district_id=district_id, amount_cents=amount_cents)
        budget_round.budgets.append(budget)
    budget.amount_cents = amount_cents
    db.session.flush()
    record(actor, "voting.budget_set", budget_round, {"district_id": district_id, "amount_cents": amount_cents})
    return budget


def _next_position(budget):
    return max((project.position for project in budget.projects), default=0) + 1


def add_project(actor, budget, title, description, cost_cents):
    if budget.round.is_frozen:
        raise _frozen_error()
    project = Project(title=title, description=description, cost_cents=cost_cents, position=_next_position(budget))
    budget.projects.append(project)
    db.session.flush()
    record(actor, "voting.project_added", project, {"budget_id": budget.id, "cost_cents": cost_cents})
    return project


def update_project(actor, project, budget, title, description, cost_cents):
    if project.budget.round.is_frozen:
        raise _frozen_error()
    if budget.round_id != project.budget.round_id:
        raise RoundRuleError(_("Choose a budget of the same round."))
    if budget is not project.budget:
        project.budget = budget
        project.position = _next_position(budget)
    project.title, project.description, project.cost_cents = title, description, cost_cents
    db.session.flush()
    record(actor, "voting.project_updated", project, {"budget_id": budget.id, "cost_cents": cost_cents})


def delete_project(actor, project):
    if project.budget.round.is_frozen:
        raise _frozen_error()
    for idea in project.ideas:
        idea.status = IdeaStatus.FEASIBLE
    record(actor, "voting.project_deleted", project, {"budget_id": project.round_budget_id})
    db.session.delete(project)
    db.session.flush()


def voting_problems(budget_round, now):
    problems = []
    if not budget_round.budgets:
        problems.append(_("Add at least one budget."))
    for budget in budget_round.budgets:
        if not budget.projects:
            problems.append(_("The budget %(name)s has no projects.", name=budget.display_name))
    if budget_round.voting_closes_at is None or budget_round.voting_closes_at <= now:
        problems.append(_("Set a closing time for voting in the future."))
    return problems


def advance_phase(actor, budget_round, now=None):
    """Move the round to its next phase. Opening voting freezes the ballot; closing it ends voting now."""
    now = now or utcnow()
    _lock(budget_round)
    target = budget_round.phase.next
    if target is None:
        raise RoundRuleError(_("The round is already in its last phase."))
    if target is RoundPhase.VOTING:
        problems = voting_problems(budget_round, now)
        if problems:
            raise RoundRuleError(" ".join(problems))
        budget_round.frozen_at = now
    if budget_round.phase is RoundPhase.VOTING and budget_round.voting_closes_at > now:
        budget_round.voting_closes_at = now
    budget_round.phase = target
    db.session.flush()
    record(actor, "voting.phase_changed", budget_round, {"phase": str(target)})
    return target


def _lock(row):
    """Re-read a row under a row lock (PostgreSQL); SQLite serialises writers anyway."""
    db.session.refresh(row, with_for_update=True)


# --- ideas -----------------------------------------------------------------------------------


IDEA_IMAGE_TYPES = ("image/png", "image/jpeg")


def submit_idea(user, budget_round, district_id, title, text, location, image=None):
    """``image`` is a :class:`pb.uploads.StoredUpload` already checked and stored, or None."""
    if not budget_round.accepts_ideas():
        raise RoundRuleError(_("This round is not collecting ideas now."))
    if image is not None and image.content_type not in IDEA_IMAGE_TYPES:
        raise RoundRuleError(_("The picture must be a PNG or JPEG image."))
    idea = Idea(
        round_id=budget_round.id, district_id=district_id, author_id=user.id, title=title, text=text,
        location=location or "",
        image_stored_name=image.stored_name if image else None,
        image_content_type=image.content_type if image else None,
    )
    db.session.add(idea)
    db.session.flush()
    record(user, "voting.idea_submitted", idea, {"round_id": budget_round.id})
    return idea


def public_ideas(budget_round):
    query = db.select(Idea).where(Idea.round_id == budget_round.id).order_by(Idea.id)
    return db.session.execute(query).scalars().all()


def assess_idea(actor, idea, feasible, reason, cost_estimate_cents, now=None):
    if idea.status in (IdeaStatus.ON_BALLOT, IdeaStatus.MERGED):
        raise RoundRuleError(_("This idea is already on the ballot or combined with another idea."))
    idea.status = IdeaStatus.FEASIBLE if feasible else IdeaStatus.NOT_FEASIBLE
    idea.assessment_reason = reason
    idea.cost_estimate_cents = cost_estimate_cents
    idea.assessed_by_id = actor.id
    idea.assessed_at = now or utcnow()
    db.session.flush()
    record(actor, "voting.idea_assessed", idea, {"feasible": feasible, "cost_estimate_cents": cost_estimate_cents})


def merge_idea(actor, idea, into):
    if into.id == idea.id or into.round_id != idea.round_id:
        raise RoundRuleError(_("Choose another idea of the same round."))
    if into.status is IdeaStatus.MERGED or idea.status is IdeaStatus.ON_BALLOT:
        raise RoundRuleError(_("An idea on the ballot cannot be combined, and ideas cannot be combined into a combined idea."))
    idea.status = IdeaStatus.MERGED
    idea.merged_into_id = into.id
    db.session.flush()
    record(actor, "voting.idea_merged", idea, {"into": into.id})


def publish_idea(actor, idea, budget, title, description, cost_cents):
    """Put a feasible idea on the ballot as a project of ``budget``."""
    if idea.status is not IdeaStatus.FEASIBLE:
        raise RoundRuleError(_("Only an idea assessed as possible can go on the ballot."))
    if budget.round_id != idea.round_id:
        raise RoundRuleError(_("Choose a budget of the same round."))
    project = add_project(actor, budget, title, description, cost_cents)
    idea.status = IdeaStatus.ON_BALLOT
    idea.project_id = project.id
    for duplicate in db.session.execute(db.select(Idea).filter_by(merged_into_id=idea.id)).scalars():
        duplicate.project_id = project.id
    db.session.flush()
    record(actor, "voting.idea_published", idea, {"project_id": project.id})
    return project


# --- voters and eligibility ------------------------------------------------------------------


@dataclass
class Voter:
    """Who is voting, as far as the ballot needs to know: never a name, only a key."""

    key: str
    channel: Channel
    district_id: int | None
    age_band: str | None
    code_id: int | None = None
    session_id: int | None = None
    # A code (or a person helped at a pop-up point with a code) may change only the ballots
    # it cast in this sitting; anyone else presenting the same code is refused.
    owned_ballot_ids: frozenset = field(default_factory=frozenset)
    old_enough: bool = True

    @property
    def by_code(self):
        return self.code_id is not None


def is_old_enough(budget_round, birth_year, year):
    return birth_year is not None and year - birth_year >= budget_round.min_age


def account_details_missing(user):
    return user.birth_year is None or user.district_id is None


def declare_details(user, birth_year, district_id):
    changed = [name for name, value in (("birth_year", birth_year), ("district_id", district_id))
               if getattr(user, name) != value]
    user.birth_year, user.district_id = birth_year, district_id
    db.session.flush()
    if changed:
        record(user, "auth.voting_details_declared", user, {"fields": changed})


def account_voter(budget_round, user, now=None):
    """The voter for a signed-in resident with declared details (see ``old_enough``)."""
    now = now or utcnow()
    return Voter(
        key=codes.voter_key(budget_round, codes.account_identity(user)),
        channel=Channel.ONLINE,
        district_id=user.district_id,
        age_band=age_band(user.birth_year, now.year),
        old_enough=is_old_enough(budget_round, user.birth_year, now.year),
    )


def too_young_message(budget_round):
    return _("You can vote if you turn %(age)s this year or are older.", age=budget_round.min_age)


def not_eligible_message():
    return _("You cannot vote in this budget. You can vote only in the areas shown on the voting page.")


def find_code(budget_round, text):
    if not codes.looks_like_code(text):
        return None
    query = db.select(VotingCode).filter_by(round_id=budget_round.id, code_hash=codes.code_hash(budget_round, text))
    return db.session.execute(query).scalar_one_or_none()


def code_district(code):
    return code.district_id or code.batch.district_id


def code_voter(budget_round, code, channel=Channel.ONLINE, declared_district_id=None, owned=()):
    return Voter(
        key=codes.voter_key(budget_round, codes.code_identity(code)),
        channel=channel,
        district_id=code_district(code) or declared_district_id,
        age_band=None,
        code_id=code.id,
        owned_ballot_ids=frozenset(owned),
    )


def eligible_budgets(budget_round, voter):
    """The budgets this voter may vote in, by the round's eligibility mode."""
    result = []
    if budget_round.eligibility is EligibilityMode.ANY_ONE_DISTRICT:
        result.extend(budget_round.district_budgets)
    elif voter.district_id is not None and budget_round.budget_for(voter.district_id) is not None:
        result.append(budget_round.budget_for(voter.district_id))
    citywide = budget_round.citywide_budget
    if citywide is not None and budget_round.eligibility is not EligibilityMode.OWN_DISTRICT:
        result.append(citywide)
    return result


def slot_of(budget):
    """A voter has at most one district ballot and one city-wide ballot per round."""
    return "citywide" if budget.is_citywide else "district"


def voter_ballots(budget_round, key):
    query = db.select(Ballot).filter_by(round_id=budget_round.id, voter_key=key).order_by(Ballot.id)
    return db.session.execute(query).scalars().all()


def check_code(budget_round, text, now=None, channel=Channel.ONLINE):
    """The code if it may still vote in some budget of the round; else refused (and audited)."""
    if not budget_round.is_voting_open(now):
        _refuse("voting_closed", _closed_message(), budget_round, channel=channel)
    code = find_code(budget_round, text)
    if code is None:
        _refuse(
            "code_unknown",
            _("We did not find this code. Check that you typed it correctly, with all %(count)s characters.",
              count=codes.CODE_LENGTH),
            budget_round, channel=channel, status=422,
        )
    used = voter_ballots(budget_round, code_voter(budget_round, code).key)
    if used and _possible_slots(budget_round, code) <= {slot_of(ballot.budget) for ballot in used}:
        other_channel = any(ballot.channel is not channel for ballot in used)
        _refuse(
            "cross_channel_duplicate" if other_channel else "code_reused",
            _("This code has already been used to vote. Each code can vote only once."),
            budget_round, channel=channel,
        )
    return code


def _possible_slots(budget_round, code):
    district = code_district(code)
    voter = Voter(key="", channel=Channel.ONLINE, district_id=district, age_band=None)
    budgets = eligible_budgets(budget_round, voter)
    if district is None and budget_round.eligibility is not EligibilityMode.ANY_ONE_DISTRICT:
        budgets += budget_round.district_budgets  # a pop-up code: the voter says where they live
    return {slot_of(budget) for budget in budgets}


# --- ballots ---------------------------------------------------------------------------------


def _closed_message():
    return _("Voting is not open. A ballot can be given or changed only while voting is open.")


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
        _refuse(
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


def _locked_ballot(budget_id, key):
    query = db.select(Ballot).filter_by(round_budget_id=budget_id, voter_key=key).with_for_update()
    return db.session.execute(query).scalar_one_or_none()


@dataclass
class CastResult:
    ballot: Ballot
    receipt: str  # shown once to the voter; only its hash is stored
    changed: bool


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
        _refuse(reason, message, budget_round, budget=budget, channel=channel, actor=actor, status=status)

    voting_on = budget_round.is_voting_open(now) or (paper is not None and budget_round.phase is RoundPhase.VOTING)
    if not voting_on:
        refuse("voting_closed", _closed_message())
    code = None
    if voter.by_code:
        code = db.session.execute(db.select(VotingCode).filter_by(id=voter.code_id).with_for_update()).scalar_one()
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
        result = CastResult(existing, receipt, changed=True)
    else:
        if expected_version is not None:
            refuse("replayed", _replayed_message())
        result = _insert_ballot(voter, budget, choices, code, now, paper, expected_version, refuse)
    details = {"round_id": budget_round.id, "budget_id": budget.id, "channel": str(channel)}
    record(actor if channel is not Channel.ONLINE else None, "voting.ballot_cast", budget_round, details)
    return result


def _replayed_message():
    return _(
        "This ballot form was already sent, or your ballot was changed in another window. "
        "Nothing was changed now. Look at your ballot below and send it again if you want to change it."
    )


def _check_change(existing, voter, expected_version, refuse):
    if existing.channel is not voter.channel:
        refuse(
            "cross_channel_duplicate",
            _("A ballot has already been given for this voter in another way (online, with staff help or on paper). "
              "Only one ballot counts, so this one was not saved."),
        )
    if voter.by_code and existing.id not in voter.owned_ballot_ids:
        refuse("code_reused", _("This code has already been used to vote. Each code can vote only once."))
    if expected_version != existing.version:
        refuse("replayed", _replayed_message())


def _insert_ballot(voter, budget, choices, code, now, paper, expected_version, refuse):
    receipt = codes.new_receipt()
    # The unique constraints decide: a second ballot of the voter is not inserted (no row back).
    ballot = db.session.scalars(
        insert_unless_duplicate(Ballot)
        .values(
            round_id=budget.round_id,
            round_budget_id=budget.id,
            voter_key=voter.key,
            slot=slot_of(budget),
            channel=voter.channel,
            age_band=voter.age_band,
            order_seed=codes.order_seed(voter.key, budget.id),
            receipt_hash=codes.receipt_hash(receipt),
            paper_batch=paper[0] if paper else None,
            paper_row=paper[1] if paper else None,
            assisted_session_id=voter.session_id,
            created_at=now,
            updated_at=now,
        )
        .returning(Ballot)
    ).one_or_none()
    if ballot is None:
        # Another request stored a ballot for the same voter first (or one in another district).
        existing = _locked_ballot(budget.id, voter.key)
        if existing is None:
            refuse(
                "other_district_voted",
                _("You have already voted in another district. You can change that ballot instead."),
            )
        _check_change(existing, voter, expected_version, refuse)
        refuse("replayed", _replayed_message())
    db.session.execute(  # one executemany; ballot.choices is read from the database if asked for
        insert(BallotChoice),
        [{"ballot_id": ballot.id, "project_id": pid, "points": points} for pid, points in sorted(choices.items())],
    )
    if code is not None:
        code.used_at = code.used_at or now
        if code.district_id is None and budget.district_id is not None:
            code.district_id = budget.district_id
    db.session.flush()
    return CastResult(ballot, receipt, changed=False)


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


def ballot_of(budget, key):
    return db.session.execute(db.select(Ballot).filter_by(round_budget_id=budget.id, voter_key=key)).scalar_one_or_none()


def find_receipt(text):
    if not codes.looks_like_code(text, codes.RECEIPT_LENGTH):
        return None
    query = db.select(Ballot).filter_by(receipt_hash=codes.receipt_hash(text))
    return db.session.execute(query).scalar_one_or_none()


def running_total(budget, choices):
    projects = {project.id: project for project in budget.projects}
    return sum(projects[pid].cost_cents for pid in choices if pid in projects)


# --- voting codes ----------------------------------------------------------------------------


def create_code_batch(actor, budget_round, label, size, district_id=None):
    """Make ``size`` new codes; returns the batch and the codes in plain text, shown only this once."""
    if not 1 <= size <= MAX_CODES_PER_BATCH:
        raise RoundRuleError(_("A batch has 1 to %(max)s codes.", max=MAX_CODES_PER_BATCH))
    if budget_round.phase.order > RoundPhase.VOTING.order:
        raise RoundRuleError(_("Voting is over, so no new codes can be made."))
    batch = VotingCodeBatch(
        round_id=budget_round.id, district_id=district_id, label=label, size=size, created_by_id=actor.id
    )
    db.session.add(batch)
    db.session.flush()
    plain = []
    seen = set()
    while len(plain) < size:
        code = codes.new_voting_code()
        hashed = codes.code_hash(budget_round, code)
        if hashed in seen:
            continue
        seen.add(hashed)
        plain.append(code)
        db.session.add(VotingCode(batch_id=batch.id, round_id=budget_round.id, code_hash=hashed, district_id=district_id))
    db.session.flush()
    record(actor, "voting.codes_created", batch, {"round_id": budget_round.id, "size": size, "district_id": district_id})
    return batch, [codes.formatted(code) for code in plain]


def code_batches(budget_round):
    used = db.select(db.func.count(VotingCode.id)).where(
        VotingCode.batch_id == VotingCodeBatch.id, VotingCode.used_at.is_not(None)
    ).scalar_subquery()
    query = (
        db.select(VotingCodeBatch, used)
        .where(VotingCodeBatch.round_id == budget_round.id)
        .order_by(VotingCodeBatch.id)
    )
    return db.session.execute(query).all()


# --- assisted voting -------------------------------------------------------------------------


def open_assisted_session(staff, budget_round, *, location, identified_by, email=None, code_text=None,
                          birth_year, district_id, age_checked, residence_checked, now=None):
    """Staff start helping one resident. Checks age and residence; the resident then votes here."""
    now = now or utcnow()
    if not budget_round.is_voting_open(now):
        _refuse("voting_closed", _closed_message(), budget_round, channel=Channel.ASSISTED, actor=staff)
    if not (age_checked and residence_checked):
        raise RoundRuleError(_("Check the resident's age and home district from an identity document first."))
    if not is_old_enough(budget_round, birth_year, now.year):
        _refuse(
            "too_young",
            too_young_message(budget_round),
            budget_round, channel=Channel.ASSISTED, actor=staff, status=403,
        )
    if identified_by == "account":
        user = find_by_email(email or "")
        if user is None or not user.is_active:
            raise RoundRuleError(_("No account has this email address. Use a voting code instead."))
        key = codes.voter_key(budget_round, codes.account_identity(user))
    else:
        code = check_code(budget_round, code_text, now, channel=Channel.ASSISTED)
        district = code_district(code)
        if (district is not None and district != district_id
                and budget_round.eligibility is not EligibilityMode.ANY_ONE_DISTRICT):
            _refuse(
                "forged_district",
                _("This code is for another district than the one the resident lives in."),
                budget_round, channel=Channel.ASSISTED, actor=staff, status=403,
            )
        key = codes.voter_key(budget_round, codes.code_identity(code))
    session = AssistedSession(
        round_id=budget_round.id, staff_id=staff.id, location=location, age_checked=True, residence_checked=True,
        district_id=district_id, age_band=age_band(birth_year, now.year), identified_by=identified_by,
        voter_key=key, opened_at=now,
    )
    if identified_by != "account":
        session.code_id = code.id
    db.session.add(session)
    db.session.flush()
    record(staff, "voting.assisted_opened", session, {"round_id": budget_round.id, "location": location})
    return session


def assisted_voter(session):
    owned = db.session.execute(db.select(Ballot.id).filter_by(assisted_session_id=session.id)).scalars().all()
    return Voter(
        key=session.voter_key,
        channel=Channel.ASSISTED,
        district_id=session.district_id,
        age_band=session.age_band,
        code_id=session.code_id,
        session_id=session.id,
        owned_ballot_ids=frozenset(owned),
    )


def close_assisted_session(staff, session, now=None):
    session.closed_at = now or utcnow()
    db.session.flush()
    record(staff, "voting.assisted_closed", session, {"round_id": session.round_id})


# --- paper ballots, entered twice ------------------------------------------------------------


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
    if not codes.looks_like_code(code_text):
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
            _refuse("code_unknown", _("The code on the paper ballot is not a valid code."), budget_round,
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


# --- reports ---------------------------------------------------------------------------------


def refusals(budget_round, reasons=None):
    """Refused ballots of the round from the audit log (no voter is named there)."""
    from pb.audit.models import AuditEvent

    query = (
        db.select(AuditEvent)
        .filter_by(action="voting.ballot_refused", subject_type="BudgetRound", subject_id=str(budget_round.id))
        .order_by(AuditEvent.id.desc())
    )
    events = db.session.execute(query).scalars().all()
    return [event for event in events if reasons is None or event.details.get("reason") in reasons]


def ballot_counts(budget_round):
    """{(budget_id, channel): ballots} for the staff overview."""
    query = (
        db.select(Ballot.round_budget_id, Ballot.channel, db.func.count(Ballot.id))
        .where(Ballot.round_id == budget_round.id)
        .group_by(Ballot.round_budget_id, Ballot.channel)
    )
    return {(budget_id, channel): count for budget_id, channel, count in db.session.execute(query)}


