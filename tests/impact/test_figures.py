"""The impact figures equal an independent count straight from the database, on hand-built data and on the
demo; drafts, unpublished decisions and unpublished results never count; indicators are judged by kind."""

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from pb.agreements.models import (
    Agreement,
    AgreementVersion,
    IndicatorKind,
    Instalment,
    InstalmentStatus,
    Report,
    ReportStatus,
    helsinki_today,
)
from pb.agreements.services import payments, reports
from pb.calls.models import CallStatus
from pb.extensions import db
from pb.impact.services import figures as impact
from pb.impact.services.attainment import Attainment, as_number, judge
from pb.implementation import services as implementation
from pb.implementation.models import ImplementationStatus, ProjectImplementation
from pb.proposals.models import DecisionOutcome, Proposal
from pb.proposals.services.decisions import publish_decision
from pb.tally import services as tally
from pb.tally.models import TallyRun
from pb.transactions import commit
from pb.voting.models import BudgetRound, Channel, RoundPhase
from tests.agreements.support import Setup, draft, in_force
from tests.factories import make_call, make_organisation, make_proposal, make_user
from tests.helpers import run_queued_jobs
from tests.implementation.support import funded_round, values_of
from tests.tally.support import add_ballots, make_round

FUNDED = (DecisionOutcome.APPROVED, DecisionOutcome.APPROVED_REDUCED)


# --- builders (also used by test_public_routes.py) ------------------------------------------------


def _approved(call, staff, title, granted, outcome=DecisionOutcome.APPROVED, publish=True):
    grantee = make_user(locale="en")
    organisation = make_organisation("ngo", name=f"{title} ry", representative=grantee)
    proposal = make_proposal(call, organisation=organisation, state="submitted", title=title,
                             lines=(("Sound", 2_000_00), ("Food", 1_500_00)))
    if publish:
        publish_decision(staff, proposal, outcome, granted, "Reasons.", "")
    else:  # decided in the meeting but not published to the applicant: must never count
        proposal.decision_outcome = outcome
        proposal.granted_cents = granted
    db.session.commit()
    return Setup(staff, grantee, proposal)


def _report(setup, number, values, spent, participants, target_group):
    agreement = setup.agreement
    report = agreement.report_numbered(number)
    count, scale = agreement.indicators
    line = agreement.budget_lines[0]
    reports.save(setup.grantee, report, {str(count.id): values[0], str(scale.id): values[1]}, "What was done.",
                 [{"item": line["item"], "amount_cents": spent, "spent_on": helsinki_today()}],
                 participants=participants, target_group_participants=target_group, submit=True)
    reports.accept(setup.staff, report, "Thanks.")
    commit()
    return report


def partnership_call():
    """A closed call with five decided proposals:

    - "Running": 3 000 € granted, agreement in force, 2 000 € released, report 1 accepted (count 120 of 150
      from 0: on track; scale 4 of 4: met; 1 200 € spent; 80 participants, 30 of the target group);
    - "Overdue": 3 000 € granted, agreement in force, its first report overdue: late;
    - "Finished": 3 000 € granted, final report accepted (count 200: met, scale 2: not met) and closed: done;
    - "Drafted": 3 000 € granted, agreement drafted only (never in force): not started, its draft never counts;
    - "Unpublished": 5 000 € approved in a meeting, not published; and "Refused": rejected.
    """
    staff = make_user(staff=True, locale="en")
    call = make_call("closed")
    running = in_force(_approved(call, staff, "Running", 3_000_00))
    payments.release(staff, running.agreement.instalments[0])
    commit()
    _report(running, 1, ("120", "4"), 1_200_00, 80, 30)
    overdue = in_force(_approved(call, staff, "Overdue", 3_000_00), due=(-3, 60))
    finished = in_force(_approved(call, staff, "Finished", 3_000_00), due=(0,))
    _report(finished, 1, ("200", "2"), 900_00, 40, 10)
    count, scale = finished.agreement.indicators
    payments.close(staff, finished.agreement, "Done.", {count.id: ("attained", "Many came."),
                                                        scale.id: ("partly", "Mixed.")})
    commit()
    drafted = draft(_approved(call, staff, "Drafted", 3_000_00))
    unpublished = _approved(call, staff, "Unpublished", 5_000_00, publish=False)
    refused = _approved(call, staff, "Refused", None, outcome=DecisionOutcome.REJECTED)
    return SimpleNamespace(call=call, staff=staff, running=running, overdue=overdue, finished=finished,
                           drafted=drafted, unpublished=unpublished, refused=refused)


