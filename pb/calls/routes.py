"""Funding call pages: the public list, call page and feeds, and the staff pages under /calls/manage/."""

import json
from email.utils import format_datetime as rfc822_datetime
from xml.etree import ElementTree

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from pb.access import Access, access, require
from pb.calls import services
from pb.calls.forms import AnswerForm, CallForm, CommentForm, CriterionForm, ReviewSettingsForm
from pb.calls.models import CallComment, CallStatus, Criterion, FundingCall
from pb.calls.services import ACTIONS, TRANSITION_NAMES, CallRuleError
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.i18n import current_language, local_datetime, localized
from pb.models_base import utcnow
from pb.money import money
from pb.transactions import commit

bp = Blueprint("calls", __name__, url_prefix="/calls")


def _time_parts(delta):
    seconds = delta.total_seconds()
    return int(seconds // 86400), int(seconds // 3600), max(1, int(seconds // 60))


def countdown_text(call, now):
    """"Closes in 5 days" / "Opens in 3 hours", worked out on the server; empty when neither applies.

    Whole units, rounded down: there is always at least as much time left as it says.
    """
    status = call.effective_status(now)
    if status is CallStatus.OPEN:
        days, hours, minutes = _time_parts(call.closes_at - now)
        if days >= 2:
            return ngettext("Closes in %(num)s day", "Closes in %(num)s days", days)
        if hours >= 1:
            return ngettext("Closes in %(num)s hour", "Closes in %(num)s hours", hours)
        return ngettext("Closes in %(num)s minute", "Closes in %(num)s minutes", minutes)
    if status is CallStatus.PUBLISHED:
        days, hours, minutes = _time_parts(call.opens_at - now)
        if days >= 2:
            return ngettext("Opens in %(num)s day", "Opens in %(num)s days", days)
        if hours >= 1:
            return ngettext("Opens in %(num)s hour", "Opens in %(num)s hours", hours)
        return ngettext("Opens in %(num)s minute", "Opens in %(num)s minutes", minutes)
    return ""


@bp.app_template_global("open_funding_calls")
def open_funding_calls(limit=3):
    """The open calls closing soonest, for the front page."""
    return services.open_calls_summary(limit)


def _call_or_404(call_id):
    return db.get_or_404(FundingCall, call_id)


def _public_call_or_404(call_id):
    """Drafts do not exist for anyone but staff."""
    call = _call_or_404(call_id)
    if not call.can_view(current_user):
        abort(404)
    return call


# --- public pages ----------------------------------------------------------------------------


@bp.route("/")
@access(Access.PUBLIC)
def index():
    now = utcnow()
    return render_template(
        "calls/index.html",
        groups=services.public_calls(now),
        now=now,
        countdown=countdown_text,
        can_manage=current_user.is_authenticated and current_user.is_staff,
    )


def _show_page(call, comment_form, now, status=200):
    return (
        render_template(
            "calls/show.html",
            call=call,
            now=now,
            status=call.effective_status(now),
            countdown=countdown_text(call, now),
            comment_form=comment_form,
            can_comment=call.can_comment(current_user, now),
            can_manage=call.can_manage(current_user),
        ),
        status,
    )


@bp.route("/<int:call_id>")
@access(Access.PUBLIC)
def show(call_id):
    call = _public_call_or_404(call_id)
    return _show_page(call, CommentForm(formdata=None), utcnow())


@bp.route("/<int:call_id>/comments", methods=["POST"])
@access(Access.RESIDENT)
def comment(call_id):
    call = _public_call_or_404(call_id)
    now = utcnow()
    form = CommentForm()
    if not form.validate_on_submit():
        return _show_page(call, form, now, status=422)
    try:
        services.add_comment(current_user, call, form.body.data, now)
    except CallRuleError as error:
        flash(str(error), "error")
        return _show_page(call, form, now, status=422)
    commit()
    flash(_("Thank you. Your comment was published."), "success")
    return redirect(url_for("calls.show", call_id=call.id, _anchor="comments"))


@bp.route("/<int:call_id>.json")
@access(Access.PUBLIC)
def call_json(call_id):
    call = _call_or_404(call_id)
    if not call.is_public:
        abort(404)
    return _json_response(services.public_data(call))


def _json_response(payload, mimetype="application/json"):
    return Response(json.dumps(payload, ensure_ascii=False, indent=2), mimetype=mimetype)


def _summary_text(call):
    """One plain-text paragraph for feed readers: amount, who may apply, deadline."""
    kinds = ", ".join(str(kind.label) for kind in call.kinds)
    return " ".join(
        (
            _("Grants from %(min)s to %(max)s.", min=money(call.min_grant_cents), max=money(call.max_grant_cents)),
            _("Who can apply: %(kinds)s.", kinds=kinds),
            _("Closes %(time)s (Finnish time).", time=local_datetime(call.closes_at)),
            localized(call.themes),
        )
    )


@bp.route("/feed.rss")
@access(Access.PUBLIC)
def feed_rss():
    """RSS 2.0 of the calls open now, in the visitor's language."""
    now = utcnow()
    rss = ElementTree.Element("rss", {"version": "2.0", "xmlns:atom": "http://www.w3.org/2005/Atom"})
    channel = ElementTree.SubElement(rss, "channel")
    ElementTree.SubElement(channel, "title").text = _("Open funding calls")
    ElementTree.SubElement(channel, "link").text = url_for("calls.index", _external=True)
    ElementTree.SubElement(channel, "description").text = _(
        "Partnership funding calls that resident groups and associations can apply to now."
    )
    ElementTree.SubElement(channel, "language").text = current_language()
    ElementTree.SubElement(channel, "lastBuildDate").text = rfc822_datetime(now)
    ElementTree.SubElement(
        channel,
        "atom:link",
        {"href": url_for("calls.feed_rss", _external=True), "rel": "self", "type": "application/rss+xml"},
    )
    for call in services.public_calls(now)["open"]:
        link = url_for("calls.show", call_id=call.id, _external=True)
        item = ElementTree.SubElement(channel, "item")
        ElementTree.SubElement(item, "title").text = call.display_title
        ElementTree.SubElement(item, "link").text = link
        ElementTree.SubElement(item, "guid", {"isPermaLink": "true"}).text = link
        ElementTree.SubElement(item, "description").text = _summary_text(call)
        ElementTree.SubElement(item, "pubDate").text = rfc822_datetime(call.opens_at)
    body = ElementTree.tostring(rss, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/rss+xml")


@bp.route("/open.json")
@access(Access.PUBLIC)
def feed_json():
    """JSON Feed 1.1 of the calls open now; each item carries the call's open data under ``_call``."""
    now = utcnow()
    items = []
    for call in services.public_calls(now)["open"]:
        data = services.public_data(call, now)
        items.append(
            {
                "id": data["url"],
                "url": data["url"],
                "title": call.display_title,
                "content_text": _summary_text(call),
                "date_published": data["opens_at"],
                "_call": data,
            }
        )
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _("Open funding calls"),
        "home_page_url": url_for("calls.index", _external=True),
        "feed_url": url_for("calls.feed_json", _external=True),
        "language": current_language(),
        "items": items,
    }
    return _json_response(feed, mimetype="application/feed+json")


# --- staff pages -----------------------------------------------------------------------------


@bp.route("/manage/")
@access(Access.STAFF)
def manage_index():
    now = utcnow()
    return render_template("calls/manage_index.html", calls=services.all_calls(), now=now)


@bp.route("/manage/new", methods=["GET", "POST"])
@access(Access.STAFF)
def create():
    form = CallForm()
    if form.validate_on_submit():
        call = services.create_call(current_user, form.call_data())
        commit()
        flash(_("The draft call was saved. Next, add the review criteria."), "success")
        return redirect(url_for("calls.manage", call_id=call.id))
    return render_template("calls/form.html", form=form, call=None)


def _manage_page(call, now, answer_forms=None, status=200):
    comments = call.top_level_comments()
    forms = {comment.id: AnswerForm(formdata=None, prefix=f"answer-{comment.id}") for comment in comments}
    forms.update(answer_forms or {})
    return (
        render_template(
            "calls/manage.html",
            call=call,
            status=call.effective_status(now),
            transitions=[(target, TRANSITION_NAMES[target][0]) for target in call.allowed_transitions(now)],
            publish_problems=call.publish_problems(now) if call.status is CallStatus.DRAFT else [],
            editable=call.is_before_opening(now),
            comments=comments,
            answer_forms=forms,
            can_answer=call.can_answer(current_user, now),
            countdown=countdown_text(call, now),
        ),
        status,
    )


@bp.route("/manage/<int:call_id>")
@access(Access.STAFF)
def manage(call_id):
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    return _manage_page(call, utcnow())


@bp.route("/manage/<int:call_id>/edit", methods=["GET", "POST"])
@access(Access.STAFF)
def edit(call_id):
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    if not call.is_before_opening():
        flash(_("The call has opened, so its details can no longer be changed."), "error")
        return redirect(url_for("calls.manage", call_id=call.id))
    form = CallForm.for_call(call)
    if form.validate_on_submit():
        try:
            changed = services.update_call(current_user, call, form.call_data())
        except CallRuleError as error:
            for message in error.messages:
                flash(message, "error")
        else:
            commit()
            _flash_saved(changed)
            return redirect(url_for("calls.manage", call_id=call.id))
    return render_template("calls/form.html", form=form, call=call)


@bp.route("/manage/<int:call_id>/review-settings", methods=["GET", "POST"])
@access(Access.STAFF)
def review_settings(call_id):
    """The review deadline, the official's confirmation and the appeal text: editable until the decision."""
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    form = ReviewSettingsForm.for_call(call)
    problems = []
    if form.validate_on_submit():
        try:
            changed = services.update_review_settings(current_user, call, form.settings_data())
        except CallRuleError as error:
            problems = error.messages
        else:
            commit()
            _flash_saved(changed)
            return redirect(url_for("calls.manage", call_id=call.id))
    status = 422 if form.is_submitted() else 200
    return render_template("calls/review_settings.html", form=form, call=call, problems=problems), status


def _flash_saved(changed):
    if changed:
        flash(_("The changes were saved."), "success")
    else:
        flash(_("Nothing was changed."), "info")


def _criterion_or_404(call, criterion_id):
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion.call_id != call.id:
        abort(404)
    return criterion


def _frozen_redirect(call):
    flash(_("The call has opened, so its criteria can no longer be changed."), "error")
    return redirect(url_for("calls.manage", call_id=call.id))


@bp.route("/manage/<int:call_id>/criteria/new", methods=["GET", "POST"])
@access(Access.STAFF)
def add_criterion(call_id):
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    if not call.is_before_opening():
        return _frozen_redirect(call)
    form = CriterionForm()
    if form.validate_on_submit():
        try:
            services.add_criterion(current_user, call, form.criterion_data())
        except CallRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("The criterion was added."), "success")
            return redirect(url_for("calls.manage", call_id=call.id, _anchor="criteria"))
    return render_template("calls/criterion_form.html", form=form, call=call, criterion=None)


