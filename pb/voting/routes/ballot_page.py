"""The ballot page, shared by online voting (``voter``) and assisted voting (``staff_channels``)."""

from flask import abort, flash, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user

from pb.codes import formatted
from pb.transactions import commit
from pb.voting import codes, services
from pb.voting.forms import BallotForm
from pb.voting.models import BallotFormat, Channel, shuffled
from pb.voting.routes.helpers import RECEIPT_SESSION
from pb.voting.services import VotingRefused

# After these refusals the voter cannot send a ballot here at all, so the form is not shown again.
FINAL_REFUSALS = frozenset({
    "voting_closed", "too_young", "forged_district", "cross_channel_duplicate", "code_reused", "other_district_voted",
    "identity_already_voted", "identity_required", "not_on_register",
})


def _render_ballot(budget_round, budget, voter, *, post_url, selection, version, error=None, status=200,
                   back_url, existing=None, show_form=True):
    seed = existing.order_seed if existing is not None else codes.order_seed(voter.key, budget.id)
    total = services.running_total(budget, selection)
    return (
        render_template(
            "voting/ballot.html",
            budget_round=budget_round,
            budget=budget,
            projects=shuffled(budget.projects, seed),
            selection=selection,
            total=total,
            points_used=sum(selection.values()),
            version=version,
            form=BallotForm(formdata=None, data={"version": "" if version is None else str(version)}),
            error=error,
            post_url=post_url,
            back_url=back_url,
            show_form=show_form and budget_round.is_voting_open(),
            assisted=voter.channel is Channel.ASSISTED,
            changing=existing is not None,
            formats=BallotFormat,
        ),
        status,
    )


def ballot_view(budget_round, budget, voter, *, post_url, back_url, after_cast):
    """GET shows the voter's ballot; POST updates the total or casts it. Shared by online and assisted voting.

    ``after_cast(ballot_id)`` gives the response once a ballot is stored and committed.
    """
    render = {"post_url": post_url, "back_url": back_url}
    if request.method == "GET":
        existing = services.ballot_of(budget, voter.key)
        usable = existing is not None and existing.channel is voter.channel and (
            not voter.by_code or existing.id in voter.owned_ballot_ids
        )
        if not budget_round.is_voting_open():
            flash(_("Voting is not open."), "error")
            return redirect(back_url)
        if voter.problem is not None:
            return _render_ballot(budget_round, budget, voter, selection={}, version=None, error=voter.problem[1], status=403, show_form=False, **render)
        if not voter.old_enough:
            return _render_ballot(budget_round, budget, voter, selection={}, version=None, error=services.too_young_message(budget_round), status=403, show_form=False, **render)
        if budget not in services.eligible_budgets(budget_round, voter):
            return _render_ballot(budget_round, budget, voter, selection={}, version=None, error=services.not_eligible_message(), status=403, show_form=False, **render)
        if existing is not None and not usable:
            message = _("A ballot has already been given in this budget with this code or in another way. Only one ballot counts.")
            return _render_ballot(budget_round, budget, voter, selection={}, version=None, error=message, status=409, show_form=False, **render)
        return _render_ballot(
            budget_round, budget, voter, existing=existing, version=existing.version if existing else None,
            selection=existing.points_by_project() if existing else {}, **render,
        )
    # CSRFProtect has checked the token of this POST already (every POST of the site): not twice.
    form = BallotForm(meta={"csrf": False})
    if not form.validate_on_submit():
        abort(400)
    choices = {}
    try:
        choices = services.parse_choices(budget_round, budget, request.form)
        if request.form.get("action") == "update":
            existing = services.ballot_of(budget, voter.key)
            return _render_ballot(budget_round, budget, voter, selection=choices, version=form.expected_version(), existing=existing, **render)
        result = services.cast_ballot(voter, budget, choices, expected_version=form.expected_version(),
                                      actor=current_user if voter.channel is not Channel.ONLINE else None)
    except VotingRefused as refusal:
        commit()  # the audit row of the refused attempt; nothing of the ballot was written
        existing = services.ballot_of(budget, voter.key)
        if existing is not None and refusal.reason == "replayed":
            return _render_ballot(budget_round, budget, voter, existing=existing, version=existing.version, selection=existing.points_by_project(), error=refusal.message, status=refusal.status, **render)
        return _render_ballot(budget_round, budget, voter, existing=existing, version=form.expected_version(), selection=choices, error=refusal.message, status=refusal.status,
                              show_form=refusal.reason not in FINAL_REFUSALS, **render)
    ballot_id, budget_id = result.ballot_id, budget.id
    mailed = voter.channel is Channel.ONLINE and not voter.by_code and bool(current_user.is_authenticated and current_user.email)
    if mailed:
        services.mail_receipt(current_user, budget_round, budget, formatted(result.receipt), result.changed)
    commit()
    session[RECEIPT_SESSION] = {"budget": budget_id, "receipt": formatted(result.receipt), "changed": result.changed,
                                "mailed": mailed}
    return after_cast(ballot_id)


def budget_rows(budget_round, voter):
    """``(budget, the voter's ballot there or None)`` for each budget the voter may vote in: one query."""
    ballots = {ballot.round_budget_id: ballot for ballot in services.voter_ballots(budget_round, voter.key)}
    return [(budget, ballots.get(budget.id)) for budget in services.eligible_budgets(budget_round, voter)]
