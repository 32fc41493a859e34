"""Organisations that apply for funding: registered NGOs, informal resident groups, cooperatives."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.models_base import TimestampMixin, UTCDateTime, enum_type


class OrganisationKind(LabelledEnum):
    NGO = "ngo", _l("Registered association")  # rekisteröity yhdistys, has a Y-tunnus
    RESIDENT_GROUP = "resident_group", _l("Resident group")  # informal asukasryhmä, has named contact people
    COOPERATIVE = "cooperative", _l("Cooperative")  # osuuskunta, has a Y-tunnus


KINDS_WITH_BUSINESS_ID = {OrganisationKind.NGO, OrganisationKind.COOPERATIVE}


class MemberRole(LabelledEnum):
    REPRESENTATIVE = "representative", _l("Representative")  # manages members and applies on the organisation's behalf
    MEMBER = "member", _l("Member")


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind))
    name: Mapped[str] = mapped_column(String(200))
    business_id: Mapped[str | None] = mapped_column(String(9), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))

    district = relationship("District")
    memberships = relationship("Membership", back_populates="organisation", cascade="all, delete-orphan")
    contacts = relationship(
        "ContactPerson", back_populates="organisation", cascade="all, delete-orphan", order_by="ContactPerson.id"
    )
    invitations = relationship("Invitation", back_populates="organisation", cascade="all, delete-orphan")

    def membership_of(self, user):
        if user is None or not user.is_authenticated:
            return None
        return next((m for m in self.memberships if m.user_id == user.id), None)

    def is_member(self, user):
        return self.membership_of(user) is not None

    def can_view_private(self, user):
        """Members and staff see contact details and the member list; the public sees the profile only."""
        if user is None or not user.is_authenticated:
            return False
        return user.is_staff or self.is_member(user)

    def can_manage(self, user):
        """Representatives manage the profile and members; staff may help any organisation."""
        if user is None or not user.is_authenticated:
            return False
        if user.is_staff:
            return True
        membership = self.membership_of(user)
        return membership is not None and membership.role is MemberRole.REPRESENTATIVE

    def __repr__(self):
        return f"<Organisation {self.id} {self.name}>"


class Membership(TimestampMixin, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_type(MemberRole), default=MemberRole.MEMBER)

    organisation = relationship("Organisation", back_populates="memberships")
    user = relationship("User")


class ContactPerson(db.Model):
    """A named contact of an informal group; need not have an account (e.g. met at a pop-up point)."""

    __tablename__ = "contact_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))

    organisation = relationship("Organisation", back_populates="contacts")


class Invitation(TimestampMixin, db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[MemberRole] = mapped_column(enum_type(MemberRole), default=MemberRole.MEMBER)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation = relationship("Organisation", back_populates="invitations")
    invited_by = relationship("User")

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None
