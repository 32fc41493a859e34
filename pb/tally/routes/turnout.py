"""Staff's live turnout of a round: figures by voter group follow the secrecy rule, except for auditors."""

from flask import render_template, url_for
from flask_login import current_user

from pb.access import Access, access, require
from pb.extensions import db
from pb.tally.routes.blueprint import CHANNEL_LABELS, REFRESH_SECONDS, age_labels, bp
from pb.voting.models import BudgetRound
from pb.voting.services.turnout import is_shown, live_turnout, percent, secrecy_minimum


def _turnout_context(budget_round):
    minimum = secrecy_minimum(current_user)
    return {
        "budget_round": budget_round,
        "turnout": live_turnout(budget_round, minimum=minimum),
        "minimum_group": minimum,
        "channel_labels": CHANNEL_LABELS,
        "age_labels": age_labels(),
        "voting_open": budget_round.is_voting_open(),
        "refresh_url": url_for("tally.turnout_fragment", round_id=budget_round.id),
        "refresh_seconds": REFRESH_SECONDS,
        "percent": percent,
        "is_shown": is_shown,
    }


@bp.route("/manage/rounds/<int:round_id>/turnout")
@access(Access.STAFF)
def turnout(round_id):
    budget_round = db.get_or_404(BudgetRound, round_id)
    require(budget_round.can_manage(current_user))
    return render_template("tally/turnout.html", **_turnout_context(budget_round))


@bp.route("/manage/rounds/<int:round_id>/turnout/fragment")
@access(Access.STAFF)
def turnout_fragment(round_id):
    """The turnout tables as an HTML fragment, refreshed every 30 seconds by static/js/turnout.js."""
    budget_round = db.get_or_404(BudgetRound, round_id)
    require(budget_round.can_manage(current_user))
    return render_template("tally/_turnout.html", **_turnout_context(budget_round))
