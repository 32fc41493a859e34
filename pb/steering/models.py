"""Steering groups (ohjausryhmä): the people who review, score and decide."""


from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.models_base import TimestampMixin, enum_type


class SteeringRole(LabelledEnum):
    CHAIR = "chair", _l("Chair")
    MEMBER = "member", _l("Member")
    EXPERT_BY_EXPERIENCE = "expert_by_experience", _l("Expert by experience")  # kokemusasiantuntija
    OFFICIAL = "official", _l("Official")  # viranhaltija
    NGO_REPRESENTATIVE = "ngo_representative", _l("NGO representative")


class SteeringGroup(TimestampMixin, db.Model):
    __tablename__ = "steering_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON, default=dict)

    members = relationship("SteeringMember", back_populates="group", cascade="all, delete-orphan")

    def member_of(self, user):
        if user is None or not user.is_authenticated:
            return None
        return next((m for m in self.members if m.user_id == user.id), None)

    def can_view(self, user):
        return bool(user and user.is_authenticated and (user.is_staff or self.member_of(user)))


class SteeringMember(TimestampMixin, db.Model):
    __tablename__ = "steering_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("steering_groups.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[SteeringRole] = mapped_column(enum_type(SteeringRole), default=SteeringRole.MEMBER)

    group = relationship("SteeringGroup", back_populates="members")
    user = relationship("User")