@bp.route("/manage/<int:call_id>/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@access(Access.STAFF)
def edit_criterion(call_id, criterion_id):
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    criterion = _criterion_or_404(call, criterion_id)
    if not call.is_before_opening():
        return _frozen_redirect(call)
    form = CriterionForm.for_criterion(criterion)
    if form.validate_on_submit():
        try:
            changed = services.update_criterion(current_user, criterion, form.criterion_data())
        except CallRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            _flash_saved(changed)
            return redirect(url_for("calls.manage", call_id=call.id, _anchor="criteria"))
    return render_template("calls/criterion_form.html", form=form, call=call, criterion=criterion)


@bp.route("/manage/<int:call_id>/criteria/<int:criterion_id>/remove", methods=["POST"])
@access(Access.STAFF)
def remove_criterion(call_id, criterion_id):
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    criterion = _criterion_or_404(call, criterion_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The criterion could not be removed. Please try again."), "error")
    else:
        try:
            services.remove_criterion(current_user, criterion)
        except CallRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("The criterion was removed."), "success")
    return redirect(url_for("calls.manage", call_id=call.id, _anchor="criteria"))


@bp.route("/manage/<int:call_id>/criteria/<int:criterion_id>/move/<any(up, down):direction>", methods=["POST"])
@access(Access.STAFF)
def move_criterion(call_id, criterion_id, direction):
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    criterion = _criterion_or_404(call, criterion_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The order could not be changed. Please try again."), "error")
    else:
        try:
            moved = services.move_criterion(current_user, criterion, -1 if direction == "up" else 1)
        except CallRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            if moved:
                flash(_("The order of the criteria was changed."), "success")
    return redirect(url_for("calls.manage", call_id=call.id, _anchor="criteria"))


@bp.route("/manage/<int:call_id>/status/<action>", methods=["GET", "POST"])
@access(Access.STAFF)
def change_status(call_id, action):
    """GET asks for confirmation (what the step means); POST takes the step."""
    call = _call_or_404(call_id)
    require(call.can_manage(current_user))
    target = ACTIONS.get(action)
    if target is None:
        abort(404)
    now = utcnow()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.transition(current_user, call, target, now)
        except CallRuleError as error:
            for message in error.messages:
                flash(message, "error")
        else:
            commit()
            flash(_("The call is now: %(status)s.", status=call.effective_status(now).label), "success")
        return redirect(url_for("calls.manage", call_id=call.id))
    if not call.can_transition(target, now):
        flash(
            _(
                "A call that is \"%(current)s\" cannot be moved to \"%(target)s\".",
                current=call.effective_status(now).label,
                target=target.label,
            ),
            "error",
        )
        return redirect(url_for("calls.manage", call_id=call.id))
    return render_template(
        "calls/confirm_status.html",
        call=call,
        target=target,
        action=action,
        form=form,
        now=now,
        problems=call.publish_problems(now) if target is CallStatus.PUBLISHED else [],
    )


@bp.route("/manage/<int:call_id>/comments/<int:comment_id>/answer", methods=["POST"])
@access(Access.STAFF)
def answer(call_id, comment_id):
    call = _call_or_404(call_id)
    comment = db.session.get(CallComment, comment_id)
    if comment is None or comment.call_id != call.id:
        abort(404)
    now = utcnow()
    require(call.can_manage(current_user))
    form = AnswerForm(prefix=f"answer-{comment.id}")
    if not form.validate_on_submit():
        return _manage_page(call, now, answer_forms={comment.id: form}, status=422)
    try:
        services.answer_comment(current_user, comment, form.body.data, now)
    except CallRuleError as error:
        flash(str(error), "error")
        return _manage_page(call, now, answer_forms={comment.id: form}, status=422)
    commit()
    flash(_("Your answer was published."), "success")
    return redirect(url_for("calls.manage", call_id=call.id, _anchor=f"comment-{comment.id}"))
