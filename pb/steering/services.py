"""Steering groups and their members. Services flush only; every change is audited."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.auth.models import find_by_email
from pb.errors import DomainError
from pb.extensions import db
from pb.i18n import localized
from pb.mail import external_url, send_localized_mail
from pb.steering.models import SteeringGroup, SteeringMember


class SteeringRuleError(DomainError):
    """``str(error)`` is a translated message for the person who tried the change."""


def all_groups():
    groups = db.session.execute(db.select(SteeringGroup)).scalars().all()
    return sorted(groups, key=lambda group: (localized(group.name).lower(), group.id))


def memberships_of(user):
    members = db.session.execute(db.select(SteeringMember).where(SteeringMember.user_id == user.id)).scalars().all()
    return sorted(members, key=lambda member: localized(member.group.name).lower())


def create_group(actor, name, description):
    group = SteeringGroup(name=name, description=description)
    db.session.add(group)
    db.session.flush()
    record(actor, "steering.created", group, {"name": name.get("fi")})
    return group


def update_group(actor, group, name, description):
    values = {"name": name, "description": description}
    changed = [field for field, value in values.items() if getattr(group, field) != value]
    for field in changed:
        setattr(group, field, values[field])
    if changed:
        db.session.flush()
        record(actor, "steering.updated", group, {"fields": changed})
    return changed


def add_member(actor, group, email, role):
    user = find_by_email(email)
    if user is None or not user.is_active:
        raise SteeringRuleError(
            _("No account uses the email address %(email)s. Ask the person to create an account first.", email=email)
        )
    if group.member_of(user) is not None:
        raise SteeringRuleError(_("%(name)s is already in this group.", name=user.display_name))
    member = SteeringMember(user=user, role=role)
    group.members.append(member)
    db.session.flush()
    record(actor, "steering.member_added", group, {"user_id": user.id, "role": role.value})
    _tell_new_member(member)
    return member


def _tell_new_member(member):
    send_localized_mail(
        member.user.locale,
        member.user.email,
        lambda: _("You were added to the steering group %(name)s", name=localized(member.group.name)),
        lambda: _(
            "You are now in the steering group %(name)s. Your role: %(role)s.",
            name=localized(member.group.name),
            role=member.role.label,
        ),
        lambda: _("You can see the group and its members here:"),
        lambda: external_url("steering.show", group_id=member.group.id),
    )


def change_member_role(actor, member, role):
    if member.role is role:
        return False
    previous = member.role
    member.role = role
    db.session.flush()
    record(
        actor,
        "steering.member_role_changed",
        member.group,
        {"user_id": member.user_id, "from": previous.value, "to": role.value},
    )
    return True


def remove_member(actor, member):
    group = member.group
    group.members.remove(member)
    db.session.flush()
    record(actor, "steering.member_removed", group, {"user_id": member.user_id, "role": member.role.value})
