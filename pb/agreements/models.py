"""Agreement rows.

- :class:`Agreement` — one per approved proposal (``uq_agreements_proposal_id``), drafted from the
  published decision (amount, conditions) and the proposal's latest sent version (budget lines, goals).
  Its indicators, report schedule and instalments are the working copy staff edit.
- :class:`AgreementVersion` — a frozen copy both sides accept; a change makes a new version, the old
  one is marked replaced and stays readable. The agreement is in force once a version has both acceptances.
- :class:`Indicator`, :class:`Instalment` — what is measured, and how the grant is paid out.
- :class:`Report` (one per due date, made when a version comes into force), every submitted copy in
  :class:`ReportSubmission`, the thread in :class:`ReportComment`, files in :class:`ReportAttachment`.

Who may do what is decided here (the ``can_*`` methods), so pages and services ask the same question.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.enums import LabelledEnum
from pb.extensions import db
from pb.i18n import local_date
from pb.models_base import TimestampMixin, UTCDateTime, enum_type, utcnow
from pb.proposals.models import CoApplicantRight

HELSINKI = ZoneInfo("Europe/Helsinki")


def helsinki_today():
    """Today in Finland: due dates and spending dates are Finnish calendar days."""
    return datetime.now(HELSINKI).date()


class IndicatorKind(LabelledEnum):
    COUNT = "count", _l("Count (a whole number)")
    SHARE = "share", _l("Share (0–100 %)")
    SCALE = "scale", _l("Scale (a number between the lowest and highest value)")
    YES_NO = "yes_no", _l("Yes or no")
    TEXT = "text", _l("Text")


class Reporter(LabelledEnum):
    GRANTEE = "grantee", _l("The grantee")
    STAFF = "staff", _l("The municipality's staff")


class ReportStatus(LabelledEnum):
    DRAFT = "draft", _l("Not sent yet")
    SUBMITTED = "submitted", _l("Sent, waiting for staff")
    RETURNED = "returned", _l("Returned for changes")
    ACCEPTED = "accepted", _l("Accepted")


class ReportChannel(LabelledEnum):
    ONLINE = "online", _l("Online")
    PAPER = "paper", _l("On paper, entered by staff")


class InstalmentStatus(LabelledEnum):
    PLANNED = "planned", _l("Due later")
    HELD = "held", _l("Held back")
    RELEASED = "released", _l("Released for payment")


class CommentKind(LabelledEnum):
    COMMENT = "comment", _l("Comment")
    RETURNED = "returned", _l("Returned for changes")
    ACCEPTED = "accepted", _l("Accepted")


def _is_staff(user):
    return bool(user is not None and user.is_authenticated and user.is_staff)


class Agreement(TimestampMixin, db.Model):
    __tablename__ = "agreements"
    __table_args__ = (
        UniqueConstraint("proposal_id"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    # As decided (the decision in force, published to the applicant).
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    conditions: Mapped[str] = mapped_column(Text, default="")
    # From the proposal's latest sent version: [{"item", "amount_cents"}], [{"change", "measure", "baseline", "target"}].
    budget_lines: Mapped[list] = mapped_column(JSON, default=list)
    goals: Mapped[list] = mapped_column(JSON, default=list)
    # The report due dates (ISO days, ascending; the last one is the final report) and how they were given:
    # {"kind": "dates"} or {"kind": "every", "months": n, "start": iso, "until": iso}.
    due_dates: Mapped[list] = mapped_column(JSON, default=list)
    schedule: Mapped[dict] = mapped_column(JSON, default=dict)
    # The working copy differs from the latest version: it must be sent for acceptance again.
    has_unsent_changes: Mapped[bool] = mapped_column(default=True)
    # Staff's closing assessment: {"summary": text, "indicators": {indicator_id: {"attainment", "reason"}}}.
    closing_assessment: Mapped[dict] = mapped_column(JSON, default=dict)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    proposal = relationship("Proposal")
    indicators = relationship(
        "Indicator", back_populates="agreement", cascade="all, delete-orphan", order_by="(Indicator.position, Indicator.id)"
    )
    versions = relationship(
        "AgreementVersion", back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementVersion.number"
    )
    instalments = relationship(
        "Instalment", back_populates="agreement", cascade="all, delete-orphan",
        order_by="(Instalment.position, Instalment.id)",
    )
    reports = relationship("Report", back_populates="agreement", cascade="all, delete-orphan", order_by="Report.number")

    # --- state ---------------------------------------------------------------------------------

    @property
    def latest_version(self):
        return self.versions[-1] if self.versions else None

    @property
    def version_in_force(self):
        """The newest version both sides accepted, or None."""
        return next((version for version in reversed(self.versions) if version.is_accepted), None)

    @property
    def is_in_force(self):
        return self.version_in_force is not None

    @property
    def is_closed(self):
        return self.closed_at is not None

    @property
    def title(self):
        return self.proposal.title

    @property
    def grantee_name(self):
        return self.proposal.applicant_display_name

    @property
    def planned_instalments_cents(self):
        return sum(instalment.amount_cents for instalment in self.instalments)

    @property
    def released_cents(self):
        return sum(i.amount_cents for i in self.instalments if i.status is InstalmentStatus.RELEASED)

    @property
    def unplanned_cents(self):
        """The part of the grant no instalment covers yet."""
        return self.amount_cents - self.planned_instalments_cents

    def report_numbered(self, number):
        return next((report for report in self.reports if report.number == number), None)

    def overdue_reports(self, today=None):
        return [report for report in self.reports if report.is_overdue(today)]

    # --- who may do what -----------------------------------------------------------------------

    def is_representative(self, user):
        return self.proposal.is_representative(user)

    def coapplicant_right(self, user):
        row = self.proposal.coapplicant_for(user)
        return row.right if row is not None else None

    def can_view(self, user):
        """Staff, the applicant's representatives and co-applicants (either right)."""
        if user is None or not user.is_authenticated:
            return False
        return _is_staff(user) or self.is_representative(user) or self.coapplicant_right(user) is not None

    def is_grantee_editor(self, user):
        """Fills the reports on the grantee's side: a representative, or a co-applicant with the right to edit."""
        return self.is_representative(user) or self.coapplicant_right(user) is CoApplicantRight.EDIT

    def can_manage(self, user):
        return _is_staff(user) and not self.is_closed

    def can_accept_as_grantee(self, user):
        return self.is_representative(user) and not self.is_closed

    def can_accept_as_staff(self, user):
        return self.can_manage(user)

    def __repr__(self):
        return f"<Agreement {self.id} proposal={self.proposal_id}>"


