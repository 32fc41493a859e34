"""Organisations: profiles, members and invitations.

Services flush and never commit; the view commits. Each change is audited in the
same transaction. Rules a person can run into (a business ID already registered,
removing the last representative, an invitation for another account) raise
:class:`OrganisationRuleError`, whose text is a translated message for them.
"""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from pb import tokens
from pb.audit.services import record
from pb.auth.invitations import send_invitation_mail
from pb.errors import DomainError, LinkError
from pb.extensions import db
from pb.mail import external_url
from pb.models_base import utcnow
from pb.orgs.models import ContactPerson, Invitation, MemberRole, Membership, Organisation
from pb.tokens import Purpose

INVITATION_MAX_AGE = 14 * 24 * 3600
PROFILE_FIELDS = ("name", "business_id", "email", "phone", "address", "website", "district_id", "description")


class OrganisationRuleError(DomainError):
    """A change the rules do not allow; ``str(error)`` is a translated message for the person."""


class DuplicateBusinessId(OrganisationRuleError):
    pass


class InvitationLinkError(OrganisationRuleError, LinkError):
    """The link is damaged or too old; ``expired`` tells which."""


def _duplicate_business_id_error():
    return DuplicateBusinessId(
        _("An organisation with this business ID is already registered here. Ask its representative to invite you.")
    )


def _ensure_business_id_free(business_id, organisation=None):
    if not business_id:
        return
    query = db.select(Organisation.id).where(Organisation.business_id == business_id)
    if organisation is not None:
        query = query.where(Organisation.id != organisation.id)
    if db.session.execute(query.limit(1)).first() is not None:
        raise _duplicate_business_id_error()


def _flush_profile():
    try:
        db.session.flush()
    except IntegrityError:
        # Another request registered the same business ID between our check and this write.
        db.session.rollback()
        raise _duplicate_business_id_error() from None


def create_organisation(actor, kind, profile, contacts=()):
    """A new organisation with ``actor`` as its first representative."""
    _ensure_business_id_free(profile.get("business_id"))
    organisation = Organisation(kind=kind, **{name: profile.get(name) for name in PROFILE_FIELDS})
    organisation.contacts = [ContactPerson(**contact) for contact in contacts]
    organisation.memberships.append(Membership(user=actor, role=MemberRole.REPRESENTATIVE))
    db.session.add(organisation)
    _flush_profile()
    record(actor, "orgs.created", organisation, {"kind": kind.value, "name": organisation.name})
    return organisation


def update_organisation(actor, organisation, profile, contacts=None):
    """Apply the changed profile fields (and contacts, if given); returns the changed field names."""
    if profile.get("business_id") != organisation.business_id:
        _ensure_business_id_free(profile.get("business_id"), organisation)
    changed = [name for name in PROFILE_FIELDS if getattr(organisation, name) != profile.get(name)]
    for name in changed:
        setattr(organisation, name, profile.get(name))
    if contacts is not None:
        current = [{"name": c.name, "email": c.email, "phone": c.phone} for c in organisation.contacts]
        if current != list(contacts):
            organisation.contacts = [ContactPerson(**contact) for contact in contacts]
            changed.append("contacts")
    if changed:
        _flush_profile()
        record(actor, "orgs.updated", organisation, {"fields": changed})
    return changed


def _lock(organisation):
    """Serialise member changes of one organisation (PostgreSQL row lock; SQLite locks on write)."""
    db.session.execute(
        db.select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()
    ).first()


def _ensure_other_representative(membership):
    _lock(membership.organisation)
    others = db.session.scalar(
        db.select(db.func.count(Membership.id)).where(
            Membership.organisation_id == membership.organisation_id,
            Membership.role == MemberRole.REPRESENTATIVE,
            Membership.id != membership.id,
        )
    )
    if not others:
        raise OrganisationRuleError(
            _("An organisation needs at least one representative. Make another member a representative first.")
        )


def change_member_role(actor, membership, role):
    """Returns False when the member already has that role."""
    if membership.role is role:
        return False
    if membership.role is MemberRole.REPRESENTATIVE:
        _ensure_other_representative(membership)
    previous = membership.role
    membership.role = role
    db.session.flush()
    record(
        actor,
        "orgs.member_role_changed",
        membership.organisation,
        {"user_id": membership.user_id, "from": previous.value, "to": role.value},
    )
    return True


def remove_member(actor, membership):
    if membership.role is MemberRole.REPRESENTATIVE:
        _ensure_other_representative(membership)
    organisation = membership.organisation
    organisation.memberships.remove(membership)
    db.session.flush()
    record(actor, "orgs.member_removed", organisation, {"user_id": membership.user_id})


