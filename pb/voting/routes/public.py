"""Public pages of a round: the round, its ideas (and sending one), and checking a receipt."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access
from pb.extensions import db
from pb.models_base import utcnow
from pb.transactions import commit
from pb.uploads import UploadError, delete_upload, save_upload, send_upload
from pb.voting import services
from pb.voting.forms import PHASE_DATE_FIELDS, IdeaForm, ReceiptForm
from pb.voting.models import Idea, IdeaStatus, Project
from pb.voting.routes.blueprint import bp
from pb.voting.routes.helpers import code_limit, refuse_code, round_or_404
from pb.voting.services import RoundRuleError


@bp.route("/")
@access(Access.PUBLIC)
def index():
    return render_template("voting/index.html", rounds=services.rounds_for(current_user))


@bp.route("/<int:round_id>")
@access(Access.PUBLIC)
def show(round_id):
    budget_round = round_or_404(round_id)
    return render_template(
        "voting/show.html",
        budget_round=budget_round,
        phase_dates=[(label, getattr(budget_round, name)) for name, label in PHASE_DATE_FIELDS],
        voting_open=budget_round.is_voting_open(),
        voting_over=budget_round.is_voting_over(),
        voting_ended_at=budget_round.voting_closes_at,
        can_manage=budget_round.can_manage(current_user),
    )


@bp.route("/<int:round_id>/ideas")
@access(Access.PUBLIC)
def ideas(round_id):
    budget_round = round_or_404(round_id)
    return render_template("voting/ideas.html", budget_round=budget_round, ideas=services.public_ideas(budget_round))


@bp.route("/<int:round_id>/ideas/new", methods=["GET", "POST"])
@access(Access.RESIDENT)
def new_idea(round_id):
    budget_round = round_or_404(round_id)
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
    round_or_404(item.round_id)
    return render_template("voting/idea.html", idea=item, can_manage=current_user.is_authenticated and current_user.is_staff)


@bp.route("/projects/<int:project_id>")
@access(Access.PUBLIC)
def project(project_id):
    item = db.get_or_404(Project, project_id)
    budget_round = round_or_404(item.budget.round_id)
    ideas = [idea for idea in item.ideas if idea.status is IdeaStatus.ON_BALLOT]
    return render_template(
        "voting/project.html", project=item, budget_round=budget_round, ideas=ideas,
        voting_over=budget_round.is_voting_over(),
    )


@bp.route("/ideas/<int:idea_id>/picture")
@access(Access.PUBLIC)
def idea_image(idea_id):
    item = db.get_or_404(Idea, idea_id)
    round_or_404(item.round_id)
    if item.image_stored_name is None:
        abort(404)
    extension = "png" if item.image_content_type == "image/png" else "jpg"
    try:  # sent without metadata (pb.uploads cleans a picture stored before stripping existed)
        return send_upload(item.image_stored_name, f"idea-{item.id}.{extension}", item.image_content_type)
    except FileNotFoundError:
        abort(404)


@bp.route("/receipt", methods=["GET", "POST"])
@access(Access.PUBLIC)
@code_limit
def receipt():
    form = ReceiptForm()
    found = checked = None
    if form.validate_on_submit():
        checked = True
        found = services.find_receipt(form.receipt.data)
        if found is None:
            refuse_code()
    return render_template("voting/receipt.html", form=form, checked=checked, ballot=found, now=utcnow())