def pb_round(app):
    """funded_round (4 ballots, two funded projects) with the first project done (actual 28 000 €) and the
    second late (in progress, planned end passed); then another round counted but not published."""
    budget_round, budget, run, records = funded_round(app)
    staff = make_user(staff=True, locale="en")
    today = helsinki_today()
    first, second = records
    implementation.update_record(staff, first, values_of(
        first, status=ImplementationStatus.DONE, progress=100, actual_cost_cents=28_000_00,
        actual_start=today - timedelta(days=60), actual_end=today - timedelta(days=5)))
    implementation.update_record(staff, second, values_of(
        second, status=ImplementationStatus.IN_PROGRESS, progress=40, planned_start=today - timedelta(days=90),
        planned_end=today - timedelta(days=2), actual_cost_cents=5_000_00))
    commit()
    other = make_round(districts=(("Itä", 2_000),))
    other_budget = other.budgets[0]
    add_ballots(other_budget, [[other_budget.projects[0]]] * 6)
    tally.start_tally(other_budget, staff)
    commit()
    run_queued_jobs(app)
    db.session.expire_all()
    return SimpleNamespace(round=budget_round, budget=budget, run=run, records=records, unpublished=other)


# --- independent counts ----------------------------------------------------------------------------


def _in_force_agreement_ids():
    accepted = select(AgreementVersion.agreement_id).where(
        AgreementVersion.staff_accepted_at.is_not(None), AgreementVersion.grantee_accepted_at.is_not(None))
    return set(db.session.execute(select(Agreement.id).where(Agreement.id.in_(accepted))).scalars())


def independent_call_counts(call):
    """The call's figures counted straight from the tables, without the impact services."""
    funded = select(Proposal.id).where(Proposal.call_id == call.id, Proposal.decision_published_at.is_not(None),
                                       Proposal.decision_outcome.in_(FUNDED))
    allocated = db.session.scalar(select(func.coalesce(func.sum(Proposal.granted_cents), 0))
                                  .where(Proposal.id.in_(funded)))
    in_force_ids = _in_force_agreement_ids()
    agreements = db.session.execute(select(Agreement.id, Agreement.closed_at).where(
        Agreement.proposal_id.in_(funded), Agreement.id.in_(in_force_ids or {-1}))).all()
    ids = [row.id for row in agreements] or [-1]
    released = db.session.scalar(select(func.coalesce(func.sum(Instalment.amount_cents), 0)).where(
        Instalment.agreement_id.in_(ids), Instalment.status == InstalmentStatus.RELEASED))
    accepted = db.session.execute(select(Report).where(Report.agreement_id.in_(ids),
                                                       Report.status == ReportStatus.ACCEPTED)).scalars().all()
    today = helsinki_today()
    overdue_agreements = set(db.session.execute(select(Report.agreement_id).where(
        Report.agreement_id.in_(ids), Report.status.in_((ReportStatus.DRAFT, ReportStatus.RETURNED)),
        Report.due_on < today)).scalars())
    done = sum(1 for row in agreements if row.closed_at is not None)
    late = sum(1 for row in agreements if row.closed_at is None and row.id in overdue_agreements)
    return {
        "allocated": allocated,
        "released": released,
        "spent": sum(entry["amount_cents"] for report in accepted for entry in report.spending),
        "participants": sum(report.participants or 0 for report in accepted),
        "target_group": sum(report.target_group_participants or 0 for report in accepted),
        "funded": db.session.scalar(select(func.count()).select_from(funded.subquery())),
        "done": done,
        "late": late,
        "in_progress": len(agreements) - done - late,
        "not_started": db.session.scalar(select(func.count()).select_from(funded.subquery())) - len(agreements),
    }


def independent_round_counts(budget_round):
    published_runs = select(TallyRun.id).join(TallyRun.budget).where(
        TallyRun.published_at.is_not(None), TallyRun.budget.has(round_id=budget_round.id))
    records = db.session.execute(select(ProjectImplementation).where(
        ProjectImplementation.tally_run_id.in_(published_runs))).scalars().all()
    ballots = db.session.scalar(select(func.coalesce(func.sum(TallyRun.ballot_count), 0))
                                .where(TallyRun.id.in_(published_runs)))
    statuses = {status: sum(1 for r in records if r.status is status) for status in ImplementationStatus}
    late = sum(1 for r in records if r.is_late())
    return {
        "planned": sum(r.planned_cost_cents for r in records),
        "actual": sum(r.actual_cost_cents or 0 for r in records),
        "projects": len(records),
        "done": statuses[ImplementationStatus.DONE],
        "cancelled": statuses[ImplementationStatus.CANCELLED],
        "late": late,
        "ballots": ballots,
    }


