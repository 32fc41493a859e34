"""Steering group pages: staff manage groups and members; members see their groups."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.extensions import db
from pb.forms import ConfirmForm, translated_data
from pb.steering import services
from pb.steering.forms import AddMemberForm, MemberRoleForm, SteeringGroupForm
from pb.steering.models import SteeringGroup, SteeringMember, SteeringRole
from pb.transactions import commit

bp = Blueprint("steering", __name__, url_prefix="/steering-groups")


def _member_or_404(group, member_id):
    member = db.session.get(SteeringMember, member_id)
    if member is None or member.group_id != group.id:
        abort(404)
    return member


def _group_page(group, add_form=None):
    members = sorted(group.members, key=lambda m: (m.role is not SteeringRole.CHAIR, m.user.display_name.lower()))
    return render_template(
        "steering/show.html",
        group=group,
        members=members,
        add_form=add_form or AddMemberForm(),
        roles=list(SteeringRole),
    )


@bp.route("/")
@access(Access.STAFF)
def index():
    return render_template("steering/index.html", groups=services.all_groups())


@bp.route("/mine")
@access(Access.SIGNED_IN)
def mine():
    return render_template("steering/mine.html", memberships=services.memberships_of(current_user))


@bp.route("/new", methods=["GET", "POST"])
@access(Access.STAFF)
def create():
    form = SteeringGroupForm()
    if form.validate_on_submit():
        group = services.create_group(current_user, translated_data(form.name), translated_data(form.description))
        commit()
        flash(_("The steering group was created. Now add its members."), "success")
        return redirect(url_for("steering.show", group_id=group.id))
    return render_template("steering/form.html", form=form, group=None)


@bp.route("/<int:group_id>")
@access(Access.SIGNED_IN)
def show(group_id):
    group = db.get_or_404(SteeringGroup, group_id)
    require(group.can_view(current_user))
    return _group_page(group)


@bp.route("/<int:group_id>/edit", methods=["GET", "POST"])
@access(Access.STAFF)
def edit(group_id):
    group = db.get_or_404(SteeringGroup, group_id)
    form = SteeringGroupForm(data={"name": group.name, "description": group.description})
    if form.validate_on_submit():
        changed = services.update_group(
            current_user, group, translated_data(form.name), translated_data(form.description)
        )
        commit()
        flash(_("The changes were saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
        return redirect(url_for("steering.show", group_id=group.id))
    return render_template("steering/form.html", form=form, group=group)


@bp.route("/<int:group_id>/members", methods=["POST"])
@access(Access.STAFF)
def add_member(group_id):
    group = db.get_or_404(SteeringGroup, group_id)
    form = AddMemberForm()
    if not form.validate_on_submit():
        return _group_page(group, form)
    try:
        member = services.add_member(current_user, group, form.email.data, SteeringRole(form.role.data))
    except services.SteeringRuleError as error:
        form.email.errors.append(str(error))
        return _group_page(group, form)
    commit()
    flash(_("%(name)s was added to the group.", name=member.user.display_name), "success")
    return redirect(url_for("steering.show", group_id=group.id))


@bp.route("/<int:group_id>/members/<int:member_id>/role", methods=["POST"])
@access(Access.STAFF)
def change_role(group_id, member_id):
    group = db.get_or_404(SteeringGroup, group_id)
    member = _member_or_404(group, member_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        flash(_("The role could not be changed. Please try again."), "error")
    elif services.change_member_role(current_user, member, SteeringRole(form.role.data)):
        commit()
        flash(_("%(name)s is now: %(role)s.", name=member.user.display_name, role=member.role.label), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("steering.show", group_id=group.id))


@bp.route("/<int:group_id>/members/<int:member_id>/remove", methods=["POST"])
@access(Access.STAFF)
def remove_member(group_id, member_id):
    group = db.get_or_404(SteeringGroup, group_id)
    member = _member_or_404(group, member_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The member could not be removed. Please try again."), "error")
    else:
        name = member.user.display_name
        services.remove_member(current_user, member)
        commit()
        flash(_("%(name)s was removed from the group.", name=name), "success")
    return redirect(url_for("steering.show", group_id=group.id))