def leave_organisation(user, organisation):
    membership = organisation.membership_of(user)
    if membership is None:
        raise OrganisationRuleError(_("You are not a member of this organisation."))
    if membership.role is MemberRole.REPRESENTATIVE:
        _ensure_other_representative(membership)
    organisation.memberships.remove(membership)
    db.session.flush()
    record(user, "orgs.left", organisation, {"role": membership.role.value})


def invitation_token(invitation):
    return tokens.invitation_token(Purpose.ORGANISATION_INVITATION, invitation, "invitation")


def invitation_from_token(token):
    return tokens.invited_row(
        Purpose.ORGANISATION_INVITATION, token, INVITATION_MAX_AGE, Invitation, "invitation",
        error=InvitationLinkError,
        expired_message=_("This invitation link is more than 14 days old. Ask the organisation to invite you again."),
        gone_message=_("This invitation no longer exists. Ask the organisation to invite you again."),
    )


def invite_member(actor, organisation, email, role):
    """Invite ``email`` with ``role``; an open invitation to the same address is sent again.

    Returns ``(invitation, sent_again)``.
    """
    email = email.strip().lower()
    if any(membership.user.email == email for membership in organisation.memberships):
        raise OrganisationRuleError(_("%(email)s is already a member of this organisation.", email=email))
    invitation = next((i for i in organisation.invitations if i.is_open and i.email == email), None)
    sent_again = invitation is not None
    if invitation is None:
        invitation = Invitation(email=email, role=role, invited_by=actor)
        organisation.invitations.append(invitation)
    invitation.role = role
    db.session.flush()
    record(
        actor,
        "orgs.member_invited",
        organisation,
        {"invitation_id": invitation.id, "role": role.value, "sent_again": sent_again},
    )
    _send_invitation(actor, invitation)
    return invitation, sent_again


def _send_invitation(actor, invitation):
    send_invitation_mail(
        invitation.email,
        lambda: _("Invitation to join %(name)s", name=invitation.organisation.name),
        lambda: _(
            "%(person)s has invited you to join %(name)s on %(site)s. Your role would be: %(role)s.",
            person=actor.display_name,
            name=invitation.organisation.name,
            site=current_app.config["SITE_NAME"],
            role=invitation.role.label,
        ),
        lambda: external_url("orgs.show_invitation", token=invitation_token(invitation)),
        lambda: _("The link works for 14 days. If you do not want to join, you can ignore this message."),
    )


def accept_invitation(user, invitation):
    """``user`` joins with the invited role; an existing member is promoted, never demoted."""
    organisation = invitation.organisation
    if invitation.accepted_at is not None:
        if organisation.is_member(user):
            raise OrganisationRuleError(
                _("You have already accepted this invitation. You are a member of %(name)s.", name=organisation.name)
            )
        raise OrganisationRuleError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise OrganisationRuleError(_("This invitation was cancelled. Ask the organisation for a new one."))
    if user.email != invitation.email:
        raise OrganisationRuleError(
            _(
                "This invitation was sent to %(email)s, but you are logged in with another email address. "
                "Log out and log in with the account for %(email)s.",
                email=invitation.email,
            )
        )
    _lock(organisation)
    membership = organisation.membership_of(user)
    if membership is None:
        organisation.memberships.append(Membership(user=user, role=invitation.role))
    elif invitation.role is MemberRole.REPRESENTATIVE:
        membership.role = MemberRole.REPRESENTATIVE
    invitation.accepted_at = utcnow()
    db.session.flush()
    record(
        user, "orgs.invitation_accepted", organisation, {"invitation_id": invitation.id, "role": invitation.role.value}
    )


def revoke_invitation(actor, invitation):
    if not invitation.is_open:
        raise OrganisationRuleError(_("This invitation has already been used or cancelled."))
    invitation.revoked_at = utcnow()
    db.session.flush()
    record(actor, "orgs.invitation_revoked", invitation.organisation, {"invitation_id": invitation.id})


def search_query(name=None, kind=None, district_id=None):
    query = db.select(Organisation).order_by(db.func.lower(Organisation.name), Organisation.id)
    if name:
        query = query.where(Organisation.name.icontains(name, autoescape=True))
    if kind:
        query = query.where(Organisation.kind == kind)
    if district_id:
        query = query.where(Organisation.district_id == district_id)
    return query


def memberships_of(user):
    return (
        db.session.execute(
            db.select(Membership)
            .join(Membership.organisation)
            .where(Membership.user_id == user.id)
            .order_by(db.func.lower(Organisation.name))
        )
        .scalars()
        .all()
    )


def open_invitations(organisation):
    return sorted((i for i in organisation.invitations if i.is_open), key=lambda i: i.created_at, reverse=True)