def assert_call_matches(figures, counts):
    assert figures.allocated_cents == counts["allocated"]
    assert figures.released_cents == counts["released"]
    assert figures.spent_cents == counts["spent"]
    assert figures.participants == counts["participants"]
    assert figures.target_group_participants == counts["target_group"]
    assert figures.progress.total == counts["funded"]
    assert (figures.progress.done, figures.progress.late, figures.progress.in_progress,
            figures.progress.not_started) == (counts["done"], counts["late"], counts["in_progress"],
                                              counts["not_started"])


def assert_round_matches(figures, counts):
    assert figures.planned_cost_cents == counts["planned"]
    assert figures.actual_cost_cents == counts["actual"]
    assert figures.progress.total == counts["projects"]
    assert figures.progress.done == counts["done"]
    assert figures.progress.cancelled == counts["cancelled"]
    assert figures.progress.late == counts["late"]
    assert figures.ballots == counts["ballots"]


# --- partnership funding -------------------------------------------------------------------------


def test_call_figures_equal_an_independent_count_and_leave_out_drafts_and_unpublished_decisions(app):
    built = partnership_call()
    figures = impact.call_figures(built.call)
    counts = independent_call_counts(built.call)
    assert_call_matches(figures, counts)
    # The hand-checked numbers: only published, funded decisions; only agreements in force.
    assert figures.allocated_cents == 4 * 3_000_00
    assert figures.released_cents == 2_000_00
    assert figures.spent_cents == 1_200_00 + 900_00
    assert (figures.participants, figures.target_group_participants) == (120, 40)
    assert (figures.progress.in_progress, figures.progress.late, figures.progress.done,
            figures.progress.not_started) == (1, 1, 1, 1)
    titles = [line.title for line in figures.activities]
    assert "Unpublished" not in titles and "Refused" not in titles
    drafted = next(line for line in figures.activities if line.title == "Drafted")
    assert drafted.agreement_id is None and drafted.released_cents == 0
    assert built.drafted.agreement.id not in figures.agreement_ids
    # Indicators: only of agreements in force (3 agreements x 2 indicators).
    assert len(figures.indicators) == 6
    by_activity = {(line.activity, line.name): line.attainment for line in figures.indicators}
    assert by_activity[("Running", "Participants")] is Attainment.ON_TRACK
    assert by_activity[("Running", "Satisfaction")] is Attainment.MET
    assert by_activity[("Finished", "Participants")] is Attainment.MET
    assert by_activity[("Finished", "Satisfaction")] is Attainment.NOT_MET
    assert by_activity[("Overdue", "Participants")] is Attainment.NOT_REPORTED
    assert figures.indicators_good == 3


def test_a_draft_call_never_appears(app):
    built = partnership_call()
    draft_call = make_call("draft")
    staff = built.staff
    _approved(draft_call, staff, "Secret", 3_000_00)
    assert impact.viewable_call(draft_call.id) is None
    calls, _rounds = impact.all_figures()
    assert [figures.id for figures in calls] == [built.call.id]
    assert draft_call.status is CallStatus.DRAFT


def test_the_overview_adds_up_the_calls_and_filters_by_year(app):
    built = partnership_call()
    other = make_call("closed", closes_at=built.call.closes_at - timedelta(days=800),
                      opens_at=built.call.closes_at - timedelta(days=830))
    in_force(_approved(other, built.staff, "Old", 3_000_00))
    overview = impact.overview(with_surveys=False)
    assert overview.allocated_cents == (independent_call_counts(built.call)["allocated"]
                                        + independent_call_counts(other)["allocated"])
    this_year, old_year = impact.call_year(built.call), impact.call_year(other)
    assert overview.years == sorted({this_year, old_year}, reverse=True)
    only_old = impact.overview(old_year, with_surveys=False)
    assert [figures.id for figures in only_old.calls] == [other.id]
    assert only_old.allocated_cents == 3_000_00
    assert {line.year: line.allocated_cents for line in overview.by_year()} == {
        this_year: 12_000_00, old_year: 3_000_00}


# --- participatory budgeting -----------------------------------------------------------------------


def test_round_figures_equal_an_independent_count_and_leave_out_unpublished_results(app):
    built = pb_round(app)
    figures = impact.round_figures(built.round)
    assert_round_matches(figures, independent_round_counts(built.round))
    assert figures.planned_cost_cents == 30_000_00 + 20_000_00
    assert figures.actual_cost_cents == 28_000_00 + 5_000_00
    assert (figures.progress.done, figures.progress.late, figures.progress.in_progress) == (1, 1, 0)
    assert figures.ballots == 4 and figures.budget_cents == 60_000_00
    # Counted but not published: no figures at all.
    unpublished = impact.round_figures(built.unpublished)
    assert not unpublished.has_results and unpublished.ballots == 0 and unpublished.projects == []
    _calls, rounds = impact.all_figures()
    assert [figures.id for figures in rounds] == [built.round.id]


