"""Front page, language choice and the plain-language help pages."""

from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from pb.access import Access, access
from pb.extensions import db
from pb.i18n import SESSION_KEY
from pb.public import bp
from pb.transactions import commit


def safe_next(target, fallback="public.home"):
    """Only same-site relative paths are followed after a form (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(fallback)


@bp.route("/")
@access(Access.PUBLIC)
def home():
    from pb.districts.models import District
    from pb.orgs.models import Organisation

    districts = db.session.execute(db.select(District).order_by(District.id)).scalars().all()
    organisation_count = db.session.scalar(db.select(db.func.count(Organisation.id)))
    return render_template("public/home.html", districts=districts, organisation_count=organisation_count)


@bp.route("/language", methods=["POST"])
@access(Access.PUBLIC)
def set_language():
    language = request.form.get("language")
    if language in current_app.config["LANGUAGES"]:
        session[SESSION_KEY] = language
        if current_user.is_authenticated:
            current_user.locale = language
            commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/help")
@access(Access.PUBLIC)
def help():
    return render_template("public/help.html")


@bp.route("/accessibility")
@access(Access.PUBLIC)
def accessibility():
    return render_template("public/accessibility.html")


@bp.route("/privacy")
@access(Access.PUBLIC)
def privacy():
    return render_template("public/privacy.html")
