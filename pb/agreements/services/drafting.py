"""Drafting an agreement from an approved proposal, and staff's changes to the working copy: the
report schedule, indicators and instalments. Any change needs a new version both sides accept."""

from calendar import monthrange
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from pb.agreements.models import Agreement, Indicator, IndicatorKind, Instalment, InstalmentStatus, Reporter
from pb.agreements.services.common import AgreementRefused, iso
from pb.audit.services import record
from pb.extensions import db
from pb.money import money
from pb.proposals.models import Proposal

MAX_REPORTS = 24


def agreement_of(proposal):
    return db.session.execute(select(Agreement).where(Agreement.proposal_id == proposal.id)).scalar_one_or_none()


def create_problem(proposal):
    """Why no agreement can be made for ``proposal`` (a translated sentence), or None."""
    outcome = proposal.decision_outcome
    if outcome is None or not outcome.is_funded or proposal.decision_published_at is None or not proposal.granted_cents:
        return _("Only an approved proposal whose decision has been published gets an agreement.")
    if proposal.latest_version is None:
        return _("The proposal has no sent version to draft the agreement from.")
    if agreement_of(proposal) is not None:
        return _("This proposal has an agreement already.")
    return None


def create_agreement(actor, proposal):
    """Draft the agreement: the amount and conditions as decided, budget lines and goals as last sent. Audited."""
    problem = create_problem(proposal)
    if problem:
        raise AgreementRefused(problem, status=409)
    snapshot = proposal.latest_version.snapshot
    agreement = Agreement(
        proposal_id=proposal.id,
        amount_cents=proposal.granted_cents,
        conditions=proposal.decision_conditions or "",
        budget_lines=[dict(line) for line in snapshot.get("budget_lines", [])],
        goals=[dict(goal) for goal in snapshot.get("goals", [])],
        due_dates=[],
        schedule={},
        has_unsent_changes=True,
        closing_assessment={},
        created_by_id=actor.id,
    )
    db.session.add(agreement)
    db.session.flush()
    record(actor, "agreements.created", agreement,
           {"proposal_id": proposal.id, "amount_cents": agreement.amount_cents})
    return agreement


def approved_without_agreement():
    """Approved, published proposals that have no agreement yet, oldest decision first."""
    with_agreement = select(Agreement.proposal_id)
    rows = db.session.execute(
        select(Proposal)
        .where(Proposal.decision_published_at.is_not(None), Proposal.granted_cents.is_not(None),
               Proposal.id.not_in(with_agreement))
        .order_by(Proposal.decision_published_at, Proposal.id)
    ).scalars()
    return [proposal for proposal in rows if proposal.decision_outcome.is_funded]


def _changed(actor, agreement, action, details):
    agreement.has_unsent_changes = True
    db.session.flush()
    record(actor, action, agreement, details)


def _require_open(agreement):
    if agreement.is_closed:
        raise AgreementRefused(_("The agreement is closed: it cannot be changed."), status=409)


# --- terms and report schedule ---------------------------------------------------------------


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def schedule_dates(kind, fixed_dates=(), every_months=None, start=None, until=None):
    """The due dates of a schedule, or raises :class:`AgreementRefused` (errors by form field)."""
    if kind == "dates":
        dates = sorted(set(fixed_dates))
        if not dates:
            raise AgreementRefused({"fixed_dates": _("Write at least one report date.")})
    else:
        errors = {}
        if not every_months or every_months < 1:
            errors["every_months"] = _("Write how many months there are between reports, at least 1.")
        if start is None:
            errors["start"] = _("Write the date of the first report.")
        if until is None:
            errors["until"] = _("Write the end date of the reporting.")
        if errors:
            raise AgreementRefused(errors)
        if until < start:
            raise AgreementRefused({"until": _("The end date cannot be before the first report.")})
        dates, step = [], 0
        while (day := add_months(start, step * every_months)) <= until and len(dates) <= MAX_REPORTS:
            dates.append(day)
            step += 1
        if dates[-1] != until:
            dates.append(until)  # the final report is due at the end of the reporting
    if len(dates) > MAX_REPORTS:
        raise AgreementRefused({"fixed_dates": _("An agreement can have at most %(count)s reports.", count=MAX_REPORTS)})
    return dates


