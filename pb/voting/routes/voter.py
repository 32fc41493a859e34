"""The voter's path online: the voting page, declaring details, entering a code, the ballot, the receipt."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access
from pb.auth.eid import eid_enabled
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.transactions import commit
from pb.voting import services
from pb.voting.forms import CodeForm, EligibilityForm
from pb.voting.models import EligibilityMode, VotingCode
from pb.voting.routes.ballot_page import ballot_view, budget_rows
from pb.voting.routes.blueprint import bp
from pb.voting.routes.helpers import (
    CODE_SESSION,
    RECEIPT_SESSION,
    ballot_limit,
    budget_or_404,
    code_limit,
    refuse_code,
    round_or_404,
    voting_round_or_404,
)
from pb.voting.services import VotingRefused


def identify_url(next_path):
    """Where a signed-in resident goes to identify electronically, if the municipality has that."""
    if not (eid_enabled() and current_user.is_authenticated):
        return None
    return url_for("eid.start", next=next_path)


def _code_session(budget_round):
    data = session.get(CODE_SESSION)
    return data if data and data.get("round") == budget_round.id else None


def _online_voter(budget_round, casting=False):
    """The voter of this browser: a code entered here, else the signed-in resident; None if neither.

    ``casting``: the code's row is locked now, as the cast must hold it (one query, not two).
    """
    data = _code_session(budget_round)
    if data is not None:
        code = services.locked_code(data["code"]) if casting else db.session.get(VotingCode, data["code"])
        if code is not None and code.round_id == budget_round.id:
            return services.code_voter(
                budget_round, code, declared_district_id=data.get("district"), owned=data.get("ballots", ())
            )
    if current_user.is_authenticated and current_user.is_verified and not services.account_details_missing(current_user):
        return services.account_voter(budget_round, current_user)
    return None


@bp.route("/<int:round_id>/vote")
@access(Access.PUBLIC)
def vote(round_id):
    budget_round = voting_round_or_404(round_id)
    voter = _online_voter(budget_round)
    needs_details = (
        voter is None and current_user.is_authenticated and current_user.is_verified
        and services.account_details_missing(current_user)
    )
    if needs_details and budget_round.is_voting_open():
        return redirect(url_for("voting.eligibility", round_id=round_id))
    return render_template(
        "voting/vote.html",
        budget_round=budget_round,
        voter=voter,
        by_code=voter is not None and voter.by_code,
        rows=budget_rows(budget_round, voter) if voter is not None and voter.old_enough and not voter.problem else [],
        identify_url=identify_url(url_for("voting.vote", round_id=round_id)),
        voting_open=budget_round.is_voting_open(),
        too_young_message=services.too_young_message(budget_round),
        finish_form=ConfirmForm(),
    )


@bp.route("/<int:round_id>/eligibility", methods=["GET", "POST"])
@access(Access.RESIDENT)
def eligibility(round_id):
    budget_round = round_or_404(round_id, budgets=True)
    form = EligibilityForm(data={"birth_year": current_user.birth_year, "district_id": current_user.district_id})
    # A district ballot already given stays: say so before the resident changes their district.
    district_ballot = next((ballot for ballot in services.voter_ballots(
        budget_round, services.account_voter(budget_round, current_user).key) if ballot.slot == "district"), None)
    if form.validate_on_submit():
        moved = district_ballot is not None and form.district_id.data != district_ballot.budget.district_id
        services.declare_details(current_user, form.birth_year.data, form.district_id.data)
        commit()
        voter = services.account_voter(budget_round, current_user)
        if not voter.old_enough:
            flash(_("Your details were saved.") + " " + services.too_young_message(budget_round), "error")
        elif moved:
            flash(_("Your details were saved. Your ballot in %(area)s stays and counts: you cannot vote in another "
                    "district in this round.", area=district_ballot.budget.display_name), "info")
        else:
            flash(_("Thank you. Your details were saved."), "success")
        return redirect(url_for("voting.vote", round_id=round_id))
    return render_template("voting/eligibility.html", budget_round=budget_round, form=form,
                           district_ballot=district_ballot,
                           identify_url=identify_url(url_for("voting.vote", round_id=round_id)))


@bp.route("/<int:round_id>/code", methods=["GET", "POST"])
@access(Access.PUBLIC)
@code_limit
def code(round_id):
    budget_round = voting_round_or_404(round_id)
    form = CodeForm(districts=services.voting_districts(budget_round))
    if form.validate_on_submit():
        try:
            voting_code = services.check_code(budget_round, form.code.data)
        except VotingRefused as refusal:
            commit()
            refuse_code()
            form.code.errors.append(refusal.message)
            return render_template("voting/code.html", budget_round=budget_round, form=form), refusal.status
        if services.code_district(voting_code) is None and not form.district_id.data and _needs_district(budget_round):
            form.district_id.errors.append(_("Choose your home district. Your code does not say it."))
            return render_template("voting/code.html", budget_round=budget_round, form=form), 422
        session[CODE_SESSION] = {
            "round": budget_round.id, "code": voting_code.id, "district": form.district_id.data, "ballots": [],
        }
        return redirect(url_for("voting.vote", round_id=round_id))
    return render_template("voting/code.html", budget_round=budget_round, form=form)


def _needs_district(budget_round):
    return budget_round.eligibility is not EligibilityMode.ANY_ONE_DISTRICT and bool(budget_round.district_budgets)


@bp.route("/<int:round_id>/code/finish", methods=["POST"])
@access(Access.PUBLIC)
def finish_code(round_id):
    """The code voter is done: forget the code in this browser, so the next person cannot use it."""
    voting_round_or_404(round_id)
    if ConfirmForm().validate_on_submit():
        session.pop(CODE_SESSION, None)
        flash(_("You have finished voting. Thank you!"), "success")
    return redirect(url_for("voting.show", round_id=round_id))


@bp.route("/<int:round_id>/ballot/<int:budget_id>", methods=["GET", "POST"])
@access(Access.PUBLIC)
@ballot_limit
def ballot(round_id, budget_id):
    budget_round = voting_round_or_404(round_id, fresh=request.method == "POST")
    budget = budget_or_404(budget_round, budget_id)
    voter = _online_voter(budget_round, casting=request.method == "POST")
    if voter is None:
        return redirect(url_for("voting.vote", round_id=round_id))

    def after_cast(ballot_id):
        data = session.get(CODE_SESSION)
        if data and data.get("round") == round_id and voter.by_code:
            data["ballots"] = sorted(set(data.get("ballots", [])) | {ballot_id})
            session[CODE_SESSION] = data
        return redirect(url_for("voting.saved", round_id=round_id, budget_id=budget_id))

    return ballot_view(
        budget_round, budget, voter,
        post_url=url_for("voting.ballot", round_id=round_id, budget_id=budget_id),
        back_url=url_for("voting.vote", round_id=round_id),
        after_cast=after_cast,
    )


def _pop_receipt(budget_id):
    data = session.get(RECEIPT_SESSION)
    if data and data.get("budget") == budget_id:
        session.pop(RECEIPT_SESSION)
        return data
    return None


@bp.route("/<int:round_id>/ballot/<int:budget_id>/saved")
@access(Access.PUBLIC)
def saved(round_id, budget_id):
    budget_round = voting_round_or_404(round_id)
    budget = budget_or_404(budget_round, budget_id)
    data = _pop_receipt(budget_id)
    if data is None:
        return redirect(url_for("voting.vote", round_id=round_id))
    return render_template("voting/saved.html", budget_round=budget_round, budget=budget, receipt=data,
                           next_url=url_for("voting.vote", round_id=round_id))
