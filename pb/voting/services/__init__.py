"""PB rounds: set-up and freezing, ideas and projects, eligibility, ballots on every channel.

Services flush and never commit; the view commits once. A staff change the rules do
not allow raises :class:`RoundRuleError`. A ballot that is refused raises
:class:`VotingRefused` *after* recording the attempt in the audit log and *before*
writing anything else, so the view commits the audit row and nothing of the ballot.

One module per subject: ``errors``, ``rounds`` (rounds, budgets, projects), ``phases`` (moving on by
hand or by the schedule, closing and reopening voting),
``ideas``, ``eligibility`` (voters), ``voting_codes``, ``ballots``, ``assisted``, ``paper``,
``register`` (the population-register extract), ``round_cache`` (a frozen round's set-up kept per process), ``reports``, ``turnout`` (who voted, in numbers) and ``pabulib_import`` (a .pb file as a round). They import each other directly; this package re-exports their public
names so callers can write ``from pb.voting import services as voting; voting.cast_ballot(...)``.
"""

from pb.voting.services.assisted import assisted_voter, close_assisted_session, open_assisted_session
from pb.voting.services.ballots import (
    CastResult,
    ballot_of,
    cast_ballot,
    choice_problem,
    find_receipt,
    locked_code,
    mail_receipt,
    parse_choices,
    running_total,
)
from pb.voting.services.eligibility import (
    Voter,
    account_details_missing,
    account_voter,
    code_district,
    code_voter,
    declare_details,
    eligible_budgets,
    is_old_enough,
    not_eligible_message,
    slot_of,
    too_young_message,
    voter_ballots,
)
from pb.voting.services.errors import (
    ProjectCostError,
    RoundRuleError,
    VotingRefused,
    closed_message,
    refuse_ballot,
)
from pb.voting.services.ideas import IDEA_IMAGE_TYPES, assess_idea, merge_idea, public_ideas, publish_idea, submit_idea
from pb.voting.services.pabulib_import import PabulibImportError, import_pabulib
from pb.voting.services.paper import (
    enter_paper,
    find_paper_sheet,
    hand_over_paper,
    handed_over_to,
    next_entry_colleagues,
    paper_sheets,
)
from pb.voting.services.phases import (
    ScheduledChange,
    advance_phase,
    apply_due_phase,
    can_reopen,
    close_voting,
    closes_early,
    pending_paper,
    register_reopen_blocker,
    reopen_blockers,
    reopen_voting,
    rounds_to_check,
    scheduled_change,
)
from pb.voting.services.register import (
    RegisterFileRefused,
    clear_register,
    import_register,
    register_summary,
)
from pb.voting.services.reports import ballot_counts, refusals
from pb.voting.services.round_cache import forget_rounds, voting_districts, voting_round
from pb.voting.services.rounds import (
    FROZEN_FIELDS,
    ROUND_FIELDS,
    add_project,
    create_round,
    delete_project,
    rounds_for,
    set_budget,
    update_project,
    update_round,
    voting_problems,
)
from pb.voting.services.voting_codes import MAX_CODES_PER_BATCH, check_code, code_batches, create_code_batch, find_code

__all__ = [
    "FROZEN_FIELDS",
    "IDEA_IMAGE_TYPES",
    "MAX_CODES_PER_BATCH",
    "ROUND_FIELDS",
    "CastResult",
    "PabulibImportError",
    "ProjectCostError",
    "RegisterFileRefused",
    "RoundRuleError",
    "ScheduledChange",
    "Voter",
    "VotingRefused",
    "account_details_missing",
    "account_voter",
    "add_project",
    "advance_phase",
    "apply_due_phase",
    "assess_idea",
    "assisted_voter",
    "ballot_counts",
    "ballot_of",
    "can_reopen",
    "cast_ballot",
    "check_code",
    "choice_problem",
    "clear_register",
    "close_assisted_session",
    "close_voting",
    "closed_message",
    "closes_early",
    "code_batches",
    "code_district",
    "code_voter",
    "create_code_batch",
    "create_round",
    "declare_details",
    "delete_project",
    "eligible_budgets",
    "enter_paper",
    "find_code",
    "find_paper_sheet",
    "find_receipt",
    "forget_rounds",
    "hand_over_paper",
    "handed_over_to",
    "import_pabulib",
    "import_register",
    "is_old_enough",
    "locked_code",
    "mail_receipt",
    "merge_idea",
    "next_entry_colleagues",
    "not_eligible_message",
    "open_assisted_session",
    "paper_sheets",
    "parse_choices",
    "pending_paper",
    "public_ideas",
    "publish_idea",
    "refusals",
    "refuse_ballot",
    "register_reopen_blocker",
    "register_summary",
    "reopen_blockers",
    "reopen_voting",
    "rounds_for",
    "rounds_to_check",
    "running_total",
    "scheduled_change",
    "set_budget",
    "slot_of",
    "submit_idea",
    "too_young_message",
    "update_project",
    "update_round",
    "voter_ballots",
    "voting_districts",
    "voting_problems",
    "voting_round",
]
