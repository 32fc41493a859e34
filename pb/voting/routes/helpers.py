"""What several voting pages share: loading a round or budget, session keys and rate limits."""

from flask import abort, current_app, g, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user
from sqlalchemy.orm import joinedload

from pb.access import require
from pb.codes import app_key, keyed_hash
from pb.extensions import db, limiter
from pb.voting import services
from pb.voting.models import BudgetRound, RoundBudget

CODE_SESSION = "pb_voting_code"
RECEIPT_SESSION = "pb_voting_receipt"


# Rate limits that suit shared addresses: a school class or a pop-up point votes from one address.
# Codes and receipts: wrong ones are limited per address (guessing is refused long before it could
# succeed) and every entry of one code is limited per code; right codes from one address are not
# limited. Ballots: per voter (account or code), and generously per address.


def refuse_code():
    """Count this request as a wrong code or receipt for the per-address limit."""
    g.voting_code_refused = True


def _code_refused(_response):
    return g.get("voting_code_refused", False)


def _typed_code():
    typed = request.form.get("code") or request.form.get("receipt") or ""
    # Keyed: the limiter's storage and its log lines hold no usable code.
    return "code:" + keyed_hash(app_key(), "pb.voting.limit", typed)[:32]


def _voter():
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    code_session = session.get(CODE_SESSION) or {}
    return f"code:{code_session['code']}" if code_session.get("code") else get_remote_address()


def _both(*limits):
    def decorator(view):
        for limit in reversed(limits):
            view = limit(view)
        return view

    return decorator


code_limit = _both(
    limiter.shared_limit(
        lambda: current_app.config["VOTING_CODE_RATE_LIMIT"], "voting-code-by-address",
        methods=["POST"], deduct_when=_code_refused,
    ),
    limiter.shared_limit(
        lambda: current_app.config["VOTING_CODE_PER_CODE_RATE_LIMIT"], "voting-code-by-code",
        key_func=_typed_code, methods=["POST"],
    ),
)
ballot_limit = _both(
    limiter.limit(lambda: current_app.config["VOTING_RATE_LIMIT"], methods=["POST"]),
    limiter.limit(lambda: current_app.config["VOTING_VOTER_RATE_LIMIT"], key_func=_voter, methods=["POST"]),
)


def round_or_404(round_id, budgets=False):
    """The round; with ``budgets``, also its budgets and their districts, in the same query.

    The voting pages read every budget of the round and its district's name: one joined
    query instead of one for the budgets and one per district.
    """
    options = [joinedload(BudgetRound.budgets).joinedload(RoundBudget.district)] if budgets else []
    budget_round = db.session.get(BudgetRound, round_id, options=options)
    if budget_round is None or not budget_round.can_view(current_user):
        abort(404)
    return budget_round


def voting_round_or_404(round_id, fresh=False):
    """The round for the voter's pages, with its budgets, districts and projects.

    A frozen round is this process's read-only copy (:mod:`pb.voting.services.round_cache`): a
    visit's requests do not load the same set-up again each time. ``fresh`` before storing a ballot.
    """
    budget_round = services.voting_round(round_id, fresh=fresh)
    if budget_round is None or not budget_round.can_view(current_user):
        abort(404)
    return budget_round


def budget_or_404(budget_round, budget_id):
    # Through the round's budgets: the ballot pages need them all anyway (one query, not two).
    budget = next((budget for budget in budget_round.budgets if budget.id == budget_id), None)
    if budget is None:
        abort(404)
    return budget


def manage_round(round_id):
    budget_round = db.get_or_404(BudgetRound, round_id)
    require(budget_round.can_manage(current_user))
    return budget_round
