"""Proposals (hakemus) to partnership-funding calls: the working copy, submitted versions,
budget lines, goals, attachments, co-applicants and the staff's eligibility screening.

The proposal row is the applicant's *working copy*. Each submit freezes what was sent in a
:class:`ProposalVersion` snapshot; after the first submit the working copy may be edited
until the deadline, and only a new submit makes those edits count. Staff, reviewers,
exports and open data read the latest snapshot, never unsent edits.

Two people editing the same proposal at once are kept apart by optimistic locking:
``version_id`` grows on every save and each form carries the value it was built from; a save
from an older value is merged by field with the newer one, and refused only where both changed
the same field (pb.proposals.services.merging), never silently overwriting it.
"""

import enum
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.calls.models import CallStatus
from pb.enums import LabelledEnum
from pb.extensions import db
from pb.models_base import TimestampMixin, UTCDateTime, enum_type, utcnow
from pb.orgs.models import MemberRole, OrganisationKind

TITLE_MAX = 200
SUMMARY_MAX = 1000
DESCRIPTION_MAX = 10000
TARGET_GROUPS_MAX = 1000
BUDGET_ROWS = 8
GOAL_ROWS = 4
PARTNER_ROWS = 4


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"  # not sent; only the applicants see it
    SUBMITTED = "submitted"  # sent at least once; the latest version counts
    WITHDRAWN = "withdrawn"  # the applicant took it back


class Channel(LabelledEnum):
    ONLINE = "online", _l("Online")  # the applicant filled it in here
    # staff filled it in on the group's behalf (pop-up point, phone)
    ASSISTED = "assisted", _l("With help from staff")


class Eligibility(LabelledEnum):
    ELIGIBLE = "eligible", _l("Eligible")
    NOT_ELIGIBLE = "not_eligible", _l("Not eligible")


class IneligibilityReason(LabelledEnum):
    WRONG_APPLICANT_KIND = "wrong_applicant_kind", _l("This kind of applicant cannot apply to this call")
    OUTSIDE_DISTRICTS = "outside_districts", _l("The activity is not in the districts of the call")
    BUDGET_OUTSIDE_LIMITS = "budget_outside_limits", _l("The amount or the own funding is outside the limits")
    INCOMPLETE = "incomplete", _l("Information is missing from the proposal")
    OTHER = "other", _l("Another reason")


class DecisionOutcome(LabelledEnum):
    """What was decided about a proposal (the review domain records it; the proposal keeps what was published)."""

    APPROVED = "approved", _l("Approved")
    APPROVED_REDUCED = "approved_reduced", _l("Approved with a smaller amount")
    REJECTED = "rejected", _l("Not approved")
    RETURNED = "returned", _l("Returned for more information")

    @property
    def is_funded(self):
        return self in (DecisionOutcome.APPROVED, DecisionOutcome.APPROVED_REDUCED)

    @property
    def is_final(self):
        return self is not DecisionOutcome.RETURNED


class PartnerKind(LabelledEnum):
    ORGANISATION = "organisation", _l("Association or group")
    PUBLIC_BODY = "public_body", _l("Public body")
    COMPANY = "company", _l("Company")


class CoApplicantRight(LabelledEnum):
    VIEW = "view", _l("Can read")
    EDIT = "edit", _l("Can read and edit")


