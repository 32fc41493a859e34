"""Reviewers' pages: my review work, a call's review overview, declarations, the scoring sheet,
paper reviews entered by staff, assignments, the conflict register, and the printable review pack."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.calls.models import CallStatus, FundingCall
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.proposals import exports
from pb.review.forms import (
    AssignForm,
    DeclarationForm,
    OverrideForm,
    member_choices,
    review_form_class,
    review_form_data,
)
from pb.review.models import ConflictDeclaration
from pb.review.routes.blueprint import bp
from pb.review.routes.common import call_or_403, pdf_response, proposal_or_403, refused
from pb.review.services import common, conflicts, progress, reviews
from pb.review.services.common import ReviewRuleError
from pb.steering.models import SteeringMember
from pb.steering.services import memberships_of
from pb.transactions import commit


@bp.route("/review/")
@access(Access.SIGNED_IN)
def index():
    """The calls whose review the person takes part in (staff: every call past its deadline)."""
    group_ids = {member.group_id for member in memberships_of(current_user)}
    query = db.select(FundingCall).where(
        FundingCall.status.in_([CallStatus.CLOSED, CallStatus.IN_REVIEW, CallStatus.DECIDED, CallStatus.ARCHIVED])
    )
    calls = [
        call for call in db.session.execute(query.order_by(FundingCall.id.desc())).scalars()
        if current_user.is_staff or call.steering_group_id in group_ids
    ]
    return render_template("review/index.html", calls=calls)


@bp.route("/review/calls/<int:call_id>")
@access(Access.SIGNED_IN)
def call(call_id):
    call = call_or_403(call_id)
    status = call.effective_status()
    # Before the review starts (a closed call being screened) there is nothing to open yet.
    proposals = common.reviewable_proposals(call) if status in common.REVIEW_STATUSES else []
    member = common.membership(call, current_user)
    mine = [(p, progress.state_of(p, current_user)) for p in proposals] if member is not None else []
    members, _proposals, table = progress.progress(call) if current_user.is_staff and proposals else ([], [], {})
    return render_template(
        "review/call.html",
        call=call,
        status=status,
        proposals=proposals,
        member=member,
        mine=mine,
        members=members,
        table=table,
        recused_ids={p.id for p in proposals if common.is_recused(p, current_user)},
    )


@bp.route("/review/calls/<int:call_id>/conflicts")
@access(Access.SIGNED_IN)
def conflict_register(call_id):
    call = call_or_403(call_id)
    return _register_page(call)


def _register_page(call, override_forms=None, problems=(), status=200):
    rows = conflicts.register(call)
    forms = {row.id: OverrideForm(formdata=None, prefix=f"override-{row.id}") for row in rows if row.recused}
    forms.update(override_forms or {})
    return render_template(
        "review/conflicts.html", call=call, rows=rows, override_forms=forms, problems=list(problems)
    ), status


@bp.route("/review/conflicts/<int:conflict_id>/override", methods=["POST"])
@access(Access.STAFF)
def override_conflict(conflict_id):
    row = db.get_or_404(ConflictDeclaration, conflict_id)
    call = row.proposal.call
    form = OverrideForm(prefix=f"override-{row.id}")
    if not form.validate_on_submit():
        return _register_page(call, {row.id: form}, status=422)
    try:
        conflicts.override(current_user, row, form.reason.data)
    except ReviewRuleError as error:
        return _register_page(call, {row.id: form}, refused(error, "override", row.proposal), status=422)
    commit()
    flash(_("The recusal was lifted. The reason is in the register and the minutes."), "success")
    return redirect(url_for("review.conflict_register", call_id=call.id))


@bp.route("/review/proposals/<int:proposal_id>/declare", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def declare(proposal_id):
    proposal = proposal_or_403(proposal_id)
    if common.declaration(proposal, current_user) is not None:
        return redirect(url_for("review.proposal", proposal_id=proposal.id))
    require(common.is_reviewer(proposal, current_user))
    form = DeclarationForm()
    problems = []
    if form.validate_on_submit():
        try:
            row = conflicts.declare(current_user, proposal, current_user, form.has_conflict.data == "yes", form.reason.data)
        except ReviewRuleError as error:
            problems = refused(error, "declare", proposal)
        else:
            commit()
            if row.recused:
                flash(_("Your conflict of interest was recorded. You will not see or score this proposal."), "success")
                return redirect(url_for("review.call", call_id=proposal.call_id))
            flash(_("Your declaration was recorded."), "success")
            return redirect(url_for("review.proposal", proposal_id=proposal.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "review/declare.html", proposal=proposal, form=form, problems=problems,
        automatic=conflicts.automatic_conflict(proposal, current_user),
    ), status


def _sheet(proposal, review, formdata=True):
    form_class = review_form_class(proposal.call.criteria)
    if formdata:
        return form_class()
    return form_class(formdata=None, data=review_form_data(review))


def _proposal_page(proposal, form=None, problems=(), status=200):
    own = reviews.review_of(proposal, current_user)
    is_reviewer = common.is_reviewer(proposal, current_user)
    can_score = is_reviewer and (own is None or not own.is_submitted)
    latest = proposal.latest_version
    others = reviews.reviews_of(proposal) if reviews.can_read_others(proposal, current_user) else None
    return render_template(
        "review/proposal.html",
        proposal=proposal,
        call=proposal.call,
        latest=latest,
        fields=exports.rendered_fields(latest.snapshot),
        own=own,
        is_reviewer=is_reviewer,
        can_score=can_score,
        form=form or _sheet(proposal, own, formdata=False),
        problems=list(problems),
        others=others,
        # Staff see each earlier submitted version of a review that was reopened and changed.
        show_history=bool(current_user.is_staff and others and any(len(r.history) > 1 for r in others)),
        locked=common.scores_locked(proposal),
        past_deadline=proposal.call.is_past_review_deadline(),
        reopen_form=ConfirmForm(formdata=None),
        members=_paper_members(proposal) if current_user.is_staff else [],
    ), status


def _paper_members(proposal):
    """Reviewers staff may enter a paper review for: not recused, review not submitted."""
    group = proposal.call.steering_group
    ids = common.reviewer_ids(proposal)
    return [
        member for member in (group.members if group is not None else [])
        if member.user_id in ids and member.user_id != current_user.id
        and progress.state_of(proposal, member.user) in ("declare", "to_do", "draft")
    ]


@bp.route("/review/proposals/<int:proposal_id>", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def proposal(proposal_id):
    """The proposal as sent (latest version), the own scoring sheet, and the others' reviews once submitted."""
    proposal = proposal_or_403(proposal_id)
    if common.needs_declaration(proposal, current_user):
        return redirect(url_for("review.declare", proposal_id=proposal.id))
    if request.method == "GET":
        return _proposal_page(proposal)
    require(common.is_reviewer(proposal, current_user))
    form = _sheet(proposal, None)
    submit = request.form.get("action") == "submit"
    if not form.validate_on_submit():
        return _proposal_page(proposal, form, status=422)
    data, problems = form.review_data(require_all=submit)
    if problems:
        return _proposal_page(proposal, form, problems, status=422)
    try:
        reviews.save(current_user, proposal, current_user, data, submit)
    except ReviewRuleError as error:
        return _proposal_page(proposal, form, refused(error, "submit" if submit else "save", proposal), status=422)
    commit()
    if submit:
        flash(_("Your review was submitted. You can now read the other reviewers' scores."), "success")
    else:
        flash(_("Your draft was saved. It is not submitted yet."), "success")
    return redirect(url_for("review.proposal", proposal_id=proposal.id))


