"""Accounts: register, confirm the address, log in and out, reset or change the password and address,
download my data, delete my account. Views are thin: form -> service -> commit -> flash/redirect."""

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from pb.access import Access, access
from pb.auth import personal_data, services
from pb.auth.forms import (
    MIN_PASSWORD_LENGTH,
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from pb.auth.limits import login_limit, mail_limit, password_limit, refuse_password
from pb.extensions import db
from pb.i18n import SESSION_KEY, current_language
from pb.models_base import utcnow
from pb.security import safe_next
from pb.tokens import ExpiredToken, InvalidToken
from pb.transactions import commit

bp = Blueprint("auth", __name__, url_prefix="/auth")

# What the "check your email" page tells: {"to": address typed, "why": "register" | "verify" | "reset"}.
MAIL_SENT_KEY = "auth_mail_sent"

ROLE_LABELS = {
    "resident": _l("Resident: you can vote and make proposals"),
    "staff": _l("Staff member"),
    "admin": _l("Administrator"),
}


@bp.context_processor
def _password_rules():
    return {"min_password_length": MIN_PASSWORD_LENGTH}


def _this_user():
    return current_user._get_current_object()


def _signed_in_id():
    return current_user.id if current_user.is_authenticated else None


# Statuses of a mailed link that cannot be used: broken or used up, too old, or blocked by another account.
LINK_INVALID, LINK_EXPIRED, LINK_CONFLICT = 404, 410, 409


def _link_problem(status, title, message, action_label, action_url, action_method="get"):
    """A page for a mailed link that cannot be used, with one clear way forward."""
    return (
        render_template(
            "auth/link_problem.html",
            title=title,
            message=message,
            action_label=action_label,
            action_url=action_url,
            action_method=action_method,
        ),
        status,
    )


def _mail_sent(to, why):
    session[MAIL_SENT_KEY] = {"to": to, "why": why}
    return redirect(url_for("auth.check_email"))


# -- log in and out ------------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@access(Access.PUBLIC)
@login_limit
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next(form.next.data))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            services.sign_in(user, remember=form.remember.data)
            commit()
            login_user(user, remember=form.remember.data)
            session[SESSION_KEY] = user.locale
            with force_locale(user.locale):
                flash(_("You are logged in."), "success")
            return redirect(safe_next(form.next.data))
        refuse_password(form.email, _("Email or password is wrong."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@access(Access.SIGNED_IN)
def logout():
    # Ended on the server first: the session cookie and the remember-me cookie die wherever they were copied.
    services.sign_out(_this_user())
    commit()
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.home"))


# -- register and confirm the address ------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@access(Access.PUBLIC)
@mail_limit
def register():
    if current_user.is_authenticated:
        flash(_("You already have an account and you are logged in."), "info")
        return redirect(url_for("auth.account"))
    form = RegisterForm(language=current_language())
    if form.validate_on_submit():
        try:
            user = services.register(form.email.data, form.display_name.data, form.password.data, form.language.data)
            commit()
        except IntegrityError:
            # Two sign-ups with the same address at the same moment: the other one created the account.
            db.session.rollback()
            user = None
        if user is not None:
            login_user(user)
            session[SESSION_KEY] = user.locale
        # The same page whether or not the address already had an account (no enumeration).
        return _mail_sent(form.email.data, "register")
    return render_template("auth/register.html", form=form)


@bp.route("/check-email")
@access(Access.PUBLIC)
def check_email():
    sent = session.get(MAIL_SENT_KEY)
    if not sent:
        return redirect(url_for("public.home"))
    return render_template(
        "auth/check_email.html",
        sent_to=sent.get("to", ""),
        reason=sent.get("why"),
        link_hours=current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600,
        reset_minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


@bp.route("/verify/<token>")
@access(Access.PUBLIC)
def verify_email(token):
    signed_in_id = _signed_in_id()
    try:
        user, newly_verified = services.verify_email(token)
    except ExpiredToken:
        return _link_problem(
            LINK_EXPIRED,
            _("The link has expired"),
            _("Links for confirming an email address work for %(hours)s hours. You can get a new link.",
              hours=current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600),
            _("Send me a new link"),
            url_for("auth.renew_verification", token=token),
            action_method="post",
        )
    except InvalidToken:
        return _unusable_verification_link()
    commit()
    if newly_verified:
        flash(_("Thank you. Your email address is confirmed."), "success")
    else:
        flash(_("Your email address was already confirmed."), "info")
    if signed_in_id == user.id:
        return redirect(url_for("auth.account"))
    if signed_in_id is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for("public.home"))


def _unusable_verification_link():
    message = _(
        "This link does not work. It may have been cut off: copy the whole link from the email. "
        "It also stops working when the email address of the account changes."
    )
    if current_user.is_authenticated:
        if current_user.is_verified:
            return _link_problem(
                LINK_INVALID, _("The link does not work"), message, _("Go to my account"), url_for("auth.account")
            )
        return _link_problem(
            LINK_INVALID,
            _("The link does not work"),
            message,
            _("Send me a new link"),
            url_for("auth.resend_verification"),
            action_method="post",
        )
    return _link_problem(
        LINK_INVALID,
        _("The link does not work"),
        message,
        _("Log in to get a new link"),
        url_for("auth.login", next=url_for("auth.account")),
    )


@bp.route("/verify/<token>/renew", methods=["POST"])
@access(Access.PUBLIC)
@mail_limit
def renew_verification(token):
    try:
        user = services.renew_verification(token)
    except InvalidToken:
        return _unusable_verification_link()
    commit()
    if user.email_verified_at is not None:
        flash(_("Your email address was already confirmed."), "info")
        return redirect(url_for("auth.account" if _signed_in_id() == user.id else "auth.login"))
    return _mail_sent(user.email, "verify")


@bp.route("/account/verify-email", methods=["POST"])
@access(Access.SIGNED_IN)
@mail_limit
def resend_verification():
    user = _this_user()
    if user.email_verified_at is not None:
        flash(_("Your email address was already confirmed."), "info")
    else:
        services.send_verification(user)
        commit()
        flash(_("We sent a new link to %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.account"))


# -- forgotten password --------------------------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
@access(Access.PUBLIC)
@mail_limit
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        commit()
        # The same answer whether or not the address has an account.
        return _mail_sent(form.email.data, "reset")
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access(Access.PUBLIC)
def reset_password(token):
    try:
        user = services.user_for_reset(token)
    except ExpiredToken:
        return _link_problem(
            LINK_EXPIRED,
            _("The link has expired"),
            _("Links for making a new password work for %(minutes)s minutes. Ask for a new link.",
              minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60),
            _("Ask for a new link"),
            url_for("auth.reset_request"),
        )
    except InvalidToken:
        return _link_problem(
            LINK_INVALID,
            _("The link does not work"),
            _("The link has already been used, or it was cut off. Each link works only once. Ask for a new link."),
            _("Ask for a new link"),
            url_for("auth.reset_request"),
        )
    form = ResetPasswordForm()
    form.account = user
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        commit()
        flash(_("Your new password is saved. Log in with it."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, token=token)


# -- my account ----------------------------------------------------------------------------------


@bp.route("/account")
@access(Access.SIGNED_IN)
def account():
    user = _this_user()
    return render_template(
        "auth/account.html",
        user=user,
        roles=[ROLE_LABELS[name] for name in user.role_names],
        **personal_data.account_page_context(user),
    )


@bp.route("/account/profile", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
def edit_profile():
    user = _this_user()
    form = ProfileForm(data={"display_name": user.display_name, "language": user.locale})
    if form.validate_on_submit():
        services.update_profile(user, form.display_name.data, form.language.data)
        commit()
        session[SESSION_KEY] = user.locale
        with force_locale(user.locale):
            flash(_("Your details are saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/profile.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@password_limit
@mail_limit
def change_email():
    user = _this_user()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if not user.check_password(form.current_password.data):
            refuse_password(form.current_password, _("The password is wrong."))
        elif form.new_email.data == user.email:
            form.new_email.errors.append(_("This is already the email address of your account."))
        else:
            services.request_email_change(user, form.new_email.data)
            commit()
            flash(
                _("We sent a link to %(email)s. Your address changes when you open the link.",
                  email=form.new_email.data),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/change_email.html", form=form)


@bp.route("/email/<token>")
@access(Access.PUBLIC)
def confirm_email_change(token):
    # Read before the change: the change ends the current session version.
    signed_in_id = _signed_in_id()
    try:
        user = services.confirm_email_change(token)
    except ExpiredToken:
        return _link_problem(
            LINK_EXPIRED,
            _("The link has expired"),
            _("Links for changing the email address work for %(hours)s hours. Log in and ask again.",
              hours=current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600),
            _("Change the email address again"),
            url_for("auth.change_email"),
        )
    except services.EmailTaken:
        return _link_problem(
            LINK_CONFLICT,
            _("This address is already in use"),
            _("Another account already uses this email address, so it cannot be moved to your account."),
            _("Go to my account"),
            url_for("auth.account"),
        )
    except InvalidToken:
        return _link_problem(
            LINK_INVALID,
            _("The link does not work"),
            _("The link has already been used, or it was cut off. It also stops working when the password "
              "or the email address changes."),
            _("Go to my account"),
            url_for("auth.account"),
        )
    commit()
    flash(_("Your email address is now %(email)s.", email=user.email), "success")
    if signed_in_id == user.id:
        login_user(user)
        return redirect(url_for("auth.account"))
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@password_limit
def change_password():
    user = _this_user()
    form = ChangePasswordForm()
    form.account = user
    if form.validate_on_submit():
        if not user.check_password(form.current_password.data):
            refuse_password(form.current_password, _("The password is wrong."))
        else:
            services.change_password(user, form.password.data)
            commit()
            # Other sessions end with the new session version; this one continues.
            login_user(user)
            flash(_("Your new password is saved. You were logged out on your other devices."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/export")
@access(Access.SIGNED_IN)
def export_data():
    data = services.export_data(_this_user())
    commit()
    filename = f"my-data-{utcnow():%Y-%m-%d}.json"
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@access(Access.SIGNED_IN)
@password_limit
def delete_account():
    user = _this_user()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if not user.check_password(form.current_password.data):
            refuse_password(form.current_password, _("The password is wrong."))
        else:
            services.delete_account(user)
            commit()
            logout_user()
            flash(_("Your account is deleted. Thank you for taking part."), "success")
            return redirect(url_for("public.home"))
    return render_template("auth/delete_account.html", form=form)
