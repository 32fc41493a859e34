"""What several voting pages share: loading a round or budget, session keys and rate limits."""

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy.orm import joinedload

from pb.access import require
from pb.extensions import db, limiter
from pb.voting.models import BudgetRound, RoundBudget

CODE_SESSION = "pb_voting_code"
RECEIPT_SESSION = "pb_voting_receipt"

# Guessing codes or receipts is refused long before it could succeed; casting is limited per address.
code_limit = limiter.limit(lambda: current_app.config["VOTING_CODE_RATE_LIMIT"], methods=["POST"])
ballot_limit = limiter.limit(lambda: current_app.config["VOTING_RATE_LIMIT"], methods=["POST"])


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
