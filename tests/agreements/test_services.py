"""Agreement services: drafting from the decision, versions and both sides' acceptance, instalments,
report values by kind, reports sent, returned and accepted, reminders once each, closing, audit."""

from datetime import date, timedelta

import pytest

from pb.agreements import jobs
from pb.agreements.models import (
    IndicatorKind,
    InstalmentStatus,
    ReportChannel,
    ReportStatus,
    helsinki_today,
)
from pb.agreements.personal_data import export
from pb.agreements.services import drafting, payments, reports, versions
from pb.agreements.services.common import AgreementRefused
from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.proposals.models import DecisionOutcome
from tests.agreements.support import GRANT, approved_proposal, draft, in_force
from tests.factories import make_call, make_proposal, make_user


def actions(prefix="agreements."):
    rows = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars()
    return [action for action in rows if action.startswith(prefix)]


def fill(setup, report, count="120", scale="4", **extra):
    line = setup.agreement.budget_lines[0]["item"]
    arguments = {"spending": [{"item": line, "amount_cents": 500_00, "spent_on": helsinki_today()}],
                 "participants": 120, "target_group_participants": 40}
    arguments.update(extra)
    return reports.save(setup.grantee, report, {str(setup.count.id): count, str(setup.scale.id): scale},
                        "We held the party.", **arguments)


# --- drafting --------------------------------------------------------------------------------


def test_the_agreement_is_drafted_from_the_decision_and_the_sent_version():
    setup = approved_proposal()
    agreement = drafting.create_agreement(setup.staff, setup.proposal)
    assert agreement.amount_cents == GRANT
    assert agreement.conditions == "Food at most 1 000 €."
    assert [line["item"] for line in agreement.budget_lines] == ["Sound", "Food"]
    assert agreement.goals and agreement.goals[0]["change"]
    assert actions() == ["agreements.created"]
    with pytest.raises(AgreementRefused):
        drafting.create_agreement(setup.staff, setup.proposal)  # one agreement a proposal


def test_a_proposal_without_a_funding_decision_gets_no_agreement():
    staff = make_user(staff=True)
    proposal = make_proposal(make_call("closed"), state="submitted")
    with pytest.raises(AgreementRefused) as refused:
        drafting.create_agreement(staff, proposal)
    assert "approved" in refused.value.messages[0]
    proposal.decision_outcome = DecisionOutcome.REJECTED
    assert drafting.create_problem(proposal)


def test_a_schedule_every_n_months_ends_with_the_final_report_on_the_end_date():
    dates = drafting.schedule_dates("every", every_months=4, start=date(2027, 1, 31), until=date(2027, 12, 15))
    assert dates == [date(2027, 1, 31), date(2027, 5, 31), date(2027, 9, 30), date(2027, 12, 15)]
    with pytest.raises(AgreementRefused) as refused:
        drafting.schedule_dates("every", every_months=None, start=None, until=None)
    assert set(refused.value.errors) == {"every_months", "start", "until"}


def test_an_instalment_over_the_remaining_grant_is_refused_and_nothing_is_added():
    setup = draft(approved_proposal())
    agreement = setup.agreement
    assert agreement.unplanned_cents == 0
    with pytest.raises(AgreementRefused) as refused:
        drafting.add_instalment(setup.staff, agreement, 1_00, release_on=helsinki_today())
    assert "remaining grant" in refused.value.errors["amount"]
    assert len(agreement.instalments) == 2
    with pytest.raises(AgreementRefused) as refused:
        drafting.add_instalment(setup.staff, agreement, 0, after_report_number=9)
    assert {"amount", "after_report_number"} <= set(refused.value.errors)


def test_a_scale_needs_its_limits():
    setup = draft(approved_proposal())
    with pytest.raises(AgreementRefused) as refused:
        drafting.save_indicator(setup.staff, setup.agreement, {"name": "Mood", "kind": "scale", "scale_min": 5,
                                                               "scale_max": 1, "reported_by": "grantee"})
    assert "scale_max" in refused.value.errors
    assert len(setup.agreement.indicators) == 2


# --- versions --------------------------------------------------------------------------------


