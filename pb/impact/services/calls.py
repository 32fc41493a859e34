"""Partnership-funding figures of a public call: the published funding decisions, and of the agreements only
those in force (released instalments, spending and participants in accepted reports, indicators' latest
accepted values against their targets). See :mod:`pb.impact.services.figures`."""

from dataclasses import dataclass, field

from sqlalchemy import select

from pb.agreements.models import Agreement, ReportStatus, helsinki_today
from pb.agreements.services.reports import latest_values, spent_cents
from pb.calls.models import PUBLIC_STATUSES, FundingCall
from pb.extensions import db
from pb.impact.services.attainment import Attainment, judge
from pb.impact.services.progress import Progress, ProgressCounts, year_of
from pb.review.services.public import applicant_label, published


@dataclass
class IndicatorLine:
    agreement_id: int
    activity: str
    name: str
    unit: str
    kind: object
    baseline: str
    target: str
    value: str | None
    attainment: Attainment


@dataclass
class ActivityLine:
    """A funded proposal of a call: its published grant, and (once the agreement is in force) what followed."""

    proposal_id: int
    title: str
    applicant: str
    granted_cents: int
    progress: Progress
    agreement_id: int | None = None
    released_cents: int = 0
    spent_cents: int = 0
    participants: int = 0
    target_group_participants: int = 0


@dataclass
class CallFigures:
    call: FundingCall
    year: int | None
    activities: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    progress: ProgressCounts = field(default_factory=ProgressCounts)

    @property
    def id(self):
        return self.call.id

    @property
    def allocated_cents(self):
        return sum(line.granted_cents for line in self.activities)

    @property
    def released_cents(self):
        return sum(line.released_cents for line in self.activities)

    @property
    def spent_cents(self):
        return sum(line.spent_cents for line in self.activities)

    @property
    def participants(self):
        return sum(line.participants for line in self.activities)

    @property
    def target_group_participants(self):
        return sum(line.target_group_participants for line in self.activities)

    @property
    def agreement_ids(self):
        return [line.agreement_id for line in self.activities if line.agreement_id is not None]

    @property
    def indicators_good(self):
        return sum(1 for line in self.indicators if line.attainment.is_good)

    def attainment_counts(self):
        return {attainment: sum(1 for line in self.indicators if line.attainment is attainment)
                for attainment in Attainment}


def public_calls():
    """Calls the public sees (not drafts), newest first."""
    return db.session.execute(
        select(FundingCall).where(FundingCall.status.in_(PUBLIC_STATUSES)).order_by(FundingCall.id.desc())
    ).scalars().all()


def call_year(call):
    """The year the call counts in: the year it closes (or opens, or was made), Finnish time."""
    return year_of(call.closes_at, call.opens_at, call.created_at)


def call_figures(call, today=None):
    """The figures of one public call (see the module docstring)."""
    today = today or helsinki_today()
    figures = CallFigures(call=call, year=call_year(call))
    funded = [proposal for proposal in published(call) if proposal.decision_outcome.is_funded]
    agreements = {}
    if funded:
        rows = db.session.execute(
            select(Agreement).where(Agreement.proposal_id.in_([proposal.id for proposal in funded]))
        ).scalars()
        agreements = {agreement.proposal_id: agreement for agreement in rows if agreement.is_in_force}
    for proposal in funded:
        agreement = agreements.get(proposal.id)
        line = ActivityLine(proposal_id=proposal.id, title=proposal.title, applicant=applicant_label(proposal),
                            granted_cents=proposal.granted_cents or 0, progress=Progress.NOT_STARTED)
        if agreement is not None:
            accepted = [report for report in agreement.reports if report.status is ReportStatus.ACCEPTED]
            line.agreement_id = agreement.id
            line.released_cents = agreement.released_cents
            line.spent_cents = spent_cents(agreement)
            line.participants = sum(report.participants or 0 for report in accepted)
            line.target_group_participants = sum(report.target_group_participants or 0 for report in accepted)
            if agreement.is_closed:
                line.progress = Progress.DONE
            elif agreement.overdue_reports(today):
                line.progress = Progress.LATE
            else:
                line.progress = Progress.IN_PROGRESS
            values = latest_values(agreement)
            running = not agreement.is_closed
            for indicator in agreement.indicators:
                value = values.get(indicator.id)
                figures.indicators.append(IndicatorLine(
                    agreement_id=agreement.id, activity=proposal.title, name=indicator.name, unit=indicator.unit,
                    kind=indicator.kind, baseline=indicator.baseline, target=indicator.target, value=value,
                    attainment=judge(indicator, value, running),
                ))
        figures.progress.count(line.progress)
        figures.activities.append(line)
    return figures


def viewable_call(call_id):
    """The call if the public sees it, else None."""
    call = db.session.get(FundingCall, call_id)
    return call if call is not None and call.is_public else None