class ApplicantStatus(LabelledEnum):
    """What the applicant is told, in plain words; worked out from the proposal and its call."""

    DRAFT = "draft", _l("Draft – not sent yet")
    RECEIVED = "received", _l("Received")
    # Sent, the call has closed, and staff have not checked it yet: it can no longer be changed.
    BEING_CHECKED = "being_checked", _l("Received – being checked")
    BEING_REVIEWED = "being_reviewed", _l("Being reviewed")
    DECIDED = "decided", _l("Decided")
    WITHDRAWN = "withdrawn", _l("Withdrawn")
    NOT_ELIGIBLE = "not_eligible", _l("Not eligible")
    RETURNED = "returned", _l("More information asked")

    @property
    def next_step(self):
        return {
            ApplicantStatus.DRAFT: _l(
                "Only you and your co-applicants can see the draft. Send it before the call closes. "
                "A draft that is not sent is not reviewed."
            ),
            ApplicantStatus.RECEIVED: _l(
                "We have your proposal. You can still change it until the call closes; send the changes again. "
                "After the call closes, staff check that the proposal follows the rules of the call."
            ),
            ApplicantStatus.BEING_CHECKED: _l(
                "The call has closed, so the proposal can no longer be changed. Staff now check that it follows "
                "the rules of the call. You will get a message when the check is done."
            ),
            ApplicantStatus.BEING_REVIEWED: _l(
                "The proposal follows the rules of the call. The steering group is now reading the proposals "
                "and giving points. You will get a message when the decision is made."
            ),
            ApplicantStatus.DECIDED: _l("The decision has been made. You can read it and its reasons below."),
            ApplicantStatus.RETURNED: _l(
                "The steering group asks for more information. Change the proposal as asked below and send it "
                "again; the steering group then looks at it again."
            ),
            ApplicantStatus.WITHDRAWN: _l("You took the proposal back. It is not reviewed."),
            ApplicantStatus.NOT_ELIGIBLE: _l(
                "The proposal does not follow the rules of the call, so it is not reviewed. The reasons, and how "
                "to ask for a correction if you think the check went wrong, are below."
            ),
        }[self]


proposal_districts = Table(
    "proposal_districts",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id"), primary_key=True),
)