def test_both_sides_accept_then_the_reports_exist_and_a_change_needs_a_new_acceptance():
    setup = draft(approved_proposal())
    agreement = setup.agreement
    first = versions.propose(setup.staff, agreement)
    assert not agreement.is_in_force and not agreement.reports
    versions.accept(setup.staff, first, "staff")
    with pytest.raises(AgreementRefused) as twice:
        versions.accept(setup.staff, first, "staff")
    assert twice.value.status == 409
    with pytest.raises(AgreementRefused) as wrong_side:
        versions.accept(make_user(), first, "grantee")
    assert wrong_side.value.status == 403
    versions.accept(setup.grantee, first, "grantee")
    assert agreement.is_in_force and agreement.version_in_force is first
    assert [(r.number, r.is_final) for r in agreement.reports] == [(1, False), (2, True)]

    drafting.save_indicator(setup.staff, agreement, {"name": "Volunteers", "kind": "count", "reported_by": "grantee"})
    second = versions.propose(setup.staff, agreement)
    assert first.is_replaced and first.content["indicators"][0]["name"] == "Participants"
    assert len(first.content["indicators"]) == 2 and len(second.content["indicators"]) == 3
    assert agreement.version_in_force is first  # the old one stays in force until the new one is accepted
    with pytest.raises(AgreementRefused) as replaced:
        versions.accept(setup.grantee, first, "grantee")
    assert replaced.value.status == 409 and "replaced" in replaced.value.messages[0]
    versions.accept(setup.staff, second, "staff")
    versions.accept(setup.grantee, second, "grantee")
    assert agreement.version_in_force is second
    assert actions().count("agreements.version_accepted") == 4
    assert actions().count("agreements.version_in_force") == 2


def test_nothing_to_send_without_indicators_schedule_or_whole_instalments():
    setup = approved_proposal()
    agreement = drafting.create_agreement(setup.staff, setup.proposal)
    with pytest.raises(AgreementRefused) as refused:
        versions.propose(setup.staff, agreement)
    assert "indicator" in refused.value.messages[0]


# --- report values ---------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "text", "expected", "valid"), [
    (IndicatorKind.COUNT, "12", "12", True),
    (IndicatorKind.COUNT, "12.5", None, False),
    (IndicatorKind.COUNT, "-1", None, False),
    (IndicatorKind.COUNT, "many", None, False),
    (IndicatorKind.SHARE, "45,5 %", "45.5", True),
    (IndicatorKind.SHARE, "101", None, False),
    (IndicatorKind.SCALE, "5", "5", True),
    (IndicatorKind.SCALE, "6", None, False),
    (IndicatorKind.SCALE, "0", None, False),
    (IndicatorKind.YES_NO, "yes", "yes", True),
    (IndicatorKind.YES_NO, "maybe", None, False),
    (IndicatorKind.TEXT, " Went well ", "Went well", True),
    (IndicatorKind.COUNT, "", None, True),
])
def test_indicator_values_are_checked_by_kind(kind, text, expected, valid):
    class Indicator:
        scale_min, scale_max = 1, 5

    indicator = Indicator()
    indicator.kind = kind
    value, problem = reports.check_value(indicator, text)
    assert value == expected
    assert (problem is None) is valid


def test_a_wrong_value_or_future_spending_refuses_the_whole_report_and_keeps_what_was_saved():
    setup = in_force()
    report = setup.agreement.report_numbered(1)
    fill(setup, report)
    db.session.commit()
    with pytest.raises(AgreementRefused) as refused:
        fill(setup, report, count="lots", scale="9", spending=[
            {"item": "Sound", "amount_cents": 10_00, "spent_on": helsinki_today() + timedelta(days=1)}])
    errors = refused.value.errors
    assert set(errors) == {f"indicator_{setup.count.id}", f"indicator_{setup.scale.id}", "spent_on_0"}
    assert "future" in errors["spent_on_0"]
    db.session.rollback()
    assert report.values == {str(setup.count.id): "120", str(setup.scale.id): "4"}
    assert report.status is ReportStatus.DRAFT


def test_sending_needs_every_value_and_keeps_each_sent_copy_returned_then_accepted():
    setup = in_force()
    report = setup.agreement.report_numbered(2)
    with pytest.raises(AgreementRefused) as refused:
        reports.save(setup.grantee, report, {}, "", [], submit=True)
    assert "narrative" in refused.value.errors
    fill(setup, report, submit=True)
    assert report.status is ReportStatus.SUBMITTED and report.channel is ReportChannel.ONLINE
    with pytest.raises(AgreementRefused):
        fill(setup, report)  # a sent report waits for staff
    with pytest.raises(AgreementRefused):
        reports.return_for_changes(setup.staff, report, " ")
    reports.return_for_changes(setup.staff, report, "Add the photos, please.")
    assert report.status is ReportStatus.RETURNED
    fill(setup, report, count="130", submit=True)
    assert [s.content["values"][str(setup.count.id)] for s in report.submissions] == ["120", "130"]

    instalment = setup.agreement.instalments[1]
    assert "report 2" in instalment.release_problem()
    with pytest.raises(AgreementRefused):
        payments.release(setup.staff, instalment)
    reports.accept(setup.staff, report)
    payments.release(setup.staff, instalment)
    assert instalment.status is InstalmentStatus.RELEASED
    assert [c.kind.value for c in report.comments] == ["returned", "accepted"]
    assert reports.latest_values(setup.agreement)[setup.count.id] == "130"
    assert actions()[-5:] == ["agreements.report_submitted", "agreements.report_returned",
                              "agreements.report_submitted", "agreements.report_accepted",
                              "agreements.instalment_released"]


