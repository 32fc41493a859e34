"""PB round pages: the public round and ideas, voting (account, code, receipt), and staff pages under /voting/manage/."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload
from wtforms.fields.choices import SelectChoice

from pb.access import Access, access, require
from pb.calls.forms import translated_namespace
from pb.extensions import db, limiter
from pb.forms import ConfirmForm
from pb.models_base import utcnow
from pb.transactions import commit
from pb.uploads import UploadError, delete_upload, save_upload, send_upload
from pb.voting import bp, codes, services
from pb.voting.forms import (
    PHASE_DATE_FIELDS,
    AssessForm,
    AssistedForm,
    BallotForm,
    CodeBatchForm,
    CodeForm,
    EligibilityForm,
    IdeaForm,
    MergeForm,
    PaperForm,
    ProjectForm,
    PublishForm,
    ReceiptForm,
    RoundForm,
    budget_form,
)
from pb.voting.models import (
    AssistedSession,
    BallotFormat,
    BudgetRound,
    Channel,
    EligibilityMode,
    Idea,
    IdeaStatus,
    PaperStatus,
    Project,
    RoundBudget,
    RoundPhase,
    VotingCode,
    shuffled,
)
from pb.voting.services import RoundRuleError, VotingRefused

CODE_SESSION = "pb_voting_code"
RECEIPT_SESSION = "pb_voting_receipt"

# Guessing codes or receipts is refused long before it could succeed; casting is limited per address.
code_limit = limiter.limit(lambda: current_app.config["VOTING_CODE_RATE_LIMIT"], methods=["POST"])
ballot_limit = limiter.limit(lambda: current_app.config["VOTING_RATE_LIMIT"], methods=["POST"])


def _round_or_404(round_id, budgets=False):
    """The round; with ``budgets``, also its budgets and their districts, in the same query.

    The voting pages read every budget of the round and its district's name: one joined
    query instead of one for the budgets and one per district.
    """
    options = [joinedload(BudgetRound.budgets).joinedload(RoundBudget.district)] if budgets else []
    budget_round = db.session.get(BudgetRound, round_id, options=options)
    if budget_round is None or not budget_round.can_view(current_user):
        abort(404)
    return budget_round


def _budget_or_404(budget_round, budget_id):
    # Through the round's budgets: the ballot pages need them all anyway (one query, not two).
    budget = next((budget for budget in budget_round.budgets if budget.id == budget_id), None)
    if budget is None:
        abort(404)
    return budget


# --- public pages ----------------------------------------------------------------------------


@bp.route("/")
@access(Access.PUBLIC)
def index():
    return render_template("voting/index.html", rounds=services.rounds_for(current_user))


@bp.route("/<int:round_id>")
@access(Access.PUBLIC)
def show(round_id):
    budget_round = _round_or_404(round_id)
    return render_template(
        "voting/show.html",
        budget_round=budget_round,
        phase_dates=[(label, getattr(budget_round, name)) for name, label in PHASE_DATE_FIELDS],
        voting_open=budget_round.is_voting_open(),
        can_manage=budget_round.can_manage(current_user),
    )


@bp.route("/<int:round_id>/ideas")
@access(Access.PUBLIC)
def ideas(round_id):
    budget_round = _round_or_404(round_id)
    return render_template("voting/ideas.html", budget_round=budget_round, ideas=services.public_ideas(budget_round))


@bp.route("/<int:round_id>/ideas/new", methods=["GET", "POST"])
@access(Access.RESIDENT)
def new_idea(round_id):
    budget_round = _round_or_404(round_id)
    form = IdeaForm()
    if not budget_round.accepts_ideas():
        flash(_("This round is not collecting ideas now."), "error")
        return redirect(url_for("voting.show", round_id=round_id))
    if not form.validate_on_submit():
        return render_template("voting/idea_form.html", budget_round=budget_round, form=form)
    image = None
    try:
        if form.image.data and form.image.data.filename:
            image = save_upload(form.image.data)
        idea = services.submit_idea(
            current_user, budget_round, form.district_id.data, form.title.data, form.text.data, form.location.data,
            image=image,
        )
        commit()
    except (UploadError, RoundRuleError) as error:
        if image is not None:
            delete_upload(image.stored_name)
        form.image.errors.append(str(error))
        return render_template("voting/idea_form.html", budget_round=budget_round, form=form), 422
    except BaseException:
        if image is not None:
            delete_upload(image.stored_name)
        raise
    flash(_("Thank you! Your idea was sent. Staff will check whether it can be carried out."), "success")
    return redirect(url_for("voting.idea", idea_id=idea.id))


@bp.route("/ideas/<int:idea_id>")
@access(Access.PUBLIC)
def idea(idea_id):
    item = db.get_or_404(Idea, idea_id)
    _round_or_404(item.round_id)
    return render_template("voting/idea.html", idea=item, can_manage=current_user.is_authenticated and current_user.is_staff)


@bp.route("/ideas/<int:idea_id>/picture")
@access(Access.PUBLIC)
def idea_image(idea_id):
    item = db.get_or_404(Idea, idea_id)
    _round_or_404(item.round_id)
    if item.image_stored_name is None:
        abort(404)
    extension = "png" if item.image_content_type == "image/png" else "jpg"
    return send_upload(item.image_stored_name, f"idea-{item.id}.{extension}", item.image_content_type)


@bp.route("/receipt", methods=["GET", "POST"])
@access(Access.PUBLIC)
@code_limit
def receipt():
    form = ReceiptForm()
    found = checked = None
    if form.validate_on_submit():
        checked = True
        found = services.find_receipt(form.receipt.data)
    return render_template("voting/receipt.html", form=form, checked=checked, ballot=found, now=utcnow())


# --- voting online ---------------------------------------------------------------------------


def _code_session(budget_round):
    data = session.get(CODE_SESSION)
    return data if data and data.get("round") == budget_round.id else None


def _online_voter(budget_round):
    """The voter of this browser: a code entered here, else the signed-in resident; None if neither."""
    data = _code_session(budget_round)
    if data is not None:
        code = db.session.get(VotingCode, data["code"])
        if code is not None and code.round_id == budget_round.id:
            return services.code_voter(
                budget_round, code, declared_district_id=data.get("district"), owned=data.get("ballots", ())
            )
    if current_user.is_authenticated and current_user.is_verified and not services.account_details_missing(current_user):
        return services.account_voter(budget_round, current_user)
    return None


def _budget_rows(budget_round, voter):
    rows = []
    for budget in services.eligible_budgets(budget_round, voter):
        ballot = services.ballot_of(budget, voter.key)
        rows.append((budget, ballot))
    return rows


@bp.route("/<int:round_id>/vote")
@access(Access.PUBLIC)
def vote(round_id):
    budget_round = _round_or_404(round_id, budgets=True)
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
        rows=_budget_rows(budget_round, voter) if voter is not None and voter.old_enough else [],
        voting_open=budget_round.is_voting_open(),
        too_young_message=services.too_young_message(budget_round),
        finish_form=ConfirmForm(),
    )


@bp.route("/<int:round_id>/eligibility", methods=["GET", "POST"])
@access(Access.RESIDENT)
def eligibility(round_id):
    budget_round = _round_or_404(round_id)
    form = EligibilityForm(data={"birth_year": current_user.birth_year, "district_id": current_user.district_id})
    if form.validate_on_submit():
        services.declare_details(current_user, form.birth_year.data, form.district_id.data)
        commit()
        flash(_("Thank you. Your details were saved."), "success")
        return redirect(url_for("voting.vote", round_id=round_id))
    return render_template("voting/eligibility.html", budget_round=budget_round, form=form)


@bp.route("/<int:round_id>/code", methods=["GET", "POST"])
@access(Access.PUBLIC)
@code_limit
def code(round_id):
    budget_round = _round_or_404(round_id, budgets=request.method == "POST")
    form = CodeForm()
    if form.validate_on_submit():
        try:
            voting_code = services.check_code(budget_round, form.code.data)
        except VotingRefused as refusal:
            commit()
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
    _round_or_404(round_id)
    if ConfirmForm().validate_on_submit():
        session.pop(CODE_SESSION, None)
        flash(_("You have finished voting. Thank you!"), "success")
    return redirect(url_for("voting.show", round_id=round_id))


# After these refusals the voter cannot send a ballot here at all, so the form is not shown again.
FINAL_REFUSALS = frozenset(
    {"voting_closed", "too_young", "forged_district", "cross_channel_duplicate", "code_reused", "other_district_voted"}
)


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


def _ballot_view(budget_round, budget, voter, *, post_url, back_url, after_cast):
    """GET shows the voter's ballot; POST updates the total or casts it. Shared by online and assisted voting.

    ``after_cast(ballot_id)`` gives the response once a ballot is stored and committed.
    """
    render = dict(post_url=post_url, back_url=back_url)
    if request.method == "GET":
        existing = services.ballot_of(budget, voter.key)
        usable = existing is not None and existing.channel is voter.channel and (
            not voter.by_code or existing.id in voter.owned_ballot_ids
        )
        if not budget_round.is_voting_open():
            flash(_("Voting is not open."), "error")
            return redirect(back_url)
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
    form = BallotForm()
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
    ballot_id, budget_id = result.ballot.id, budget.id  # read now: the commit expires them, and reading again costs queries
    commit()
    session[RECEIPT_SESSION] = {"budget": budget_id, "receipt": codes.formatted(result.receipt), "changed": result.changed}
    return after_cast(ballot_id)


@bp.route("/<int:round_id>/ballot/<int:budget_id>", methods=["GET", "POST"])
@access(Access.PUBLIC)
@ballot_limit
def ballot(round_id, budget_id):
    budget_round = _round_or_404(round_id, budgets=True)
    budget = _budget_or_404(budget_round, budget_id)
    voter = _online_voter(budget_round)
    if voter is None:
        return redirect(url_for("voting.vote", round_id=round_id))

    def after_cast(ballot_id):
        data = session.get(CODE_SESSION)
        if data and data.get("round") == round_id and voter.by_code:
            data["ballots"] = sorted(set(data.get("ballots", [])) | {ballot_id})
            session[CODE_SESSION] = data
        return redirect(url_for("voting.saved", round_id=round_id, budget_id=budget_id))

    return _ballot_view(
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
    budget_round = _round_or_404(round_id, budgets=True)
    budget = _budget_or_404(budget_round, budget_id)
    data = _pop_receipt(budget_id)
    if data is None:
        return redirect(url_for("voting.vote", round_id=round_id))
    return render_template("voting/saved.html", budget_round=budget_round, budget=budget, receipt=data,
                           next_url=url_for("voting.vote", round_id=round_id))


# --- staff: rounds, budgets, projects --------------------------------------------------------


def _manage_round(round_id):
    budget_round = db.get_or_404(BudgetRound, round_id)
    require(budget_round.can_manage(current_user))
    return budget_round


@bp.route("/manage/")
@access(Access.STAFF)
def manage_index():
    return render_template("voting/manage_index.html", rounds=services.rounds_for(current_user))


@bp.route("/manage/new", methods=["GET", "POST"])
@access(Access.STAFF)
def create_round():
    form = RoundForm()
    if form.validate_on_submit():
        try:
            budget_round = services.create_round(current_user, form.round_data())
        except RoundRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("The round was created. Add the budgets next."), "success")
            return redirect(url_for("voting.budgets", round_id=budget_round.id))
    return render_template("voting/round_form.html", form=form, budget_round=None)


@bp.route("/manage/<int:round_id>")
@access(Access.STAFF)
def manage(round_id):
    budget_round = _manage_round(round_id)
    now = utcnow()
    return render_template(
        "voting/manage.html",
        budget_round=budget_round,
        counts=services.ballot_counts(budget_round),
        channels=list(Channel),
        problems=services.voting_problems(budget_round, now) if budget_round.phase.next is RoundPhase.VOTING else [],
        voting_open=budget_round.is_voting_open(now),
        confirm=ConfirmForm(),
    )


@bp.route("/manage/<int:round_id>/edit", methods=["GET", "POST"])
@access(Access.STAFF)
def edit_round(round_id):
    budget_round = _manage_round(round_id)
    form = RoundForm() if request.method == "POST" else RoundForm.for_round(budget_round)
    if form.validate_on_submit():
        try:
            services.update_round(current_user, budget_round, form.round_data())
        except RoundRuleError as error:
            flash(str(error), "error")
            return render_template("voting/round_form.html", form=form, budget_round=budget_round), 409
        commit()
        flash(_("The round was saved."), "success")
        return redirect(url_for("voting.manage", round_id=round_id))
    return render_template("voting/round_form.html", form=form, budget_round=budget_round)


@bp.route("/manage/<int:round_id>/budgets", methods=["GET", "POST"])
@access(Access.STAFF)
def budgets(round_id):
    from pb.districts.services import districts_in_order

    budget_round = _manage_round(round_id)
    districts = districts_in_order()
    form = budget_form(districts, budget_round)
    if form.validate_on_submit():
        try:
            services.set_budget(current_user, budget_round, None, form.citywide.data)
            for district in districts:
                services.set_budget(current_user, budget_round, district.id, form[f"district_{district.id}"].data)
        except RoundRuleError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("voting/budgets.html", budget_round=budget_round, form=form, districts=districts), 409
        commit()
        flash(_("The budgets were saved."), "success")
        return redirect(url_for("voting.manage", round_id=round_id))
    return render_template("voting/budgets.html", budget_round=budget_round, form=form, districts=districts)


@bp.route("/manage/<int:round_id>/advance", methods=["POST"])
@access(Access.STAFF)
def advance(round_id):
    budget_round = _manage_round(round_id)
    if ConfirmForm().validate_on_submit():
        try:
            phase = services.advance_phase(current_user, budget_round)
        except RoundRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("The round is now in the phase: %(phase)s.", phase=phase.label), "success")
    return redirect(url_for("voting.manage", round_id=round_id))


@bp.route("/manage/<int:round_id>/projects/new", methods=["GET", "POST"])
@access(Access.STAFF)
def new_project(round_id):
    budget_round = _manage_round(round_id)
    form = ProjectForm(budget_round.budgets)
    if form.validate_on_submit():
        budget = _budget_or_404(budget_round, form.round_budget_id.data)
        try:
            services.add_project(current_user, budget, *form.project_data())
        except RoundRuleError as error:
            flash(str(error), "error")
            return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=None), 409
        commit()
        flash(_("The project was added."), "success")
        return redirect(url_for("voting.manage", round_id=round_id))
    return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=None)


@bp.route("/manage/projects/<int:project_id>/edit", methods=["GET", "POST"])
@access(Access.STAFF)
def edit_project(project_id):
    project = db.get_or_404(Project, project_id)
    budget_round = _manage_round(project.budget.round_id)
    form = ProjectForm(budget_round.budgets) if request.method == "POST" else ProjectForm.for_project(budget_round.budgets, project)
    if form.validate_on_submit():
        budget = _budget_or_404(budget_round, form.round_budget_id.data)
        try:
            services.update_project(current_user, project, budget, *form.project_data())
        except RoundRuleError as error:
            flash(str(error), "error")
            return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=project), 409
        commit()
        flash(_("The project was saved."), "success")
        return redirect(url_for("voting.manage", round_id=budget_round.id))
    return render_template("voting/project_form.html", budget_round=budget_round, form=form, project=project,
                           delete_form=ConfirmForm())


@bp.route("/manage/projects/<int:project_id>/delete", methods=["POST"])
@access(Access.STAFF)
def delete_project(project_id):
    project = db.get_or_404(Project, project_id)
    budget_round = _manage_round(project.budget.round_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_project(current_user, project)
        except RoundRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("The project was deleted."), "success")
    return redirect(url_for("voting.manage", round_id=budget_round.id))


# --- staff: ideas ----------------------------------------------------------------------------


@bp.route("/manage/<int:round_id>/ideas")
@access(Access.STAFF)
def manage_ideas(round_id):
    budget_round = _manage_round(round_id)
    return render_template("voting/manage_ideas.html", budget_round=budget_round, ideas=services.public_ideas(budget_round))


def _idea_page(item, *, assess_form=None, merge_form=None, publish_form=None, status=200):
    budget_round = item.round
    others = [other for other in services.public_ideas(budget_round) if other.id != item.id and other.status is not IdeaStatus.MERGED]
    if merge_form is None:
        merge_form = MergeForm(formdata=None)
    merge_form.into_id.choices = [SelectChoice(other.id, f"#{other.id} {other.title}") for other in others]
    if publish_form is None:
        budget = budget_round.budget_for(item.district_id)
        publish_form = PublishForm(
            budget_round.budgets, formdata=None,
            data={"round_budget_id": budget.id if budget else None, "title": translated_namespace({"fi": item.title}),
                  "description": translated_namespace({"fi": item.text}), "cost": item.cost_estimate_cents},
        )
    if assess_form is None:
        assess_form = AssessForm(formdata=None, data={
            "feasible": {IdeaStatus.FEASIBLE: "yes", IdeaStatus.NOT_FEASIBLE: "no"}.get(item.status),
            "reason": item.assessment_reason, "cost_estimate": item.cost_estimate_cents,
        })
    return render_template(
        "voting/manage_idea.html", idea=item, budget_round=budget_round, assess_form=assess_form,
        merge_form=merge_form, publish_form=publish_form, statuses=IdeaStatus,
    ), status


@bp.route("/manage/ideas/<int:idea_id>")
@access(Access.STAFF)
def manage_idea(idea_id):
    item = db.get_or_404(Idea, idea_id)
    _manage_round(item.round_id)
    return _idea_page(item)


@bp.route("/manage/ideas/<int:idea_id>/assess", methods=["POST"])
@access(Access.STAFF)
def assess_idea(idea_id):
    item = db.get_or_404(Idea, idea_id)
    _manage_round(item.round_id)
    form = AssessForm()
    if not form.validate_on_submit():
        return _idea_page(item, assess_form=form, status=422)
    try:
        services.assess_idea(current_user, item, form.feasible.data == "yes", form.reason.data, form.cost_estimate.data)
    except RoundRuleError as error:
        flash(str(error), "error")
        return _idea_page(item, assess_form=form, status=409)
    commit()
    flash(_("The assessment was saved."), "success")
    return redirect(url_for("voting.manage_idea", idea_id=idea_id))


@bp.route("/manage/ideas/<int:idea_id>/merge", methods=["POST"])
@access(Access.STAFF)
def merge_idea(idea_id):
    item = db.get_or_404(Idea, idea_id)
    _manage_round(item.round_id)
    form = MergeForm()
    form.into_id.choices = [SelectChoice(other.id, other.title) for other in services.public_ideas(item.round)]
    if not form.validate_on_submit():
        return _idea_page(item, merge_form=form, status=422)
    try:
        services.merge_idea(current_user, item, db.session.get(Idea, form.into_id.data))
    except RoundRuleError as error:
        flash(str(error), "error")
        return _idea_page(item, merge_form=form, status=409)
    commit()
    flash(_("The ideas were combined."), "success")
    return redirect(url_for("voting.manage_idea", idea_id=idea_id))


@bp.route("/manage/ideas/<int:idea_id>/publish", methods=["POST"])
@access(Access.STAFF)
def publish_idea(idea_id):
    item = db.get_or_404(Idea, idea_id)
    budget_round = _manage_round(item.round_id)
    form = PublishForm(budget_round.budgets)
    if not form.validate_on_submit():
        return _idea_page(item, publish_form=form, status=422)
    budget = _budget_or_404(budget_round, form.round_budget_id.data)
    try:
        services.publish_idea(current_user, item, budget, *form.project_data())
    except RoundRuleError as error:
        flash(str(error), "error")
        return _idea_page(item, publish_form=form, status=409)
    commit()
    flash(_("The idea is now a project on the ballot."), "success")
    return redirect(url_for("voting.manage_idea", idea_id=idea_id))


# --- staff: voting codes ---------------------------------------------------------------------


@bp.route("/manage/<int:round_id>/codes", methods=["GET", "POST"])
@access(Access.STAFF)
def codes_page(round_id):
    budget_round = _manage_round(round_id)
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
    budget_round = _manage_round(round_id)
    form = AssistedForm()
    if form.validate_on_submit():
        try:
            assisted = services.open_assisted_session(
                current_user, budget_round, location=form.location.data, identified_by=form.identified_by.data,
                email=form.email.data, code_text=form.code.data, birth_year=form.birth_year.data,
                district_id=form.district_id.data, age_checked=form.age_checked.data,
                residence_checked=form.residence_checked.data,
            )
        except RoundRuleError as error:
            form.identified_by.errors.append(str(error))
            return render_template("voting/assisted_new.html", budget_round=budget_round, form=form), 422
        except VotingRefused as refusal:
            commit()
            form.identified_by.errors.append(refusal.message)
            return render_template("voting/assisted_new.html", budget_round=budget_round, form=form), refusal.status
        commit()
        return redirect(url_for("voting.assisted_session", session_id=assisted.id))
    return render_template("voting/assisted_new.html", budget_round=budget_round, form=form)


@bp.route("/manage/assisted/<int:session_id>")
@access(Access.STAFF)
def assisted_session(session_id):
    assisted = _assisted_or_404(session_id)
    voter = services.assisted_voter(assisted)
    receipt = session.pop(RECEIPT_SESSION, None)
    return render_template(
        "voting/assisted_session.html", assisted=assisted, budget_round=assisted.round,
        rows=_budget_rows(assisted.round, voter), receipt=receipt, confirm=ConfirmForm(),
    )


@bp.route("/manage/assisted/<int:session_id>/ballot/<int:budget_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def assisted_ballot(session_id, budget_id):
    assisted = _assisted_or_404(session_id)
    budget = _budget_or_404(assisted.round, budget_id)
    return _ballot_view(
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


@bp.route("/manage/<int:round_id>/paper")
@access(Access.STAFF)
def paper(round_id):
    budget_round = _manage_round(round_id)
    sheets = services.paper_sheets(budget_round)
    return render_template(
        "voting/paper.html", budget_round=budget_round, sheets=sheets, statuses=PaperStatus,
        waiting=[sheet for sheet in sheets if sheet.status in (PaperStatus.AWAITING_SECOND, PaperStatus.MISMATCH)],
    )


@bp.route("/manage/<int:round_id>/paper/<int:budget_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def paper_entry(round_id, budget_id):
    budget_round = _manage_round(round_id)
    budget = _budget_or_404(budget_round, budget_id)
    form = PaperForm(data={"batch": request.args.get("batch", ""), "row": request.args.get("row", type=int)})
    selection = {}
    if form.validate_on_submit():
        try:
            selection = services.parse_choices(budget_round, budget, request.form)
            sheet = services.enter_paper(
                current_user, budget_round, batch=form.batch.data, row=form.row.data, budget=budget,
                code_text=form.code.data, choices=selection,
            )
        except (RoundRuleError, VotingRefused) as error:
            if isinstance(error, VotingRefused):
                commit()
            form.code.errors.append(str(error))
            return render_template("voting/paper_entry.html", budget_round=budget_round, budget=budget, form=form,
                                   selection=selection, formats=BallotFormat), 422
        commit()
        flash(_paper_message(sheet), "error" if sheet.status in (PaperStatus.MISMATCH, PaperStatus.REFUSED) else "success")
        return redirect(url_for("voting.paper_entry", round_id=round_id, budget_id=budget_id, batch=sheet.batch))
    return render_template("voting/paper_entry.html", budget_round=budget_round, budget=budget, form=form,
                           selection=selection, formats=BallotFormat)


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
}


def refusal_label(reason):
    return str(REFUSAL_LABELS.get(reason, _l("Other reason")))


@bp.app_template_filter("refusal_label")
def refusal_label_filter(reason):
    return refusal_label(reason)


@bp.route("/manage/<int:round_id>/duplicates")
@access(Access.STAFF)
def duplicates(round_id):
    budget_round = _manage_round(round_id)
    budget_names = {budget.id: budget.display_name for budget in budget_round.budgets}
    return render_template(
        "voting/duplicates.html",
        budget_round=budget_round,
        duplicates=services.refusals(budget_round, {"cross_channel_duplicate", "code_reused", "other_district_voted"}),
        others=services.refusals(budget_round),
        refused_paper=services.paper_sheets(budget_round, PaperStatus.REFUSED),
        budget_names=budget_names,
        channel_labels={channel.value: channel.label for channel in Channel},
    )
