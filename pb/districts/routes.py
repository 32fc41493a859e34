"""District pages: public list and page; staff create, edit and delete."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access
from pb.districts import services
from pb.districts.forms import DistrictForm
from pb.districts.models import District
from pb.extensions import db
from pb.forms import ConfirmForm, translated_data
from pb.transactions import commit

bp = Blueprint("districts", __name__, url_prefix="/districts")


@bp.route("/")
@access(Access.PUBLIC)
def index():
    return render_template("districts/index.html", districts=services.districts_in_order())


@bp.route("/<int:district_id>")
@access(Access.PUBLIC)
def show(district_id):
    return render_template("districts/show.html", district=db.get_or_404(District, district_id))


@bp.route("/new", methods=["GET", "POST"])
@access(Access.STAFF)
def create():
    form = DistrictForm()
    if form.validate_on_submit():
        district = services.create_district(
            current_user, translated_data(form.name), form.population.data, form.postal_codes.data
        )
        commit()
        flash(_("The district %(name)s was added.", name=district.display_name), "success")
        return redirect(url_for("districts.show", district_id=district.id))
    return render_template("districts/form.html", form=form, district=None)


@bp.route("/<int:district_id>/edit", methods=["GET", "POST"])
@access(Access.STAFF)
def edit(district_id):
    district = db.get_or_404(District, district_id)
    form = DistrictForm(
        data={"name": district.name, "population": district.population, "postal_codes": district.postal_codes}
    )
    if form.validate_on_submit():
        changed = services.update_district(
            current_user, district, translated_data(form.name), form.population.data, form.postal_codes.data
        )
        commit()
        flash(_("The changes were saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
        return redirect(url_for("districts.show", district_id=district.id))
    return render_template("districts/form.html", form=form, district=district)


@bp.route("/<int:district_id>/delete")
@access(Access.STAFF)
def confirm_delete(district_id):
    district = db.get_or_404(District, district_id)
    try:
        services.ensure_deletable(district)
    except services.DistrictInUse as error:
        return render_template("districts/delete.html", district=district, problem=str(error))
    return render_template("districts/delete.html", district=district, problem=None)


@bp.route("/<int:district_id>/delete", methods=["POST"])
@access(Access.STAFF)
def delete(district_id):
    district = db.get_or_404(District, district_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The district could not be deleted. Please try again."), "error")
        return redirect(url_for("districts.confirm_delete", district_id=district.id))
    name = district.display_name
    try:
        services.delete_district(current_user, district)
    except services.DistrictInUse as error:
        flash(str(error), "error")
        return redirect(url_for("districts.show", district_id=district.id))
    commit()
    flash(_("The district %(name)s was deleted.", name=name), "success")
    return redirect(url_for("districts.index"))