def test_a_round_below_the_secrecy_minimum_has_no_turnout_breakdown(app):
    built = pb_round(app)
    row = impact.round_figures(built.round).budgets[0]
    assert row.ballots == 4 < app.config["BALLOT_SECRECY_MIN_GROUP"]
    assert row.by_channel is None and row.by_age_band is None
    # Exactly what the public result page shows.
    assert tally.result_figures(built.run)["turnout"]["by_channel"] is None


def test_a_breakdown_follows_the_result_pages_small_group_rule(app):
    budget_round = make_round()
    budget = budget_round.budgets[0]
    first = budget.projects[0]
    add_ballots(budget, [[first]] * 7)
    add_ballots(budget, [[first]] * 2, channel=Channel.PAPER)
    from tests.tally.support import published

    run = published(app, budget)
    row = impact.round_figures(budget_round).budgets[0]
    assert row.by_channel == tally.result_figures(run)["turnout"]["by_channel"]
    assert row.by_channel["paper"] != 2 and str(row.by_channel["paper"]) == "fewer than 5"
    assert sum(1 for value in row.by_channel.values() if not isinstance(value, int)) >= 2  # and its complement
    assert row.turnout_percent == pytest.approx(0.9)


def test_a_draft_round_is_not_public(app):
    budget_round = make_round()
    budget_round.phase = RoundPhase.DRAFT
    db.session.commit()
    assert impact.viewable_round(budget_round.id) is None
    assert budget_round.id not in [r.id for r in impact.public_rounds()]
    assert db.session.get(BudgetRound, budget_round.id) is not None


# --- indicators ----------------------------------------------------------------------------------


@dataclass
class FakeIndicator:
    kind: IndicatorKind
    target: str
    baseline: str = ""


@pytest.mark.parametrize("indicator, value, running, expected", [
    (FakeIndicator(IndicatorKind.COUNT, "150", "0"), "150", True, Attainment.MET),
    (FakeIndicator(IndicatorKind.COUNT, "150", "0"), "90", True, Attainment.ON_TRACK),
    (FakeIndicator(IndicatorKind.COUNT, "150", "0"), "90", False, Attainment.NOT_MET),
    (FakeIndicator(IndicatorKind.COUNT, "150", "100"), "100", True, Attainment.NOT_MET),
    (FakeIndicator(IndicatorKind.COUNT, "150"), "90", True, Attainment.NOT_MET),  # no baseline to compare with
    (FakeIndicator(IndicatorKind.SHARE, "20 %", "40"), "30", True, Attainment.ON_TRACK),  # going down
    (FakeIndicator(IndicatorKind.SHARE, "20 %", "40"), "18,5", False, Attainment.MET),
    (FakeIndicator(IndicatorKind.SCALE, "4"), "4", True, Attainment.MET),
    (FakeIndicator(IndicatorKind.YES_NO, "kyllä"), "yes", True, Attainment.MET),
    (FakeIndicator(IndicatorKind.YES_NO, "no"), "yes", True, Attainment.NOT_MET),
    (FakeIndicator(IndicatorKind.YES_NO, ""), "yes", True, Attainment.MET),
    (FakeIndicator(IndicatorKind.TEXT, "A plan"), "Done", True, Attainment.NOT_COMPARABLE),
    (FakeIndicator(IndicatorKind.COUNT, "many"), "5", True, Attainment.NOT_COMPARABLE),
    (FakeIndicator(IndicatorKind.COUNT, "150"), None, True, Attainment.NOT_REPORTED),
])
def test_an_indicator_is_judged_by_its_kind(indicator, value, running, expected):
    assert judge(indicator, value, running) is expected


def test_numbers_are_read_from_targets_as_people_write_them():
    assert as_number("150 henkeä") == 150
    assert as_number("1 200") == 1200
    assert str(as_number("4,5")) == "4.5"
    assert as_number("paljon") is None


# --- the demo -------------------------------------------------------------------------------------


def test_the_demo_figures_equal_an_independent_count(app):
    from pb.demo import seed_demo

    assert seed_demo(app.config["DEMO_PASSWORD"])
    overview = impact.overview(with_surveys=False)
    assert overview.calls and overview.rounds
    for figures in overview.calls:
        assert_call_matches(figures, independent_call_counts(figures.call))
    for figures in overview.rounds:
        assert_round_matches(figures, independent_round_counts(figures.round))
    # The demo agreement: two indicators, the count on track (120 of 150) and the scale met (4 of 4).
    assert overview.indicators_good == 2 and len(overview.indicators) == 2
    assert overview.project_progress.late >= 1
