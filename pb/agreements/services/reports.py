"""Reports: the grantee (or staff, from a paper form) fills the values of the agreement's indicators,
a narrative, spending per budget line and participants; sends it; staff accept it or return it for
changes in the comment thread. Every sent copy is kept."""

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from pb.agreements.models import (
    CommentKind,
    IndicatorKind,
    ReportAttachment,
    ReportChannel,
    ReportComment,
    ReportStatus,
    ReportSubmission,
    helsinki_today,
)
from pb.agreements.services.common import AgreementRefused
from pb.audit.services import record
from pb.extensions import db
from pb.models_base import utcnow

YES, NO = "yes", "no"


def check_value(indicator, text):
    """``(value, None)`` for a valid value of ``indicator`` as typed (None when left empty), else ``(None, message)``."""
    text = (text or "").strip()
    if not text:
        return None, None
    kind = indicator.kind
    if kind is IndicatorKind.TEXT:
        return text, None
    if kind is IndicatorKind.YES_NO:
        if text in (YES, NO):
            return text, None
        return None, _("Answer yes or no.")
    try:
        number = Decimal(text.replace(",", ".").replace(" ", "").replace("\u00a0", "").rstrip("%"))
    except InvalidOperation:
        number = None
    if kind is IndicatorKind.COUNT:
        if number is None or number != number.to_integral_value() or number < 0:
            return None, _("Write a whole number, 0 or more (for example 12).")
        return str(int(number)), None
    if kind is IndicatorKind.SHARE:
        if number is None or not 0 <= number <= 100:
            return None, _("Write a share from 0 to 100 (per cent).")
        return str(number.normalize() if number != number.to_integral_value() else int(number)), None
    low, high = indicator.scale_min, indicator.scale_max
    if number is None or number != number.to_integral_value() or not low <= number <= high:
        return None, _("Write a whole number from %(low)s to %(high)s.", low=low, high=high)
    return str(int(number)), None


def _check(report, values, spending, participants, target_group_participants, today):
    """The checked content, or raises :class:`AgreementRefused` with every problem by form field."""
    errors = {}
    checked_values = {}
    for indicator in report.agreement.indicators:
        value, problem = check_value(indicator, values.get(str(indicator.id)))
        if problem:
            errors[f"indicator_{indicator.id}"] = problem
        elif value is not None:
            checked_values[str(indicator.id)] = value
    lines = {line["item"] for line in report.agreement.budget_lines}
    checked_spending = []
    for position, row in enumerate(spending):
        amount, spent_on = row.get("amount_cents"), row.get("spent_on")
        if amount is None and spent_on is None:
            continue
        if row.get("item") not in lines:
            errors[f"spent_{position}"] = _("Choose one of the agreement's budget lines.")
        elif amount is None or amount < 0:
            errors[f"spent_{position}"] = _("Write the amount spent, 0 or more.")
        elif spent_on is None:
            errors[f"spent_on_{position}"] = _("Write the day of the spending.")
        elif spent_on > today:
            errors[f"spent_on_{position}"] = _("Spending cannot be dated in the future. Report it when it has happened.")
        else:
            checked_spending.append({"item": row["item"], "amount_cents": amount, "spent_on": spent_on.isoformat()})
    for field, value in (("participants", participants), ("target_group_participants", target_group_participants)):
        if value is not None and value < 0:
            errors[field] = _("Write a whole number, 0 or more.")
    if participants is not None and target_group_participants is not None and target_group_participants > participants:
        errors["target_group_participants"] = _("This cannot be more than all participants.")
    if errors:
        raise AgreementRefused(errors)
    return checked_values, checked_spending


