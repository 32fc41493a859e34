"""Implementation pages: the public lists and story pages, following, and staff's record and update forms."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from pb.access import Access, access, require
from pb.auth.models import User
from pb.extensions import db
from pb.forms import ConfirmForm, translated_data
from pb.implementation import services
from pb.implementation.forms import RecordForm, UpdateForm
from pb.implementation.models import ImplementationUpdate, helsinki_today
from pb.tokens import InvalidToken
from pb.transactions import commit
from pb.uploads import UploadError, delete_upload, max_megabytes, send_upload
from pb.voting.models import BudgetRound

bp = Blueprint("implementation", __name__, url_prefix="/implementation")


def _record_or_404(funded_project_id):
    implementation = services.record_of_project(funded_project_id)
    if implementation is None or not implementation.can_view(current_user):
        abort(404)
    return implementation


# --- public ----------------------------------------------------------------------------------


@bp.route("/")
@access(Access.PUBLIC)
def index():
    rounds = [budget_round for budget_round in services.rounds_with_records() if budget_round.can_view(current_user)]
    return render_template("implementation/index.html", rounds=rounds)


@bp.route("/rounds/<int:round_id>")
@access(Access.PUBLIC)
def round_projects(round_id):
    budget_round = db.get_or_404(BudgetRound, round_id)
    if not budget_round.can_view(current_user):
        abort(404)
    return render_template(
        "implementation/round.html",
        budget_round=budget_round,
        grouped=services.records_of_round(budget_round),
        today=helsinki_today(),
        can_manage=current_user.is_authenticated and current_user.is_staff,
    )


@bp.route("/projects/<int:funded_project_id>")
@access(Access.PUBLIC)
def story(funded_project_id):
    implementation = _record_or_404(funded_project_id)
    project = implementation.project
    return render_template(
        "implementation/story.html",
        implementation=implementation,
        project=project,
        budget=project.budget,
        budget_round=project.budget.round,
        ideas=services.ideas_of(project),
        vote=services.vote_result(project),
        spent_share=services.spent_share(implementation),
        today=helsinki_today(),
        following=services.is_following(current_user, implementation),
        can_follow=implementation.can_follow(current_user),
        can_manage=implementation.can_manage(current_user),
    )


@bp.route("/updates/<int:update_id>/photo")
@access(Access.PUBLIC)
def photo(update_id):
    update = db.get_or_404(ImplementationUpdate, update_id)
    if not update.has_photo or not update.implementation.can_view(current_user):
        abort(404)
    try:  # sent without metadata (pb.uploads cleans a picture stored before stripping existed)
        return send_upload(update.photo_stored_name, f"update-{update.id}.{update.photo_extension}",
                           update.photo_content_type)
    except FileNotFoundError:
        abort(404)


# --- following -------------------------------------------------------------------------------


@bp.route("/projects/<int:funded_project_id>/follow", methods=["POST"])
@access(Access.RESIDENT)
def follow(funded_project_id):
    implementation = _record_or_404(funded_project_id)
    if ConfirmForm().validate_on_submit():
        services.follow(current_user, implementation)
        commit()
        flash(_("You now follow this project. You get an email when there is news about it."), "success")
    return redirect(url_for("implementation.story", funded_project_id=funded_project_id))


@bp.route("/projects/<int:funded_project_id>/unfollow", methods=["POST"])
@access(Access.SIGNED_IN)
def unfollow(funded_project_id):
    implementation = _record_or_404(funded_project_id)
    if ConfirmForm().validate_on_submit():
        services.unfollow(current_user, implementation)
        commit()
        flash(_("You no longer follow this project. You get no more email about it."), "success")
    if request.form.get("back") == "account":
        return redirect(url_for("auth.account"))
    return redirect(url_for("implementation.story", funded_project_id=funded_project_id))


@bp.route("/unfollow/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def unfollow_link(token):
    """The link in each update mail: works without signing in; a GET only asks (mail scanners open links)."""
    try:
        user_id, implementation = services.read_unfollow_token(token)
    except InvalidToken:
        return render_template("implementation/unfollow.html", problem="invalid", implementation=None), 404
    if current_user.is_authenticated and current_user.id != user_id:
        # The link was mailed to someone else: it unfollows only the account it was sent to.
        page = render_template("implementation/unfollow.html", problem="other_account", implementation=implementation)
        return page, 403
    user = db.session.get(User, user_id)
    if user is None:
        return render_template("implementation/unfollow.html", problem="invalid", implementation=None), 404
    form = ConfirmForm()
    done = False
    if form.validate_on_submit():
        services.unfollow(user, implementation, via="mail")
        commit()
        done = True
    return render_template(
        "implementation/unfollow.html", problem=None, implementation=implementation, form=form, done=done,
        following=services.follower_row(user, implementation) is not None,
    )


# --- staff -----------------------------------------------------------------------------------


@bp.route("/manage")
@access(Access.STAFF)
def manage():
    today = helsinki_today()
    records = services.staff_overview(today)
    return render_template(
        "implementation/manage.html", records=records, today=today,
        late_count=sum(1 for implementation in records if implementation.is_late(today)),
    )


@bp.route("/manage/projects/<int:funded_project_id>", methods=["GET", "POST"])
@access(Access.STAFF)
def edit(funded_project_id):
    implementation = _record_or_404(funded_project_id)
    require(implementation.can_manage(current_user))
    form = RecordForm() if request.method == "POST" else RecordForm.of(implementation)
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                changes = services.update_record(current_user, implementation, form.values())
            except services.RecordRefused as error:
                form.show_refusal(error.errors)
            else:
                commit()
                flash(_("The changes were saved.") if changes else _("Nothing was changed."),
                      "success" if changes else "info")
                return redirect(url_for("implementation.story", funded_project_id=funded_project_id))
        return render_template("implementation/edit.html", form=form, implementation=implementation), 422
    return render_template("implementation/edit.html", form=form, implementation=implementation)


@bp.route("/manage/projects/<int:funded_project_id>/updates/new", methods=["GET", "POST"])
@access(Access.STAFF)
def new_update(funded_project_id):
    implementation = _record_or_404(funded_project_id)
    require(implementation.can_manage(current_user))
    form = UpdateForm()
    context = {"form": form, "implementation": implementation, "max_mb": max_megabytes()}
    if request.method == "GET":
        return render_template("implementation/update_form.html", **context)
    if not form.validate_on_submit():
        return render_template("implementation/update_form.html", **context), 422
    stored = None
    try:
        if form.photo.data and form.photo.data.filename:
            stored = services.store_photo(form.photo.data)
        services.post_update(
            current_user, implementation, translated_data(form.text), photo=stored,
            photo_alt=translated_data(form.photo_alt),
        )
        commit()
    except services.UpdateRefused as error:
        if stored is not None:
            delete_upload(stored.stored_name)
        form.show_refusal(error.errors)
        return render_template("implementation/update_form.html", **context), 422
    except UploadError as error:
        form.photo.errors = [*form.photo.errors, str(error)]
        return render_template("implementation/update_form.html", **context), 422
    except BaseException:
        if stored is not None:
            delete_upload(stored.stored_name)
        raise
    followers = services.follower_count(implementation)
    flash(
        ngettext("The update is published. Its %(num)s follower gets an email about it.",
                 "The update is published. Its %(num)s followers get an email about it.", followers)
        if followers else _("The update is published."),
        "success",
    )
    return redirect(url_for("implementation.story", funded_project_id=funded_project_id))