@bp.route("/review/proposals/<int:proposal_id>/reopen", methods=["POST"])
@access(Access.SIGNED_IN)
def reopen(proposal_id):
    proposal = proposal_or_403(proposal_id)
    own = reviews.review_of(proposal, current_user)
    require(own is not None)
    if not ConfirmForm().validate_on_submit():
        flash(_("The review could not be reopened. Please try again."), "error")
        return redirect(url_for("review.proposal", proposal_id=proposal.id))
    try:
        reviews.reopen(current_user, own)
    except ReviewRuleError as error:
        for message in refused(error, "reopen", proposal):
            flash(message, "error")
        return redirect(url_for("review.proposal", proposal_id=proposal.id))
    commit()
    flash(_("Your review is a draft again. Submit it again when you are ready; the earlier scores are kept."), "success")
    return redirect(url_for("review.proposal", proposal_id=proposal.id))


def _member_or_404(call, member_id):
    member = db.session.get(SteeringMember, member_id)
    if member is None or call.steering_group_id != member.group_id:
        abort(404)
    return member


@bp.route("/review/proposals/<int:proposal_id>/paper/<int:member_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def paper(proposal_id, member_id):
    """Staff enter the paper declaration and scores of a member who does not use the web."""
    proposal = proposal_or_403(proposal_id)
    member = _member_or_404(proposal.call, member_id)
    require(not common.is_recused(proposal, member.user) and common.is_reviewer(proposal, member.user))
    existing = reviews.review_of(proposal, member.user)
    declared = common.declaration(proposal, member.user)
    if request.method == "GET":
        form = _sheet(proposal, existing, formdata=False)
        declaration_form = DeclarationForm(formdata=None)
        return _paper_page(proposal, member, form, declaration_form, declared)
    form = _sheet(proposal, None)
    declaration_form = DeclarationForm()
    submit = request.form.get("action") == "submit"
    if not form.validate_on_submit() or (declared is None and not declaration_form.validate()):
        return _paper_page(proposal, member, form, declaration_form, declared, status=422)
    data, problems = form.review_data(require_all=submit)
    if problems:
        return _paper_page(proposal, member, form, declaration_form, declared, problems, 422)
    try:
        if declared is None:
            declared = conflicts.declare(
                current_user, proposal, member.user, declaration_form.has_conflict.data == "yes",
                declaration_form.reason.data,
            )
        if not declared.recused:
            reviews.save(current_user, proposal, member.user, data, submit)
    except ReviewRuleError as error:
        problems = refused(error, "paper_review", proposal)
        return _paper_page(proposal, member, form, declaration_form, common.declaration(proposal, member.user),
                           problems, 422)
    commit()
    if declared.recused:
        flash(_("The conflict of interest was recorded. %(name)s does not review this proposal.",
                name=member.user.display_name), "success")
    else:
        flash(_("The paper review of %(name)s was saved.", name=member.user.display_name), "success")
    return redirect(url_for("review.proposal", proposal_id=proposal.id))


def _paper_page(proposal, member, form, declaration_form, declared, problems=(), status=200):
    latest = proposal.latest_version
    return render_template(
        "review/paper.html", proposal=proposal, call=proposal.call, member=member, form=form,
        declaration_form=declaration_form, declared=declared, problems=list(problems), latest=latest,
    ), status


@bp.route("/review/proposals/<int:proposal_id>/reviewers", methods=["GET", "POST"])
@access(Access.STAFF)
def assign(proposal_id):
    proposal = proposal_or_403(proposal_id)
    group = proposal.call.steering_group
    members = sorted(group.members, key=lambda m: m.user.display_name.lower()) if group is not None else []
    chosen = [row.user_id for row in common.assignments(proposal)]
    form = AssignForm(formdata=None if request.method == "GET" else request.form, data={"reviewers": chosen})
    form.reviewers.choices = member_choices(members)
    problems = []
    if request.method == "POST" and form.validate_on_submit():
        try:
            progress.assign(current_user, proposal, form.reviewers.data or [])
        except ReviewRuleError as error:
            problems = refused(error, "assign", proposal)
        else:
            commit()
            flash(_("The reviewers were saved."), "success")
            return redirect(url_for("review.call", call_id=proposal.call_id))
    status = 422 if request.method == "POST" else 200
    return render_template("review/assign.html", proposal=proposal, form=form, problems=problems), status


def _pack_context(call_id, member_id):
    call = call_or_403(call_id)
    member = _member_or_404(call, member_id)
    require(current_user.is_staff or member.user_id == current_user.id)
    proposals = [
        p for p in common.reviewable_proposals(call)
        if common.is_reviewer(p, member.user) and not common.is_recused(p, member.user)
    ]
    items = [(p, exports.rendered_fields(p.latest_version.snapshot)) for p in proposals]
    return {"call": call, "member": member, "items": items}


@bp.route("/review/calls/<int:call_id>/pack/<int:member_id>")
@access(Access.SIGNED_IN)
def pack(call_id, member_id):
    """A printable review pack: the proposals the member reviews and a scoring sheet for each."""
    return render_template("review/pack.html", printable=False, **_pack_context(call_id, member_id))


@bp.route("/review/calls/<int:call_id>/pack/<int:member_id>.pdf")
@access(Access.SIGNED_IN)
def pack_pdf(call_id, member_id):
    context = _pack_context(call_id, member_id)
    return pdf_response("review/pack.html", f"review-pack-{call_id}-{member_id}.pdf", **context)