def save(actor, report, values, narrative, spending, participants=None, target_group_participants=None,
         submit=False, today=None, now=None):
    """Save the report as typed (``values`` {indicator id: text}, ``spending`` [{"item", "amount_cents",
    "spent_on"}]); with ``submit`` also send it. Staff saving it enter a paper report (the assisted
    twin). Refused as a whole when a value is wrong: nothing is saved then. Audited when sent."""
    if not report.can_fill(actor):
        raise AgreementRefused(_("This report cannot be changed now."), status=409)
    today = today or helsinki_today()
    checked_values, checked_spending = _check(report, values, spending, participants, target_group_participants, today)
    if submit:
        missing = [i.name for i in report.agreement.indicators if str(i.id) not in checked_values]
        if missing or not (narrative or "").strip():
            errors = {f"indicator_{i.id}": _("Write a value before sending the report.")
                      for i in report.agreement.indicators if str(i.id) not in checked_values}
            if not (narrative or "").strip():
                errors["narrative"] = _("Tell in a few sentences what was done before sending the report.")
            raise AgreementRefused(errors)
    on_paper = not report.agreement.is_grantee_editor(actor)
    report.values = checked_values
    report.narrative = (narrative or "").strip()
    report.spending = checked_spending
    report.participants = participants
    report.target_group_participants = target_group_participants
    report.channel = ReportChannel.PAPER if on_paper else ReportChannel.ONLINE
    report.entered_by_id = actor.id if on_paper else None
    if submit:
        _submit(actor, report, now or utcnow())
    db.session.flush()
    return report


def content(report):
    return {
        "values": dict(report.values),
        "indicators": {str(i.id): i.name for i in report.agreement.indicators},
        "narrative": report.narrative,
        "spending": [dict(row) for row in report.spending],
        "participants": report.participants,
        "target_group_participants": report.target_group_participants,
        "attachments": [{"id": a.id, "name": a.original_name} for a in report.attachments],
    }


def _submit(actor, report, now):
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = now
    submission = ReportSubmission(
        report=report, number=len(report.submissions) + 1, content=content(report), channel=report.channel,
        submitted_by_id=actor.id, submitted_at=now,
    )
    db.session.add(submission)
    db.session.flush()
    record(actor, "agreements.report_submitted", report,
           {"agreement_id": report.agreement_id, "number": report.number, "copy": submission.number,
            "channel": report.channel.value, "late": now.date() > report.due_on})


def return_for_changes(actor, report, comment):
    if not report.can_decide(actor):
        raise AgreementRefused(_("Only a sent report can be returned."), status=409)
    if not (comment or "").strip():
        raise AgreementRefused({"text": _("Tell the grantee what to change.")})
    report.status = ReportStatus.RETURNED
    db.session.add(ReportComment(report=report, author_id=actor.id, kind=CommentKind.RETURNED, text=comment.strip()))
    db.session.flush()
    record(actor, "agreements.report_returned", report, {"agreement_id": report.agreement_id, "number": report.number})


def accept(actor, report, comment="", now=None):
    if not report.can_decide(actor):
        raise AgreementRefused(_("Only a sent report can be accepted."), status=409)
    report.status = ReportStatus.ACCEPTED
    report.accepted_at = now or utcnow()
    report.accepted_by_id = actor.id
    db.session.add(ReportComment(report=report, author_id=actor.id, kind=CommentKind.ACCEPTED,
                                 text=(comment or "").strip()))
    db.session.flush()
    record(actor, "agreements.report_accepted", report, {"agreement_id": report.agreement_id, "number": report.number})


def add_comment(actor, report, text):
    if not report.can_comment(actor):
        raise AgreementRefused(_("You cannot comment on this report."), status=403)
    if not (text or "").strip():
        raise AgreementRefused({"text": _("Write the comment.")})
    comment = ReportComment(report=report, author_id=actor.id, kind=CommentKind.COMMENT, text=text.strip())
    db.session.add(comment)
    db.session.flush()
    return comment


def add_attachment(actor, report, stored):
    """Attach a file already checked and stored by :func:`pb.uploads.save_upload`."""
    if not report.can_fill(actor):
        raise AgreementRefused(_("This report cannot be changed now."), status=409)
    attachment = ReportAttachment(
        report=report, stored_name=stored.stored_name, original_name=stored.original_name,
        content_type=stored.content_type, size=stored.size, uploaded_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    record(actor, "agreements.report_attachment_added", report, {"attachment_id": attachment.id})
    return attachment


def latest_values(agreement):
    """{indicator id: value} from the newest accepted report that has one."""
    found = {}
    for report in sorted(agreement.reports, key=lambda r: r.number, reverse=True):
        if report.status is ReportStatus.ACCEPTED:
            for key, value in report.values.items():
                found.setdefault(int(key), value)
    return found


def spent_cents(agreement):
    """Money spent, as told in accepted reports (each report tells the spending of its period)."""
    return sum(report.spent_cents for report in agreement.reports if report.status is ReportStatus.ACCEPTED)