def set_terms(actor, agreement, conditions, schedule_kind, fixed_dates=(), every_months=None, start=None, until=None):
    """Change the conditions and the report schedule. Reports already made keep their dates until a new
    version comes into force. Audited; flushes."""
    _require_open(agreement)
    dates = schedule_dates(schedule_kind, fixed_dates, every_months, start, until)
    schedule = {"kind": "dates"} if schedule_kind == "dates" else {
        "kind": "every", "months": every_months, "start": iso(start), "until": iso(until),
    }
    agreement.conditions = (conditions or "").strip()
    agreement.schedule = schedule
    agreement.due_dates = [iso(day) for day in dates]
    _changed(actor, agreement, "agreements.terms_changed", {"due_dates": agreement.due_dates, "schedule": schedule})


# --- indicators ------------------------------------------------------------------------------

INDICATOR_FIELDS = ("name", "measure", "unit", "baseline", "target", "kind", "scale_min", "scale_max", "reported_by")


def check_indicator(values):
    errors = {}
    if not (values.get("name") or "").strip():
        errors["name"] = _("Write the name of the indicator.")
    if values["kind"] is IndicatorKind.SCALE:
        low, high = values.get("scale_min"), values.get("scale_max")
        if low is None or high is None or high <= low:
            errors["scale_max"] = _("A scale needs a lowest and a highest value, the highest above the lowest.")
    return errors


def save_indicator(actor, agreement, values, indicator=None):
    """Add an indicator, or change ``indicator``; ``values`` has the :data:`INDICATOR_FIELDS`. Audited."""
    _require_open(agreement)
    values = {key: values.get(key) for key in INDICATOR_FIELDS}
    values["kind"] = IndicatorKind(values["kind"])
    values["reported_by"] = Reporter(values["reported_by"] or Reporter.GRANTEE)
    for key in ("name", "measure", "unit", "baseline", "target"):
        values[key] = (values[key] or "").strip()
    errors = check_indicator(values)
    if errors:
        raise AgreementRefused(errors)
    if values["kind"] is not IndicatorKind.SCALE:
        values["scale_min"] = values["scale_max"] = None
    if indicator is None:
        indicator = Indicator(agreement=agreement, position=len(agreement.indicators) + 1)
        db.session.add(indicator)
        action = "agreements.indicator_added"
    else:
        action = "agreements.indicator_changed"
    for key, value in values.items():
        setattr(indicator, key, value)
    db.session.flush()
    _changed(actor, agreement, action, {"indicator_id": indicator.id, "name": indicator.name,
                                        "kind": indicator.kind.value})
    return indicator


def remove_indicator(actor, agreement, indicator):
    _require_open(agreement)
    name = indicator.name
    agreement.indicators.remove(indicator)
    _changed(actor, agreement, "agreements.indicator_removed", {"indicator_id": indicator.id, "name": name})


# --- instalments -----------------------------------------------------------------------------


def add_instalment(actor, agreement, amount_cents, release_on=None, after_report_number=None):
    """Plan an instalment, released on a date or after a numbered report is accepted. Refused over the
    part of the grant that no instalment covers yet. Audited."""
    _require_open(agreement)
    errors = {}
    if amount_cents is None or amount_cents <= 0:
        errors["amount"] = _("Write an amount above zero.")
    elif amount_cents > agreement.unplanned_cents:
        errors["amount"] = _(
            "The instalment is more than the remaining grant: %(remaining)s of %(total)s is not in any instalment yet.",
            remaining=money(agreement.unplanned_cents), total=money(agreement.amount_cents),
        )
    if release_on is None and after_report_number is None:
        errors["release_on"] = _("Give the release date, or the report whose acceptance releases the instalment.")
    if after_report_number is not None and not 1 <= after_report_number <= len(agreement.due_dates):
        errors["after_report_number"] = _("There is no report with that number in the schedule.")
    if errors:
        raise AgreementRefused(errors)
    instalment = Instalment(
        agreement=agreement, position=len(agreement.instalments) + 1, amount_cents=amount_cents,
        release_on=release_on, after_report_number=after_report_number, status=InstalmentStatus.PLANNED,
        hold_reason="",
    )
    db.session.add(instalment)
    db.session.flush()
    _changed(actor, agreement, "agreements.instalment_planned",
             {"instalment_id": instalment.id, "amount_cents": amount_cents, "release_on": iso(release_on),
              "after_report_number": after_report_number})
    return instalment
