"""Instalments being released or held back, closing the agreement, and the staff overview and export."""

import io

from flask_babel import gettext as _
from sqlalchemy import select

from pb import spreadsheet
from pb.agreements.models import Agreement, InstalmentStatus, ReportStatus, helsinki_today
from pb.agreements.services.common import AgreementRefused
from pb.audit.services import record
from pb.extensions import db
from pb.models_base import utcnow
from pb.money import plain_euros


def release(actor, instalment, today=None, now=None):
    """Record that the instalment goes to payment (through the municipality's own systems). Audited."""
    if not instalment.agreement.can_manage(actor):
        raise AgreementRefused(_("Only staff release instalments of an open agreement."), status=403)
    problem = instalment.release_problem(today)
    if problem:
        raise AgreementRefused(problem, status=409)
    instalment.status = InstalmentStatus.RELEASED
    instalment.released_at = now or utcnow()
    instalment.released_by_id = actor.id
    instalment.hold_reason = ""
    db.session.flush()
    record(actor, "agreements.instalment_released", instalment.agreement,
           {"instalment_id": instalment.id, "amount_cents": instalment.amount_cents})


def hold(actor, instalment, reason):
    """Hold an instalment back, with the reason the grantee sees. Audited."""
    if not instalment.agreement.can_manage(actor):
        raise AgreementRefused(_("Only staff hold back instalments of an open agreement."), status=403)
    if instalment.status is InstalmentStatus.RELEASED:
        raise AgreementRefused(_("This instalment has been released already."), status=409)
    if not (reason or "").strip():
        raise AgreementRefused({"reason": _("Tell the grantee why the instalment is held back.")})
    instalment.status = InstalmentStatus.HELD
    instalment.hold_reason = reason.strip()
    db.session.flush()
    record(actor, "agreements.instalment_held", instalment.agreement,
           {"instalment_id": instalment.id, "reason": instalment.hold_reason})


ATTAINMENT = ("attained", "partly", "not_attained")


def close(actor, agreement, summary, assessments, now=None):
    """Staff's closing assessment (``assessments`` {indicator id: (attainment, reason)}) closes the agreement
    once the final report is accepted. Audited."""
    if not agreement.can_manage(actor):
        raise AgreementRefused(_("Only staff close an open agreement."), status=403)
    final = next((report for report in agreement.reports if report.is_final), None)
    if final is None or final.status is not ReportStatus.ACCEPTED:
        raise AgreementRefused(_("The final report must be accepted before the agreement is closed."), status=409)
    errors = {}
    result = {}
    for indicator in agreement.indicators:
        attainment, reason = assessments.get(indicator.id, (None, ""))
        if attainment not in ATTAINMENT:
            errors[f"attainment_{indicator.id}"] = _("Choose how well the target was reached.")
        elif not (reason or "").strip():
            errors[f"reason_{indicator.id}"] = _("Give the reason for the assessment.")
        else:
            result[str(indicator.id)] = {"name": indicator.name, "attainment": attainment, "reason": reason.strip()}
    if not (summary or "").strip():
        errors["summary"] = _("Write the summary of the assessment.")
    if errors:
        raise AgreementRefused(errors)
    agreement.closing_assessment = {"summary": summary.strip(), "indicators": result}
    agreement.closed_at = now or utcnow()
    agreement.closed_by_id = actor.id
    db.session.flush()
    record(actor, "agreements.closed", agreement, {"attainment": {k: v["attainment"] for k, v in result.items()}})


# --- reading ---------------------------------------------------------------------------------


def all_agreements():
    return db.session.execute(select(Agreement).order_by(Agreement.id.desc())).scalars().all()


def staff_overview(today=None):
    """Every agreement, those with overdue reports first."""
    today = today or helsinki_today()
    return sorted(all_agreements(), key=lambda agreement: not agreement.overdue_reports(today))


def visible_to(user):
    """The agreements ``user`` takes part in (as a representative or co-applicant), newest first."""
    return [agreement for agreement in all_agreements() if agreement.can_view(user)]


INSTALMENT_COLUMNS = ("agreement_id", "proposal_id", "grantee", "instalment", "amount_eur", "status", "release_on",
                      "after_report", "released_at", "hold_reason")


def instalments_csv(agreements):
    """The instalments as a spreadsheet for the municipality's payment system (safe against formulas)."""
    stream = io.StringIO()
    writer = spreadsheet.DictWriter(stream, INSTALMENT_COLUMNS)
    writer.writeheader()
    for agreement in agreements:
        for instalment in agreement.instalments:
            writer.writerow({
                "agreement_id": agreement.id, "proposal_id": agreement.proposal_id, "grantee": agreement.grantee_name,
                "instalment": instalment.position,
                "amount_eur": spreadsheet.Number(plain_euros(instalment.amount_cents)),
                "status": instalment.status.value,
                "release_on": instalment.release_on.isoformat() if instalment.release_on else "",
                "after_report": instalment.after_report_number or "",
                "released_at": instalment.released_at.isoformat() if instalment.released_at else "",
                "hold_reason": instalment.hold_reason,
            })
    return stream.getvalue()
