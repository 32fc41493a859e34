"""The audit log browser for staff: filter, page through, and verify the sealed blocks and events.

The log itself (recording and verifying) is ``pb.audit``, below every domain; these pages read
accounts too, so they live up here with the other staff pages, as their own blueprint.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from pb.access import Access, access
from pb.admin.forms import AuditFilterForm
from pb.audit.models import AuditEvent
from pb.audit.services import events_query
from pb.audit.verification import STALE_AFTER
from pb.audit.verification import verify as verify_log
from pb.auth.models import User
from pb.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")

PER_PAGE = 50

# Where a subject of an event can be opened; types not listed are shown as text.
SUBJECT_PAGES = {
    "Organisation": ("orgs.show", "org_id"),
    "District": ("districts.show", "district_id"),
    "SteeringGroup": ("steering.show", "group_id"),
}
ADMIN_SUBJECT_PAGES = {"User": ("admin.user", "user_id")}


def _subject_types():
    query = db.select(AuditEvent.subject_type).where(AuditEvent.subject_type.is_not(None)).distinct()
    return db.session.execute(query.order_by(AuditEvent.subject_type)).scalars().all()


def _local_midnight_utc(day):
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _filtered_query(form):
    query = events_query(
        action=form.action.data or None,
        subject_type=form.subject_type.data or None,
        subject_id=form.subject_id.data or None,
    )
    if form.actor.data:
        matching_users = db.select(User.id).where(User.email.contains(form.actor.data, autoescape=True))
        query = query.where(AuditEvent.actor_id.in_(matching_users))
    # Dates are days in the municipality's time zone; the end date is included.
    if form.date_from.data:
        query = query.where(AuditEvent.created_at >= _local_midnight_utc(form.date_from.data))
    if form.date_to.data:
        query = query.where(AuditEvent.created_at < _local_midnight_utc(form.date_to.data + timedelta(days=1)))
    return query


def subject_link(event):
    pages = SUBJECT_PAGES | ADMIN_SUBJECT_PAGES if current_user.is_admin else SUBJECT_PAGES
    page = pages.get(event.subject_type)
    if page is None or not (event.subject_id or "").isdigit():
        return None
    endpoint, argument = page
    return url_for(endpoint, **{argument: int(event.subject_id)})


@bp.route("/")
@access(Access.STAFF)
def index():
    form = AuditFilterForm(_subject_types(), request.args)
    query = _filtered_query(form) if form.validate() else events_query()
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template(
        "audit/index.html",
        form=form,
        page=page,
        filter_args={key: value for key, value in request.args.items() if key != "page" and value},
        subject_link=subject_link,
    )


@bp.route("/verify")
@access(Access.STAFF)
def verify():
    return render_template(
        "audit/verify.html", result=verify_log(), stale_minutes=int(STALE_AFTER.total_seconds() // 60)
    )
