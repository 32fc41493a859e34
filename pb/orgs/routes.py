"""Organisation pages: public list and profile, create and edit, members, invitations."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access, require
from pb.extensions import db
from pb.forms import ConfirmForm
from pb.orgs import services
from pb.orgs.forms import InviteForm, MemberRoleForm, OrganisationForm, OrganisationSearchForm
from pb.orgs.models import Invitation, MemberRole, Membership, Organisation, OrganisationKind
from pb.orgs.services import OrganisationRuleError
from pb.transactions import commit

bp = Blueprint("orgs", __name__, url_prefix="/organisations")

PER_PAGE = 25


def _organisation_or_404(org_id):
    return db.get_or_404(Organisation, org_id)


def _membership_or_404(organisation, membership_id):
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != organisation.id:
        abort(404)
    return membership


@bp.route("/")
@access(Access.PUBLIC)
def index():
    form = OrganisationSearchForm(request.args)
    filters = {}
    if form.validate():
        filters = {"name": form.q.data, "kind": form.kind.data or None, "district_id": form.district.data}
    page = db.paginate(
        services.search_query(**filters), page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False
    )
    own = services.memberships_of(current_user) if current_user.is_authenticated else []
    return render_template(
        "orgs/index.html",
        form=form,
        page=page,
        own_memberships=own,
        filter_args={key: value for key, value in request.args.items() if key != "page"},
    )


@bp.route("/new")
@access(Access.RESIDENT)
def choose_kind():
    return render_template("orgs/choose_kind.html", kinds=list(OrganisationKind))


@bp.route("/new/<kind>", methods=["GET", "POST"])
@access(Access.RESIDENT)
def create(kind):
    try:
        kind = OrganisationKind(kind)
    except ValueError:
        abort(404)
    form = OrganisationForm(kind)
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(current_user, kind, form.profile_data(), form.contact_rows())
        except services.DuplicateBusinessId as error:
            form.business_id.errors.append(str(error))
        else:
            commit()
            flash(
                _("The organisation %(name)s was created. You are its representative.", name=organisation.name),
                "success",
            )
            return redirect(url_for("orgs.show", org_id=organisation.id))
    return render_template("orgs/form.html", form=form, kind=kind, organisation=None)


@bp.route("/<int:org_id>")
@access(Access.PUBLIC)
def show(org_id):
    organisation = _organisation_or_404(org_id)
    return render_template(
        "orgs/show.html",
        organisation=organisation,
        can_view_private=organisation.can_view_private(current_user),
        can_manage=organisation.can_manage(current_user),
        membership=organisation.membership_of(current_user),
    )


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@access(Access.RESIDENT)
def edit(org_id):
    organisation = _organisation_or_404(org_id)
    require(organisation.can_manage(current_user))
    form = OrganisationForm(organisation.kind, obj=organisation)
    if form.validate_on_submit():
        contacts = form.contact_rows() if organisation.kind is OrganisationKind.RESIDENT_GROUP else None
        try:
            changed = services.update_organisation(current_user, organisation, form.profile_data(), contacts)
        except services.DuplicateBusinessId as error:
            form.business_id.errors.append(str(error))
        else:
            commit()
            if changed:
                flash(_("The changes were saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("orgs.show", org_id=organisation.id))
    return render_template("orgs/form.html", form=form, kind=organisation.kind, organisation=organisation)


@bp.route("/<int:org_id>/members")
@access(Access.RESIDENT)
def members(org_id):
    organisation = _organisation_or_404(org_id)
    require(organisation.can_view_private(current_user))
    memberships = sorted(
        organisation.memberships,
        key=lambda m: (m.role is not MemberRole.REPRESENTATIVE, (m.user.display_name or "").lower()),
    )
    return render_template(
        "orgs/members.html",
        organisation=organisation,
        memberships=memberships,
        invitations=services.open_invitations(organisation),
        can_manage=organisation.can_manage(current_user),
        MemberRole=MemberRole,
    )


@bp.route("/<int:org_id>/members/<int:membership_id>/role", methods=["POST"])
@access(Access.RESIDENT)
def change_role(org_id, membership_id):
    organisation = _organisation_or_404(org_id)
    require(organisation.can_manage(current_user))
    membership = _membership_or_404(organisation, membership_id)
    form = MemberRoleForm()
    if not form.validate_on_submit():
        flash(_("The role could not be changed. Please try again."), "error")
        return redirect(url_for("orgs.members", org_id=organisation.id))
    try:
        services.change_member_role(current_user, membership, MemberRole(form.role.data))
    except OrganisationRuleError as error:
        flash(str(error), "error")
    else:
        commit()
        flash(
            _("%(name)s is now: %(role)s.", name=membership.user.display_name, role=membership.role.label), "success"
        )
    return redirect(url_for("orgs.members", org_id=organisation.id))


@bp.route("/<int:org_id>/members/<int:membership_id>/remove", methods=["POST"])
@access(Access.RESIDENT)
def remove_member(org_id, membership_id):
    organisation = _organisation_or_404(org_id)
    require(organisation.can_manage(current_user))
    membership = _membership_or_404(organisation, membership_id)
    if ConfirmForm().validate_on_submit():
        name = membership.user.display_name
        try:
            services.remove_member(current_user, membership)
        except OrganisationRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("%(name)s was removed from the organisation.", name=name), "success")
    else:
        flash(_("The member could not be removed. Please try again."), "error")
    if organisation.can_view_private(current_user):
        return redirect(url_for("orgs.members", org_id=organisation.id))
    return redirect(url_for("orgs.show", org_id=organisation.id))


@bp.route("/<int:org_id>/leave", methods=["POST"])
@access(Access.RESIDENT)
def leave(org_id):
    organisation = _organisation_or_404(org_id)
    require(organisation.is_member(current_user))
    if ConfirmForm().validate_on_submit():
        try:
            services.leave_organisation(current_user, organisation)
        except OrganisationRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("You left %(name)s.", name=organisation.name), "success")
    else:
        flash(_("Leaving did not work. Please try again."), "error")
    return redirect(url_for("orgs.show", org_id=organisation.id))


@bp.route("/<int:org_id>/invitations/new", methods=["GET", "POST"])
@access(Access.RESIDENT)
def invite(org_id):
    organisation = _organisation_or_404(org_id)
    require(organisation.can_manage(current_user))
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation, sent_again = services.invite_member(
                current_user, organisation, form.email.data, MemberRole(form.role.data)
            )
        except OrganisationRuleError as error:
            form.email.errors.append(str(error))
        else:
            commit()
            if sent_again:
                flash(_("The invitation to %(email)s was sent again.", email=invitation.email), "success")
            else:
                flash(_("An invitation was sent to %(email)s.", email=invitation.email), "success")
            return redirect(url_for("orgs.members", org_id=organisation.id))
    return render_template("orgs/invite.html", organisation=organisation, form=form)


@bp.route("/<int:org_id>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@access(Access.RESIDENT)
def revoke_invitation(org_id, invitation_id):
    organisation = _organisation_or_404(org_id)
    require(organisation.can_manage(current_user))
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            services.revoke_invitation(current_user, invitation)
        except OrganisationRuleError as error:
            flash(str(error), "error")
        else:
            commit()
            flash(_("The invitation to %(email)s was cancelled.", email=invitation.email), "success")
    else:
        flash(_("The invitation could not be cancelled. Please try again."), "error")
    return redirect(url_for("orgs.members", org_id=organisation.id))


def _invitation_problem(invitation):
    """Why the visitor cannot accept this invitation now, or None."""
    if invitation.revoked_at is not None:
        return _("This invitation was cancelled. Ask the organisation for a new one.")
    if invitation.accepted_at is not None:
        if invitation.organisation.is_member(current_user):
            return _("You have already accepted this invitation. You are a member of %(name)s.",
                     name=invitation.organisation.name)
        return _("This invitation has already been used.")
    if current_user.is_authenticated and current_user.email != invitation.email:
        return _(
            "This invitation was sent to %(email)s, but you are logged in with another email address. "
            "Log out and log in with the account for %(email)s.",
            email=invitation.email,
        )
    return None


def _invitation_page(token, problem=None):
    """The invitation, or why it cannot be used, with what the visitor can do next."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationLinkError as error:
        status = 410 if error.expired else 404
        return render_template("orgs/invitation.html", invitation=None, problem=str(error), token=token), status
    if problem is None:
        problem = _invitation_problem(invitation)
    return render_template(
        "orgs/invitation.html", invitation=invitation, problem=problem, token=token, form=ConfirmForm()
    )


@bp.route("/invitations/<token>")
@access(Access.PUBLIC)
def show_invitation(token):
    return _invitation_page(token)


@bp.route("/invitations/<token>", methods=["POST"])
@access(Access.RESIDENT)
def accept_invitation(token):
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationLinkError:
        return _invitation_page(token)
    if not ConfirmForm().validate_on_submit():
        return _invitation_page(token, problem=_("The invitation could not be accepted. Please try again."))
    try:
        services.accept_invitation(current_user, invitation)
    except OrganisationRuleError as error:
        return _invitation_page(token, problem=str(error))
    commit()
    flash(_("Welcome! You are now a member of %(name)s.", name=invitation.organisation.name), "success")
    return redirect(url_for("orgs.show", org_id=invitation.organisation_id))
