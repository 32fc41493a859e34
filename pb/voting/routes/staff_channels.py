"""Staff pages for the other ways to vote: printed codes, assisted voting, paper ballots, refusals."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pb.access import Access, access, require
from pb.auth.identity import IdentityError
from pb.auth.models import User
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.transactions import commit
from pb.voting import services
from pb.voting.forms import AssistedForm, CodeBatchForm, PaperForm, PaperHandOverForm
from pb.voting.models import AssistedSession, BallotFormat, Channel, PaperBallot, PaperStatus
from pb.voting.routes.ballot_page import ballot_view, budget_rows
from pb.voting.routes.blueprint import bp
from pb.voting.routes.helpers import RECEIPT_SESSION, budget_or_404, manage_round
from pb.voting.services import RoundRuleError, VotingRefused


@bp.route("/manage/<int:round_id>/codes", methods=["GET", "POST"])
@access(Access.STAFF)
def codes_page(round_id):
    budget_round = manage_round(round_id)
    form = CodeBatchForm()
    if form.validate_on_submit():
        try:
            batch, plain = services.create_code_batch(
                current_user, budget_round, form.label.data, form.size.data, form.district_id.data
            )
        except RoundRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            # The only time the codes exist in plain text: printed from this response, never stored.
            response = current_app.make_response(
                render_template("voting/codes_print.html", budget_round=budget_round, batch=batch, codes=plain)
            )
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template("voting/codes.html", budget_round=budget_round, form=form,
                           batches=services.code_batches(budget_round))


# --- staff: assisted voting ------------------------------------------------------------------


def _assisted_or_404(session_id):
    assisted = db.get_or_404(AssistedSession, session_id)
    require(assisted.can_use(current_user))
    return assisted


@bp.route("/manage/<int:round_id>/assisted", methods=["GET", "POST"])
@access(Access.STAFF)
def assisted_new(round_id):
    budget_round = manage_round(round_id)
    form = AssistedForm()
    if form.validate_on_submit():
        try:
            assisted = services.open_assisted_session(
                current_user, budget_round, location=form.location.data, identified_by=form.identified_by.data,
                email=form.email.data, code_text=form.code.data, personal_code=form.personal_code.data,
                birth_year=form.birth_year.data, district_id=form.district_id.data,
                age_checked=form.age_checked.data, residence_checked=form.residence_checked.data,
            )
        except IdentityError as error:
            form.personal_code.errors.append(str(error))
            return render_template("voting/assisted_new.html", budget_round=budget_round, form=form), 422
        except RoundRuleError as error:
            form[error.field or "identified_by"].errors.append(str(error))
            return render_template("voting/assisted_new.html", budget_round=budget_round, form=form), 422
        except VotingRefused as refusal:
            commit()
            form[_assisted_refusal_field(refusal.reason, form)].errors.append(refusal.message)
            return render_template("voting/assisted_new.html", budget_round=budget_round, form=form), refusal.status
        commit()
        return redirect(url_for("voting.assisted_session", session_id=assisted.id))
    return render_template("voting/assisted_new.html", budget_round=budget_round, form=form)


# The field of the assisted-vote form each refusal is about; the rest concern the whole vote.
ASSISTED_REFUSAL_FIELDS = {
    "code_unknown": "code",
    "code_reused": "code",
    "cross_channel_duplicate": "code",
    "code_of_another_person": "code",
    "forged_district": "district_id",
    "identity_already_voted": "personal_code",
    "other_district_voted": "personal_code",
    "not_on_register": "personal_code",
    "identity_required": "personal_code",
}


def _assisted_refusal_field(reason, form):
    if reason == "too_young":  # the age came from the identity code, or from the year of birth typed
        return "personal_code" if form.personal_code.data else "birth_year"
    return ASSISTED_REFUSAL_FIELDS.get(reason, "identified_by")


@bp.route("/manage/assisted/<int:session_id>")
@access(Access.STAFF)
def assisted_session(session_id):
    assisted = _assisted_or_404(session_id)
    voter = services.assisted_voter(assisted)
    receipt = session.pop(RECEIPT_SESSION, None)
    return render_template(
        "voting/assisted_session.html", assisted=assisted, budget_round=assisted.round,
        rows=budget_rows(assisted.round, voter), receipt=receipt, confirm=ConfirmForm(),
    )


@bp.route("/manage/assisted/<int:session_id>/ballot/<int:budget_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def assisted_ballot(session_id, budget_id):
    assisted = _assisted_or_404(session_id)
    budget = budget_or_404(assisted.round, budget_id)
    return ballot_view(
        assisted.round, budget, services.assisted_voter(assisted),
        post_url=url_for("voting.assisted_ballot", session_id=session_id, budget_id=budget_id),
        back_url=url_for("voting.assisted_session", session_id=session_id),
        after_cast=lambda _ballot_id: redirect(url_for("voting.assisted_session", session_id=session_id)),
    )


@bp.route("/manage/assisted/<int:session_id>/close", methods=["POST"])
@access(Access.STAFF)
def assisted_close(session_id):
    assisted = _assisted_or_404(session_id)
    if ConfirmForm().validate_on_submit():
        services.close_assisted_session(current_user, assisted)
        commit()
        flash(_("The assisted voting session was closed."), "success")
    return redirect(url_for("voting.manage", round_id=assisted.round_id))


# --- staff: paper ballots --------------------------------------------------------------------


@bp.route("/manage/<int:round_id>/paper", methods=["GET", "POST"])
@access(Access.STAFF)
def paper(round_id):
    """The paper ballots of a round; a POST hands one waiting ballot to a named colleague."""
    budget_round = manage_round(round_id)
    hand_over_errors = {}
    if request.method == "POST":
        form = PaperHandOverForm()
        sheet = db.session.get(PaperBallot, form.sheet_id.data) if form.sheet_id.data else None
        if sheet is None or sheet.round_id != budget_round.id:
            abort(404)
        colleague = db.session.get(User, form.colleague_id.data) if form.colleague_id.data else None
        try:
            if not form.validate_on_submit():
                raise RoundRuleError(*(form.colleague_id.errors or form.errors.get("csrf_token", [])))
            services.hand_over_paper(current_user, sheet, colleague)
        except RoundRuleError as error:
            hand_over_errors[sheet.id] = str(error)
        else:
            commit()
            flash(_("Ballot %(batch)s / %(row)s was handed to %(name)s, who got a mail about it.",
                    batch=sheet.batch, row=sheet.row, name=colleague.display_name), "success")
            return redirect(url_for("voting.paper", round_id=round_id))
    sheets = services.paper_sheets(budget_round)
    waiting = [sheet for sheet in sheets if sheet.status in (PaperStatus.AWAITING_SECOND, PaperStatus.MISMATCH)]
    return render_template(
        "voting/paper.html", budget_round=budget_round, sheets=sheets, statuses=PaperStatus, waiting=waiting,
        colleagues={sheet.id: services.next_entry_colleagues(sheet) for sheet in waiting},
        handed_to=services.handed_over_to(waiting), hand_over_errors=hand_over_errors,
    ), 422 if hand_over_errors else 200


@bp.route("/manage/<int:round_id>/paper/<int:budget_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def paper_entry(round_id, budget_id):
    budget_round = manage_round(round_id)
    budget = budget_or_404(budget_round, budget_id)
    form = PaperForm(data={"batch": request.args.get("batch", ""), "row": request.args.get("row", type=int)})
    sheet = services.find_paper_sheet(budget_round, request.args.get("batch"), request.args.get("row", type=int))
    selection, project_errors = {}, []

    def page(status=200):
        return render_template(
            "voting/paper_entry.html", budget_round=budget_round, budget=budget, form=form, selection=selection,
            formats=BallotFormat, sheet=sheet, project_errors=project_errors,
            entered_already=sheet is not None and any(entry.entered_by_id == current_user.id for entry in sheet.entries),
        ), status

    if form.validate_on_submit():
        try:
            selection = services.parse_choices(budget_round, budget, request.form)
            sheet = services.enter_paper(
                current_user, budget_round, batch=form.batch.data, row=form.row.data, budget=budget,
                code_text=form.code.data, choices=selection,
            )
        except (RoundRuleError, VotingRefused) as error:
            if isinstance(error, VotingRefused):
                commit()  # the refused attempt stays in the audit log
            # Unreadable points (VotingRefused) are about the projects; a rule names its field.
            field = "projects" if isinstance(error, VotingRefused) else (error.field or "code")
            message = error.message if isinstance(error, VotingRefused) else str(error)
            if field == "projects":
                project_errors.append(message)
            else:
                form[field].errors.append(message)
            sheet = None
            return page(422)
        commit()
        flash(_paper_message(sheet), "error" if sheet.status in (PaperStatus.MISMATCH, PaperStatus.REFUSED) else "success")
        return redirect(url_for("voting.paper_entry", round_id=round_id, budget_id=budget_id, batch=sheet.batch))
    return page()


def _paper_message(sheet):
    where = {"batch": sheet.batch, "row": sheet.row}
    if sheet.status is PaperStatus.AWAITING_SECOND:
        return _("Ballot %(batch)s / %(row)s saved. Another person must now enter it a second time.", **where)
    if sheet.status is PaperStatus.MISMATCH:
        return _("Ballot %(batch)s / %(row)s: the two entries differ. A third person must look at the paper and enter it.", **where)
    if sheet.status is PaperStatus.COUNTED:
        return _("Ballot %(batch)s / %(row)s: both entries match. The ballot is counted.", **where)
    return _("Ballot %(batch)s / %(row)s is not counted: %(reason)s.", reason=refusal_label(sheet.refusal_reason), **where)


REFUSAL_LABELS = {
    "voting_closed": _l("Voting was not open"),
    "too_young": _l("Too young to vote"),
    "forged_district": _l("Not allowed to vote in this budget"),
    "unknown_project": _l("A project that is not on this ballot"),
    "empty": _l("No project chosen"),
    "over_choices": _l("Too many projects chosen"),
    "over_budget": _l("The projects cost more than the budget"),
    "too_many_points": _l("Too many points given"),
    "bad_points": _l("Points were not whole numbers"),
    "code_unknown": _l("Unknown voting code"),
    "code_reused": _l("The voting code was already used"),
    "cross_channel_duplicate": _l("The same voter already voted in another way"),
    "replayed": _l("The same form was sent twice, or from an old page"),
    "other_district_voted": _l("The voter already voted in another district"),
    "identity_already_voted": _l("The same person already voted (identity code)"),
    "identity_required": _l("The voter's identity was not verified"),
    "not_on_register": _l("Not on the register of residents who can vote"),
    "code_of_another_person": _l("The code letter was sent to another person"),
}

# The refusals that show one person trying to vote twice.
DUPLICATE_REASONS = {
    "cross_channel_duplicate", "code_reused", "other_district_voted", "identity_already_voted", "code_of_another_person",
}


def refusal_label(reason):
    return str(REFUSAL_LABELS.get(reason, _l("Other reason")))


@bp.app_template_filter("refusal_label")
def refusal_label_filter(reason):
    return refusal_label(reason)


@bp.route("/manage/<int:round_id>/duplicates")
@access(Access.STAFF)
def duplicates(round_id):
    budget_round = manage_round(round_id)
    budget_names = {budget.id: budget.display_name for budget in budget_round.budgets}
    return render_template(
        "voting/duplicates.html",
        budget_round=budget_round,
        duplicates=services.refusals(budget_round, DUPLICATE_REASONS),
        others=services.refusals(budget_round),
        refused_paper=services.paper_sheets(budget_round, PaperStatus.REFUSED),
        budget_names=budget_names,
        channel_labels=dict(Channel.choices()),
    )
