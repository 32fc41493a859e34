"""The ranking and its CSV, meetings (prepare, start, decide, close), the minutes (page and PDF),
signing them, and the official's confirmation of each decision."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from pb.access import Access, access, require
from pb.calls.models import CallStatus
from pb.forms import ConfirmForm
from pb.proposals.models import DecisionOutcome
from pb.review.forms import CloseMeetingForm, ConfirmDecisionForm, DecisionForm, MeetingForm, member_choices
from pb.review.models import MeetingStatus
from pb.review.routes.blueprint import bp
from pb.review.routes.common import (
    call_or_403,
    download,
    item_or_404,
    meeting_or_403,
    pdf_response,
    refused,
)
from pb.review.services import common, conflicts, meetings, ranking
from pb.review.services.common import ReviewRuleError
from pb.transactions import commit


@bp.route("/review/calls/<int:call_id>/ranking")
@access(Access.SIGNED_IN)
def ranking_table(call_id):
    call = call_or_403(call_id)
    return render_template("review/ranking.html", call=call, rows=ranking.ranking(call, current_user))


@bp.route("/review/calls/<int:call_id>/ranking.csv")
@access(Access.SIGNED_IN)
def ranking_csv(call_id):
    call = call_or_403(call_id)
    return download(ranking.ranking_csv(call, current_user), "text/csv; charset=utf-8", f"call-{call.id}-ranking.csv")


@bp.route("/review/calls/<int:call_id>/meetings")
@access(Access.SIGNED_IN)
def meeting_list(call_id):
    call = call_or_403(call_id)
    return render_template("review/meetings.html", call=call, meetings=meetings.meetings_of(call))


def _meeting_form(call, formdata=True):
    form = MeetingForm() if formdata else MeetingForm(formdata=None)
    group = call.steering_group
    members = sorted(group.members, key=lambda m: m.user.display_name.lower()) if group is not None else []
    form.attendees.choices = member_choices(members, with_role=True)
    form.chair_id.choices = member_choices(members)
    rows = ranking.ranking(call)
    available = {p.id for p in meetings.open_for_agenda(call)}
    form.proposals.choices = [SelectChoice(row.proposal.id, row.proposal.title) for row in rows if row.proposal.id in available]
    if not formdata:
        chairs = [m.user_id for m in members if m.role.value == "chair"]
        form.attendees.data = [m.user_id for m in members]
        form.chair_id.data = chairs[0] if chairs else None
        form.proposals.data = [choice.value for choice in form.proposals.choices]
    return form


@bp.route("/review/calls/<int:call_id>/meetings/new", methods=["GET", "POST"])
@access(Access.STAFF)
def new_meeting(call_id):
    call = call_or_403(call_id)
    if call.effective_status() is not CallStatus.IN_REVIEW:
        flash(_("A decision meeting can be prepared only while the call is in review."), "error")
        return redirect(url_for("review.call", call_id=call.id))
    form = _meeting_form(call, formdata=request.method == "POST")
    problems = []
    # The proposal ids are checked by the service, so a forged one is refused with a message and audited.
    form.proposals.pre_validate = lambda _form: None
    if form.validate_on_submit():
        try:
            meeting = meetings.prepare(
                current_user, call, form.held_at.data, form.place.data or "", form.attendees.data or [],
                form.chair_id.data, form.proposals.data or [],
            )
        except ReviewRuleError as error:
            problems = refused(error, "prepare_meeting", call)
        else:
            commit()
            flash(_("The meeting was prepared."), "success")
            return redirect(url_for("review.meeting", meeting_id=meeting.id))
    status = 422 if request.method == "POST" else 200
    return render_template("review/meeting_form.html", call=call, form=form, problems=problems), status


def _meeting_page(meeting, problems=(), status=200):
    call = meeting.call
    rows = {row.proposal.id: row for row in ranking.ranking(call, current_user)}
    return render_template(
        "review/meeting.html",
        meeting=meeting,
        call=call,
        rows=rows,
        recused={item.id for item in meeting.items if common.is_recused(item.proposal, current_user)},
        can_chair=meetings.can_chair(meeting, current_user),
        is_chair=current_user.id == meeting.chair_id,
        approved_total=meetings.approved_total(call),
        button_form=ConfirmForm(formdata=None),
        problems=list(problems),
    ), status


@bp.route("/review/meetings/<int:meeting_id>")
@access(Access.SIGNED_IN)
def meeting(meeting_id):
    return _meeting_page(meeting_or_403(meeting_id))


@bp.route("/review/meetings/<int:meeting_id>/start", methods=["POST"])
@access(Access.SIGNED_IN)
def start_meeting(meeting_id):
    meeting = meeting_or_403(meeting_id)
    require(meetings.can_chair(meeting, current_user))
    if not ConfirmForm().validate_on_submit():
        return _meeting_page(meeting, [_("The meeting could not be started. Please try again.")], 422)
    try:
        meetings.start(current_user, meeting)
    except ReviewRuleError as error:
        return _meeting_page(meeting, refused(error, "start_meeting", meeting), 409)
    commit()
    flash(_("The meeting has started. The reviews can no longer be changed."), "success")
    return redirect(url_for("review.meeting", meeting_id=meeting.id))


def _decision_page(meeting, item, form, problems=(), status=200):
    row = {r.proposal.id: r for r in ranking.ranking(meeting.call, current_user)}.get(item.proposal_id)
    return render_template(
        "review/decide.html", meeting=meeting, item=item, proposal=item.proposal, form=form, row=row,
        problems=list(problems), approved_total=meetings.approved_total(meeting.call, leaving_out=item),
    ), status


@bp.route("/review/meetings/<int:meeting_id>/items/<int:item_id>", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def decide(meeting_id, item_id):
    meeting = meeting_or_403(meeting_id)
    item = item_or_404(meeting, item_id)
    require(meetings.can_chair(meeting, current_user) and common.can_open(item.proposal, current_user))
    if meeting.status is not MeetingStatus.IN_PROGRESS:
        flash(_("Decisions are recorded only while the meeting is in progress."), "error")
        return redirect(url_for("review.meeting", meeting_id=meeting.id))
    if request.method == "GET":
        data = {
            "outcome": item.outcome.value if item.outcome else None,
            "amount": item.amount_cents if item.outcome is DecisionOutcome.APPROVED_REDUCED else None,
            "conditions": item.conditions, "reasons": item.reasons, "over_budget_reason": item.over_budget_reason,
        }
        return _decision_page(meeting, item, DecisionForm(formdata=None, data=data))
    form = DecisionForm()
    if not form.validate_on_submit():
        return _decision_page(meeting, item, form, status=422)
    try:
        meetings.decide(
            current_user, item, DecisionOutcome(form.outcome.data), form.amount.data, form.conditions.data or "",
            form.reasons.data or "", form.over_budget_reason.data or "",
        )
    except ReviewRuleError as error:
        return _decision_page(meeting, item, form, refused(error, "decide", item.proposal), 422)
    commit()
    flash(_("The decision was recorded."), "success")
    return redirect(url_for("review.meeting", meeting_id=meeting.id))


@bp.route("/review/meetings/<int:meeting_id>/close", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def close_meeting(meeting_id):
    meeting = meeting_or_403(meeting_id)
    require(meetings.can_chair(meeting, current_user))
    if meeting.status is not MeetingStatus.IN_PROGRESS:
        flash(_("Only a meeting in progress can be closed."), "error")
        return redirect(url_for("review.meeting", meeting_id=meeting.id))
    form = CloseMeetingForm()
    problems = []
    if form.validate_on_submit():
        try:
            meetings.close(current_user, meeting, form.notes.data or "")
        except ReviewRuleError as error:
            problems = refused(error, "close_meeting", meeting)
        else:
            commit()
            flash(_("The meeting was closed. The chair can now check and sign the minutes."), "success")
            return redirect(url_for("review.minutes", meeting_id=meeting.id))
    status = 422 if request.method == "POST" else 200
    return render_template("review/close.html", meeting=meeting, form=form, problems=problems), status


def _minutes_context(meeting):
    call = meeting.call
    proposal_ids = [item.proposal_id for item in meeting.items]
    register = [row for row in conflicts.register(call) if row.proposal_id in proposal_ids and row.has_conflict]
    return {"meeting": meeting, "call": call, "register": register}


@bp.route("/review/meetings/<int:meeting_id>/minutes")
@access(Access.SIGNED_IN)
def minutes(meeting_id):
    meeting = meeting_or_403(meeting_id)
    return render_template(
        "review/minutes.html", printable=False, sign_form=ConfirmForm(formdata=None),
        is_chair=current_user.id == meeting.chair_id, **_minutes_context(meeting),
    )


@bp.route("/review/meetings/<int:meeting_id>/minutes.pdf")
@access(Access.SIGNED_IN)
def minutes_pdf(meeting_id):
    meeting = meeting_or_403(meeting_id)
    return pdf_response("review/minutes.html", f"minutes-{meeting.id}.pdf", is_chair=False, **_minutes_context(meeting))


@bp.route("/review/meetings/<int:meeting_id>/sign", methods=["POST"])
@access(Access.SIGNED_IN)
def sign_minutes(meeting_id):
    meeting = meeting_or_403(meeting_id)
    require(current_user.id == meeting.chair_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The minutes could not be signed. Please try again."), "error")
        return redirect(url_for("review.minutes", meeting_id=meeting.id))
    try:
        meetings.sign(current_user, meeting)
    except ReviewRuleError as error:
        for message in refused(error, "sign_minutes", meeting):
            flash(message, "error")
        return redirect(url_for("review.minutes", meeting_id=meeting.id))
    commit()
    flash(_("The minutes were signed and can no longer be changed. The applicants were told the decisions in force."),
          "success")
    return redirect(url_for("review.minutes", meeting_id=meeting.id))


@bp.route("/review/meetings/<int:meeting_id>/items/<int:item_id>/confirm", methods=["GET", "POST"])
@access(Access.STAFF)
def confirm_decision(meeting_id, item_id):
    """The official (viranhaltija) confirms or changes a decision the steering group proposed."""
    meeting = meeting_or_403(meeting_id)
    item = item_or_404(meeting, item_id)
    require(common.can_open(item.proposal, current_user))
    if not item.needs_confirmation or not meeting.is_locked:
        flash(_("This decision needs no confirmation now."), "info")
        return redirect(url_for("review.minutes", meeting_id=meeting.id))
    form = ConfirmDecisionForm()
    problems = []
    if form.validate_on_submit():
        changed = form.action.data == "change"
        outcome = DecisionOutcome(form.outcome.data) if form.outcome.data else None
        try:
            meetings.confirm(current_user, item, changed, outcome, form.amount.data, form.reasons.data or "")
        except ReviewRuleError as error:
            problems = refused(error, "confirm_decision", item.proposal)
        else:
            commit()
            flash(_("Your decision as the official was recorded and the applicant was told."), "success")
            return redirect(url_for("review.minutes", meeting_id=meeting.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "review/confirm.html", meeting=meeting, item=item, proposal=item.proposal, form=form, problems=problems
    ), status
