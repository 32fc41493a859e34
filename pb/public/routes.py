"""Front page, language choice and the plain-language help pages."""

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user

from pb.access import Access, access
from pb.extensions import db
from pb.i18n import SESSION_KEY
from pb.security import safe_next
from pb.transactions import commit

bp = Blueprint("public", __name__)


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
