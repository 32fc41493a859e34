"""Staff pages: the dashboard, background job runs, and (admins only) users and their roles."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb import mail
from pb.access import Access, access
from pb.admin import services
from pb.admin.forms import UserSearchForm
from pb.auth.models import User
from pb.districts.models import District
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.jobs import JobRun, JobStatus
from pb.orgs.models import Organisation
from pb.orgs.services import memberships_of as organisation_memberships_of
from pb.steering.models import SteeringGroup
from pb.steering.services import memberships_of as steering_memberships_of
from pb.tally import services as tally
from pb.transactions import commit

bp = Blueprint("admin", __name__, url_prefix="/staff")

PER_PAGE = 50


def _count(column):
    return db.session.scalar(db.select(db.func.count(column)))


@bp.route("/")
@access(Access.STAFF)
def dashboard():
    counts = {
        "districts": _count(District.id),
        "organisations": _count(Organisation.id),
        "steering_groups": _count(SteeringGroup.id),
        "users": _count(User.id),
        "failed_jobs": db.session.scalar(
            db.select(db.func.count(JobRun.id)).where(JobRun.status == JobStatus.FAILED)
        ),
    }
    return render_template("admin/dashboard.html", counts=counts)


@bp.route("/jobs")
@access(Access.STAFF)
def jobs():
    page = db.paginate(
        services.job_runs_query(), page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False
    )
    # A job whose worker died shows as failed, with its reason (pb.jobs.check_runs).
    if tally.check_jobs(page.items):
        commit()
    return render_template(
        "admin/jobs.html",
        page=page,
        unsent_mail=mail.unsent_failed(),
        retry_form=ConfirmForm(),
        JobStatus=JobStatus,
        count_budget_id=tally.budget_id_of_job,
    )


@bp.route("/jobs/retry-mail", methods=["POST"])
@access(Access.STAFF)
def retry_mail():
    if not ConfirmForm().validate_on_submit():
        flash(_("The mail could not be sent again. Please try again."), "error")
        return redirect(url_for("admin.jobs"))
    queued = mail.retry_failed(current_user)
    commit()
    flash(_("Mail queued again: %(count)s.", count=queued), "success")
    return redirect(url_for("admin.jobs"))


@bp.route("/users")
@access(Access.ADMIN)
def users():
    form = UserSearchForm(request.args)
    search = form.q.data if form.validate() else None
    page = db.paginate(
        services.user_query(search), page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False
    )
    return render_template("admin/users.html", form=form, page=page, search=search or "")


@bp.route("/users/<int:user_id>")
@access(Access.ADMIN)
def user(user_id):
    account = db.get_or_404(User, user_id)
    return render_template(
        "admin/user.html",
        account=account,
        organisation_memberships=organisation_memberships_of(account),
        steering_memberships=steering_memberships_of(account),
    )


@bp.route("/users/<int:user_id>/roles/<any(staff, admin, auditor):role>/<any(grant, revoke):change>", methods=["POST"])
@access(Access.ADMIN)
def change_role(user_id, role, change):
    account = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The role could not be changed. Please try again."), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    try:
        changed = services.set_role(current_user, account, role, granted=change == "grant")
    except services.RoleChangeRefused as error:
        flash(str(error), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    commit()
    if not changed:
        flash(_("Nothing was changed."), "info")
    elif change == "grant":
        flash(_("%(name)s now has the role: %(role)s.", name=account.display_name, role=_role_label(role)), "success")
    else:
        flash(
            _("%(name)s no longer has the role: %(role)s.", name=account.display_name, role=_role_label(role)),
            "success",
        )
    return redirect(url_for("admin.user", user_id=account.id))


def _role_label(role):
    return {"staff": _("staff"), "admin": _("administrator"), "auditor": _("auditor")}[role]