class AgreementVersion(db.Model):
    __tablename__ = "agreement_versions"
    __table_args__ = (UniqueConstraint("agreement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # The whole agreement as it was sent for acceptance (pb.agreements.services.versions.snapshot).
    content: Mapped[dict] = mapped_column(JSON)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    staff_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    staff_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    grantee_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    grantee_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agreement = relationship("Agreement", back_populates="versions")
    staff_accepted_by = relationship("User", foreign_keys=[staff_accepted_by_id])
    grantee_accepted_by = relationship("User", foreign_keys=[grantee_accepted_by_id])

    @property
    def is_accepted(self):
        return self.staff_accepted_at is not None and self.grantee_accepted_at is not None

    @property
    def is_replaced(self):
        return self.replaced_at is not None


class Indicator(db.Model):
    __tablename__ = "agreement_indicators"
    __table_args__ = (
        CheckConstraint("scale_min IS NULL OR scale_max IS NULL OR scale_max > scale_min", name="scale_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(200))
    measure: Mapped[str] = mapped_column(Text, default="")  # what is measured, and how
    unit: Mapped[str] = mapped_column(String(60), default="")
    baseline: Mapped[str] = mapped_column(String(200), default="")
    target: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[IndicatorKind] = mapped_column(enum_type(IndicatorKind))
    scale_min: Mapped[int | None]
    scale_max: Mapped[int | None]
    reported_by: Mapped[Reporter] = mapped_column(enum_type(Reporter), default=Reporter.GRANTEE)

    agreement = relationship("Agreement", back_populates="indicators")


class Instalment(db.Model):
    """A part of the grant, released by staff on ``release_on`` or once report ``after_report_number`` is accepted."""

    __tablename__ = "agreement_instalments"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    release_on: Mapped[date | None] = mapped_column(Date)
    after_report_number: Mapped[int | None]
    status: Mapped[InstalmentStatus] = mapped_column(enum_type(InstalmentStatus), default=InstalmentStatus.PLANNED)
    # Why it is held back (shown to the grantee).
    hold_reason: Mapped[str] = mapped_column(Text, default="")
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    agreement = relationship("Agreement", back_populates="instalments")
    released_by = relationship("User")

    @property
    def linked_report(self):
        return self.agreement.report_numbered(self.after_report_number) if self.after_report_number else None

    def release_problem(self, today=None):
        """Why it cannot be released yet (a translated sentence), or None."""
        if self.status is InstalmentStatus.RELEASED:
            return _("This instalment has been released already.")
        if not self.agreement.is_in_force:
            return _("The agreement is not in force yet: both sides must accept it first.")
        if self.after_report_number is not None:
            report = self.linked_report
            if report is None or report.status is not ReportStatus.ACCEPTED:
                return _("This instalment is released when report %(number)s is accepted.",
                         number=self.after_report_number)
        if self.release_on is not None and self.release_on > (today or helsinki_today()):
            return _("This instalment can be released from %(day)s.", day=local_date(self.release_on))
        return None


class Report(TimestampMixin, db.Model):
    __tablename__ = "agreement_reports"
    __table_args__ = (
        UniqueConstraint("agreement_id", "number"),
        CheckConstraint("participants IS NULL OR participants >= 0", name="participants_not_negative"),
        CheckConstraint(
            "target_group_participants IS NULL OR target_group_participants >= 0",
            name="target_group_participants_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    due_on: Mapped[date] = mapped_column(Date, index=True)
    is_final: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ReportStatus] = mapped_column(enum_type(ReportStatus), default=ReportStatus.DRAFT, index=True)
    # {str(indicator id): value as typed, checked by its kind}
    values: Mapped[dict] = mapped_column(JSON, default=dict)
    narrative: Mapped[str] = mapped_column(Text, default="")
    # [{"item": budget line, "amount_cents": int, "spent_on": iso day}]
    spending: Mapped[list] = mapped_column(JSON, default=list)
    participants: Mapped[int | None]
    target_group_participants: Mapped[int | None]
    channel: Mapped[ReportChannel] = mapped_column(enum_type(ReportChannel), default=ReportChannel.ONLINE)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminded_before_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_after_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agreement = relationship("Agreement", back_populates="reports")
    entered_by = relationship("User", foreign_keys=[entered_by_id])
    submissions = relationship(
        "ReportSubmission", back_populates="report", cascade="all, delete-orphan", order_by="ReportSubmission.number"
    )
    comments = relationship(
        "ReportComment", back_populates="report", cascade="all, delete-orphan", order_by="ReportComment.id"
    )
    attachments = relationship(
        "ReportAttachment", back_populates="report", cascade="all, delete-orphan", order_by="ReportAttachment.id"
    )

    @property
    def is_editable(self):
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED) and not self.agreement.is_closed

    @property
    def is_sent(self):
        return self.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)

    def is_overdue(self, today=None):
        return not self.is_sent and self.due_on < (today or helsinki_today())

    @property
    def was_late(self):
        first = self.submissions[0].submitted_at if self.submissions else None
        return first is not None and first.astimezone(HELSINKI).date() > self.due_on

    @property
    def spent_cents(self):
        return sum(row["amount_cents"] for row in self.spending)

    def can_view(self, user):
        return self.agreement.can_view(user)

    def can_fill(self, user):
        """The grantee's editors, and staff entering a paper report (the assisted twin)."""
        if not self.is_editable or not self.agreement.is_in_force:
            return False
        return self.agreement.is_grantee_editor(user) or _is_staff(user)

    def can_decide(self, user):
        return _is_staff(user) and self.status is ReportStatus.SUBMITTED and not self.agreement.is_closed

    def can_comment(self, user):
        return self.can_view(user) and not self.agreement.is_closed and (
            _is_staff(user) or self.agreement.is_grantee_editor(user)
        )


class ReportSubmission(db.Model):
    """Every sent copy of a report, kept as it was."""

    __tablename__ = "agreement_report_submissions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("agreement_reports.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    content: Mapped[dict] = mapped_column(JSON)
    channel: Mapped[ReportChannel] = mapped_column(enum_type(ReportChannel), default=ReportChannel.ONLINE)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report = relationship("Report", back_populates="submissions")
    submitted_by = relationship("User")


class ReportComment(db.Model):
    __tablename__ = "agreement_report_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("agreement_reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[CommentKind] = mapped_column(enum_type(CommentKind), default=CommentKind.COMMENT)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report = relationship("Report", back_populates="comments")
    author = relationship("User")


class ReportAttachment(db.Model):
    """A photo or file added to a report, stored by :mod:`pb.uploads` (checked by content, pictures without metadata)."""

    __tablename__ = "agreement_report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("agreement_reports.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report = relationship("Report", back_populates="attachments")
