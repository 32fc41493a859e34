"""Demo agreement (called from pb.demo after the review demo, which decides a call and publishes its decisions).

The demo NGO's approved proposal gets an agreement with two indicators, accepted by both sides; a
mid-term report sent and accepted, a final report overdue; two instalments, the first released.
"""

from datetime import UTC, datetime, time, timedelta

from pb.agreements.models import HELSINKI, IndicatorKind, Reporter, helsinki_today
from pb.agreements.services import drafting, payments, reports, versions
from pb.orgs.models import MemberRole


def _moment(day, hour=12):
    return datetime.combine(day, time(hour), tzinfo=HELSINKI).astimezone(UTC)


def seed_agreements_demo(staff):
    """Returns the agreement, or None when the demo has no approved proposal. Flushes (pb.demo commits)."""
    proposal = next(iter(drafting.approved_without_agreement()), None)
    if proposal is None:
        return None
    grantee = next(m.user for m in proposal.organisation.memberships if m.role is MemberRole.REPRESENTATIVE)
    today = helsinki_today()
    agreement = drafting.create_agreement(staff, proposal)
    mid_term, final = today - timedelta(days=40), today - timedelta(days=5)
    drafting.set_terms(staff, agreement, agreement.conditions, "dates", fixed_dates=[mid_term, final])
    drafting.save_indicator(staff, agreement, {
        "name": "Osallistujat", "measure": "Juhlaan osallistuneet ihmiset, laskettu sisäänkäynnillä.",
        "unit": "henkeä", "baseline": "0", "target": "150", "kind": IndicatorKind.COUNT.value,
        "reported_by": Reporter.GRANTEE.value,
    })
    drafting.save_indicator(staff, agreement, {
        "name": "Tyytyväisyys", "measure": "Osallistujien arvio juhlasta lyhyellä kyselyllä.",
        "unit": "", "baseline": "", "target": "4", "kind": IndicatorKind.SCALE.value, "scale_min": 1,
        "scale_max": 5, "reported_by": Reporter.GRANTEE.value,
    })
    first_share = agreement.amount_cents * 2 // 3
    drafting.add_instalment(staff, agreement, first_share, release_on=mid_term - timedelta(days=60))
    drafting.add_instalment(staff, agreement, agreement.amount_cents - first_share, after_report_number=2)
    version = versions.propose(staff, agreement, now=_moment(mid_term - timedelta(days=70)))
    versions.accept(staff, version, "staff", now=_moment(mid_term - timedelta(days=69)))
    versions.accept(grantee, version, "grantee", now=_moment(mid_term - timedelta(days=68)))
    payments.release(staff, agreement.instalments[0], today=today, now=_moment(mid_term - timedelta(days=60)))

    first, second = agreement.indicators
    report = agreement.report_numbered(1)
    line = agreement.budget_lines[0]
    reports.save(grantee, report, {str(first.id): "120", str(second.id): "4"},
                 "Juhla pidettiin Kulmapuistossa. Paikalla oli naapureita kaikista korttelin taloista.",
                 [{"item": line["item"], "amount_cents": min(line["amount_cents"], 1_500_00),
                   "spent_on": mid_term - timedelta(days=10)}],
                 participants=120, target_group_participants=45, submit=True, today=mid_term,
                 now=_moment(mid_term - timedelta(days=1)))
    reports.accept(staff, report, "Kiitos, hyvä raportti.", now=_moment(mid_term + timedelta(days=3)))
    return agreement