def test_staff_enter_a_paper_report_recorded_as_entered_by_staff():
    setup = in_force()
    report = setup.agreement.report_numbered(1)
    reports.save(setup.staff, report, {str(setup.count.id): "80", str(setup.scale.id): "3"}, "From paper.", [],
                 submit=True)
    assert report.channel is ReportChannel.PAPER and report.entered_by_id == setup.staff.id
    assert report.submissions[0].channel is ReportChannel.PAPER


def test_a_dated_instalment_waits_for_its_day_and_a_held_one_tells_why():
    setup = in_force()
    first = setup.agreement.instalments[0]
    assert first.release_problem(today=helsinki_today() - timedelta(days=5))
    with pytest.raises(AgreementRefused):
        payments.hold(setup.staff, first, "")
    payments.hold(setup.staff, first, "The report is missing.")
    assert first.status is InstalmentStatus.HELD and first.hold_reason == "The report is missing."
    payments.release(setup.staff, first)
    assert first.status is InstalmentStatus.RELEASED and first.hold_reason == ""
    with pytest.raises(AgreementRefused):
        payments.release(setup.staff, first)
    assert "2000.00" in payments.instalments_csv([setup.agreement])


# --- reminders -------------------------------------------------------------------------------


def test_reminders_before_and_after_the_due_date_go_out_once_each(app, outbox):
    setup = in_force(due=(5, 100))
    today = helsinki_today()
    assert jobs.queue_due_reminders(today) == 1  # report 1 is due in 5 days (7 days before by default)
    assert jobs.queue_due_reminders(today) == 0
    mails = outbox.messages()
    assert [to for to, _subject, _body in mails] == [setup.grantee.email]
    assert "Report due soon" in mails[0][1] and "/agreements/reports/" in mails[0][2]
    later = today + timedelta(days=8)  # 3 days after the due date, still not sent
    assert jobs.queue_due_reminders(later) == 1
    assert jobs.queue_due_reminders(later) == 0
    assert "Report overdue" in outbox.messages()[-1][1]
    assert setup.agreement.report_numbered(1).is_overdue(later)
    assert payments.staff_overview(later)[0] is setup.agreement


def test_no_reminder_for_a_sent_report():
    setup = in_force(due=(5, 100))
    fill(setup, setup.agreement.report_numbered(1), submit=True)
    db.session.commit()
    assert jobs.due_reminders() == []


# --- closing, personal data ------------------------------------------------------------------


def test_closing_needs_the_accepted_final_report_and_an_assessment_per_indicator():
    setup = in_force(due=(10,))
    agreement = setup.agreement
    assessments = {setup.count.id: ("attained", "150 came."), setup.scale.id: ("partly", "3.8 of 5.")}
    with pytest.raises(AgreementRefused) as refused:
        payments.close(setup.staff, agreement, "Good.", assessments)
    assert refused.value.status == 409
    final = agreement.report_numbered(1)
    fill(setup, final, submit=True)
    reports.accept(setup.staff, final)
    with pytest.raises(AgreementRefused) as refused:
        payments.close(setup.staff, agreement, "", {setup.count.id: ("attained", "")})
    assert {"summary", f"reason_{setup.count.id}", f"attainment_{setup.scale.id}"} <= set(refused.value.errors)
    payments.close(setup.staff, agreement, "Good.", assessments)
    assert agreement.is_closed and not agreement.can_manage(setup.staff)
    assert agreement.closing_assessment["indicators"][str(setup.scale.id)]["attainment"] == "partly"
    assert actions()[-1] == "agreements.closed"


def test_personal_data_export_lists_acceptances_and_sent_reports():
    setup = in_force()
    fill(setup, setup.agreement.report_numbered(1), submit=True)
    data = export(setup.grantee, setup.grantee.email)
    assert data["agreement_acceptances"][0]["side"] == "grantee"
    assert data["agreement_reports_sent"][0]["content"]["narrative"] == "We held the party."