class Proposal(TimestampMixin, db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("cofunding_cents >= 0", name="cofunding_not_negative"),
        CheckConstraint("start_date IS NULL OR end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        CheckConstraint("status != 'submitted' OR submitted_at IS NOT NULL", name="sent_proposal_has_submit_time"),
        CheckConstraint(
            "eligibility IS NULL OR eligibility = 'eligible' OR ineligibility_reason IS NOT NULL",
            name="not_eligible_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("funding_calls.id"), index=True)
    # None only for an assisted proposal whose group is not registered here yet (until it is claimed).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(enum_type(ProposalStatus), default=ProposalStatus.DRAFT, index=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel), default=Channel.ONLINE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The staff member who filled in an assisted proposal.
    assisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # As told to staff at a pop-up point or on the phone, for an assisted proposal.
    applicant_name: Mapped[str | None] = mapped_column(String(200))
    # The kind of the group, as staff recorded it, while no organisation is linked.
    applicant_kind: Mapped[OrganisationKind | None] = mapped_column(enum_type(OrganisationKind))
    applicant_email: Mapped[str | None] = mapped_column(String(254))
    applicant_phone: Mapped[str | None] = mapped_column(String(40))
    # Keyed hash (pb.codes.keyed_hash, HMAC-SHA256) of the one-time claim code; the code itself is
    # shown to staff once and never stored.
    claim_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    title: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    target_groups: Mapped[str] = mapped_column(Text, default="")
    # [{"name": ..., "kind": PartnerKind value, "role": ...}]
    partners: Mapped[list] = mapped_column(JSON, default=list)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    cofunding_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    cofunding_sources: Mapped[str] = mapped_column(Text, default="")

    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # first submit
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The working copy differs from the latest submitted version.
    has_unsent_changes: Mapped[bool] = mapped_column(default=False)

    eligibility: Mapped[Eligibility | None] = mapped_column(enum_type(Eligibility))
    ineligibility_reason: Mapped[IneligibilityReason | None] = mapped_column(enum_type(IneligibilityReason))
    screening_note: Mapped[str] = mapped_column(Text, default="")
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Returned for more information by the steering group: the applicants may change and send it again,
    # even though the call has closed, until they send it (then ``returned_at`` is cleared).
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_note: Mapped[str] = mapped_column(Text, default="")

    # The published decision (recorded by the review domain when the applicant is told).
    decision_outcome: Mapped[DecisionOutcome | None] = mapped_column(enum_type(DecisionOutcome))
    granted_cents: Mapped[int | None] = mapped_column(BigInteger)
    decision_reasons: Mapped[str] = mapped_column(Text, default="")
    decision_conditions: Mapped[str] = mapped_column(Text, default="")
    decision_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Optimistic locking: grows on every UPDATE of the row; forms send back the value they showed.
    version_id: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version_id}

    call = relationship("FundingCall")
    organisation = relationship("Organisation")
    created_by = relationship("User", foreign_keys=[created_by_id])
    assisted_by = relationship("User", foreign_keys=[assisted_by_id])
    claimed_by = relationship("User", foreign_keys=[claimed_by_id])
    screened_by = relationship("User", foreign_keys=[screened_by_id])
    districts = relationship("District", secondary=proposal_districts, order_by="District.id")
    budget_lines = relationship(
        "BudgetLine", cascade="all, delete-orphan", order_by="BudgetLine.position", back_populates="proposal"
    )
    goals = relationship("Goal", cascade="all, delete-orphan", order_by="Goal.position", back_populates="proposal")
    attachments = relationship(
        "Attachment", cascade="all, delete-orphan", order_by="Attachment.id", back_populates="proposal"
    )
    versions = relationship(
        "ProposalVersion", cascade="all, delete-orphan", order_by="ProposalVersion.number", back_populates="proposal"
    )
    coapplicants = relationship(
        "CoApplicant", cascade="all, delete-orphan", order_by="CoApplicant.id", back_populates="proposal"
    )

    # --- money ---------------------------------------------------------------------------------

    @property
    def requested_cents(self):
        return sum(line.amount_cents for line in self.budget_lines)

    @property
    def total_cents(self):
        """The whole cost of the activity: what is asked from the call plus the own funding."""
        return self.requested_cents + self.cofunding_cents

    @property
    def active_attachments(self):
        return [attachment for attachment in self.attachments if attachment.removed_at is None]

    @property
    def latest_version(self):
        return self.versions[-1] if self.versions else None

    @property
    def display_title(self):
        return self.title or _l("Untitled proposal")

    @property
    def applicant_display_name(self):
        if self.organisation is not None:
            return self.organisation.name
        return self.applicant_name or ""

    @property
    def kind(self):
        """The applicant's kind: the organisation's, or the one staff recorded for an unregistered group."""
        return self.organisation.kind if self.organisation is not None else self.applicant_kind

    @property
    def is_returned(self):
        return self.returned_at is not None and self.status is ProposalStatus.SUBMITTED

    @property
    def correction_deadline(self):
        """The last day to ask for a correction of a "not eligible" check, when the call sets a time limit."""
        if self.eligibility is not Eligibility.NOT_ELIGIBLE or self.screened_at is None:
            return None
        if not self.call.correction_days:
            return None
        return (self.screened_at + timedelta(days=self.call.correction_days)).date()

    @property
    def is_unclaimed_assisted(self):
        return self.channel is Channel.ASSISTED and self.claim_code_hash is not None

    # --- status in plain words -----------------------------------------------------------------

    def applicant_status(self, now=None):
        if self.status is ProposalStatus.DRAFT:
            return ApplicantStatus.DRAFT
        if self.status is ProposalStatus.WITHDRAWN:
            return ApplicantStatus.WITHDRAWN
        if self.eligibility is Eligibility.NOT_ELIGIBLE:
            return ApplicantStatus.NOT_ELIGIBLE
        if self.decision_outcome is not None and self.decision_outcome.is_final:
            return ApplicantStatus.DECIDED
        if self.is_returned:
            return ApplicantStatus.RETURNED
        call_status = self.call.effective_status(now)
        if call_status in (CallStatus.DECIDED, CallStatus.ARCHIVED):
            return ApplicantStatus.DECIDED
        if self.eligibility is Eligibility.ELIGIBLE or call_status is CallStatus.IN_REVIEW:
            return ApplicantStatus.BEING_REVIEWED
        if call_status is CallStatus.OPEN:
            return ApplicantStatus.RECEIVED
        return ApplicantStatus.BEING_CHECKED

    # --- who may do what -----------------------------------------------------------------------

    def is_representative(self, user):
        if self.organisation is None or user is None or not user.is_authenticated:
            return False
        membership = self.organisation.membership_of(user)
        return membership is not None and membership.role is MemberRole.REPRESENTATIVE

    def coapplicant_for(self, user):
        """The accepted, not cancelled co-applicant row of ``user``, or None."""
        if user is None or not user.is_authenticated:
            return None
        return next(
            (row for row in self.coapplicants if row.user_id == user.id and row.is_active), None
        )

    def _is_assisting_staff(self, user):
        """Staff act for the group until the group claims the proposal."""
        return bool(user is not None and user.is_authenticated and user.is_staff and self.is_unclaimed_assisted)

    def is_applicant(self, user):
        """A representative of the applying organisation, or staff for an unclaimed assisted proposal."""
        return self.is_representative(user) or self._is_assisting_staff(user)

    def can_view(self, user):
        """The applicants, co-applicants and the organisation's members; staff once it was sent.

        A draft that was never sent (even one withdrawn unsent) is private, as its page tells the
        applicant, except one that staff made for the group (the assisted channel), whose page
        says that staff can see it.
        """
        if user is None or not user.is_authenticated:
            return False
        if self.is_applicant(user) or self.coapplicant_for(user) is not None:
            return True
        if self.organisation is not None and self.organisation.is_member(user):
            return True
        return user.is_staff and (self.submitted_at is not None or self.channel is Channel.ASSISTED)

    def is_editor(self, user):
        """An applicant, or a co-applicant with the right to edit (whether or not the call is still open)."""
        if self.is_applicant(user):
            return True
        row = self.coapplicant_for(user)
        return row is not None and row.right is CoApplicantRight.EDIT

    def can_edit(self, user, now=None):
        """Change the working copy: while the call takes proposals, as a draft or after sending."""
        if self.status is ProposalStatus.WITHDRAWN:
            return False
        if not (self.is_returned or self.call.is_accepting_proposals(now)):
            return False
        return self.is_editor(user)

    def can_submit(self, user, now=None):
        if not self.can_edit(user, now):
            return False
        return self.status is ProposalStatus.DRAFT or self.has_unsent_changes

    def can_withdraw(self, user, now=None):
        if self.status is ProposalStatus.WITHDRAWN or not self.is_applicant(user):
            return False
        return self.call.effective_status(now) not in (CallStatus.DECIDED, CallStatus.ARCHIVED)

    def can_manage_coapplicants(self, user):
        return self.status is not ProposalStatus.WITHDRAWN and self.is_applicant(user)

    def can_screen(self, user, now=None):
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        if self.status is not ProposalStatus.SUBMITTED:
            return False
        return self.call.effective_status(now) in (CallStatus.CLOSED, CallStatus.IN_REVIEW)

    def __repr__(self):
        return f"<Proposal {self.id} {self.status}>"


class BudgetLine(db.Model):
    """One cost the applicant asks the call to pay; the requested amount is their sum."""

    __tablename__ = "proposal_budget_lines"
    __table_args__ = (CheckConstraint("amount_cents >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    item: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    proposal = relationship("Proposal", back_populates="budget_lines")


class Goal(db.Model):
    """A goal with its proposed indicator; agreed for good only when the proposal is funded."""

    __tablename__ = "proposal_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    change: Mapped[str] = mapped_column(String(500))  # what will change
    measure: Mapped[str] = mapped_column(String(500))  # how it is measured
    baseline: Mapped[str] = mapped_column(String(200), default="")
    target: Mapped[str] = mapped_column(String(200), default="")

    proposal = relationship("Proposal", back_populates="goals")


class Attachment(db.Model):
    """A checked upload (see pb.uploads). Removing one hides it but keeps the file, because a
    submitted version may list it."""

    __tablename__ = "proposal_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    proposal = relationship("Proposal", back_populates="attachments")
    uploaded_by = relationship("User")


class ProposalVersion(db.Model):
    """What was sent, frozen at each submit: the data the receipt, reviewers and exports use."""

    __tablename__ = "proposal_versions"
    __table_args__ = (UniqueConstraint("proposal_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    proposal = relationship("Proposal", back_populates="versions")
    submitted_by = relationship("User")


class CoApplicant(db.Model):
    """A person from a partner organisation invited by email to read or edit the proposal."""

    __tablename__ = "proposal_coapplicants"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    partner_name: Mapped[str] = mapped_column(String(200), default="")
    right: Mapped[CoApplicantRight] = mapped_column(enum_type(CoApplicantRight), default=CoApplicantRight.VIEW)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    proposal = relationship("Proposal", back_populates="coapplicants")
    invited_by = relationship("User", foreign_keys=[invited_by_id])
    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_active(self):
        return self.accepted_at is not None and self.revoked_at is None
