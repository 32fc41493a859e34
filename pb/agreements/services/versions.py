"""Versions of an agreement: staff send the working copy for acceptance, both sides accept it, and it
comes into force. A new version replaces the one before; a replaced version can no longer be accepted."""

from flask_babel import gettext as _

from pb.agreements.models import AgreementVersion, Report, ReportStatus
from pb.agreements.services.common import AgreementRefused, from_iso
from pb.audit.services import record
from pb.extensions import db
from pb.models_base import utcnow


def snapshot(agreement):
    """The whole agreement as plain data: what a version freezes and its page shows."""
    return {
        "title": agreement.proposal.title,
        "grantee": agreement.grantee_name,
        "amount_cents": agreement.amount_cents,
        "conditions": agreement.conditions,
        "budget_lines": [dict(line) for line in agreement.budget_lines],
        "goals": [dict(goal) for goal in agreement.goals],
        "due_dates": list(agreement.due_dates),
        "schedule": dict(agreement.schedule),
        "indicators": [
            {"id": i.id, "name": i.name, "measure": i.measure, "unit": i.unit, "baseline": i.baseline,
             "target": i.target, "kind": i.kind.value, "scale_min": i.scale_min, "scale_max": i.scale_max,
             "reported_by": i.reported_by.value}
            for i in agreement.indicators
        ],
        "instalments": [
            {"id": i.id, "amount_cents": i.amount_cents, "release_on": i.release_on.isoformat() if i.release_on else None,
             "after_report_number": i.after_report_number}
            for i in agreement.instalments
        ],
    }


def propose_problem(agreement):
    if agreement.is_closed:
        return _("The agreement is closed: it cannot be changed.")
    if not agreement.has_unsent_changes:
        return _("Nothing has changed since the last version.")
    if not agreement.indicators:
        return _("Add at least one indicator before sending the agreement for acceptance.")
    if not agreement.due_dates:
        return _("Set the report schedule before sending the agreement for acceptance.")
    if agreement.planned_instalments_cents != agreement.amount_cents:
        return _("The instalments must add up to the whole grant before the agreement is sent for acceptance.")
    return None


def propose(actor, agreement, now=None):
    """Freeze the working copy as a new version for both sides to accept; the one before is replaced. Audited."""
    problem = propose_problem(agreement)
    if problem:
        raise AgreementRefused(problem, status=409)
    now = now or utcnow()
    previous = agreement.latest_version
    if previous is not None and not previous.is_replaced:
        previous.replaced_at = now
    version = AgreementVersion(
        agreement=agreement, number=(previous.number + 1) if previous else 1, content=snapshot(agreement),
        proposed_by_id=actor.id, proposed_at=now,
    )
    db.session.add(version)
    agreement.has_unsent_changes = False
    db.session.flush()
    record(actor, "agreements.version_proposed", agreement,
           {"version": version.number, "replaces": previous.number if previous else None})
    return version


def accept(actor, version, side, now=None):
    """One side's acceptance (``side`` "staff" or "grantee"); refuses a replaced version and a second
    acceptance by the same side. When both have accepted, the version is in force and the reports of
    its schedule are made. Audited."""
    agreement = version.agreement
    if version.is_replaced or version is not agreement.latest_version:
        raise AgreementRefused(
            _("Version %(number)s has been replaced by a newer version and can no longer be accepted. "
              "Read and accept the newest version.", number=version.number), status=409)
    allowed = agreement.can_accept_as_staff(actor) if side == "staff" else agreement.can_accept_as_grantee(actor)
    if not allowed:
        raise AgreementRefused(_("You cannot accept this agreement on this side."), status=403)
    if getattr(version, f"{side}_accepted_at") is not None:
        raise AgreementRefused(_("This version has been accepted on your side already."), status=409)
    now = now or utcnow()
    setattr(version, f"{side}_accepted_at", now)
    setattr(version, f"{side}_accepted_by_id", actor.id)
    db.session.flush()
    record(actor, "agreements.version_accepted", agreement, {"version": version.number, "side": side})
    if version.is_accepted:
        _make_reports(agreement, version)
        record(actor, "agreements.version_in_force", agreement, {"version": version.number})
    return version


def _make_reports(agreement, version):
    """Reports of the version's schedule: a new date gets a report; a report not yet sent follows a moved date."""
    dates = [from_iso(day) for day in version.content["due_dates"]]
    for number, due_on in enumerate(dates, start=1):
        report = agreement.report_numbered(number)
        final = number == len(dates)
        if report is None:
            db.session.add(Report(agreement=agreement, number=number, due_on=due_on, is_final=final,
                                  status=ReportStatus.DRAFT, values={}, spending=[], narrative=""))
        elif not report.is_sent:
            report.due_on, report.is_final = due_on, final
    db.session.flush()
