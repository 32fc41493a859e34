"""Implementation records: made once per funded project when a result is published; the late flag;
the rules for progress, money, dates, status and the reason for cancelling; updates and their audit."""

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from pb.audit.models import AuditEvent
from pb.extensions import db
from pb.implementation import services
from pb.implementation.models import ImplementationStatus, ProjectImplementation
from pb.uploads import StoredUpload
from tests.implementation.support import funded_round, staff_member, values_of

TODAY = date(2026, 6, 15)


def _events(action):
    return db.session.execute(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).scalars().all()


def test_publishing_a_result_makes_one_record_per_funded_project(app):
    _round, budget, run, records = funded_round(app)
    first, second = budget.projects[0], budget.projects[1]
    assert [record.project_id for record in records] == [first.id, second.id]
    assert [record.planned_cost_cents for record in records] == [first.cost_cents, second.cost_cents]
    assert all(record.status is ImplementationStatus.PLANNED and record.progress == 0 for record in records)
    assert all(record.tally_run_id == run.id for record in records)
    created = _events("implementation.created")
    assert [event.subject_id for event in created] == [str(record.id) for record in records]
    assert created[0].actor_id == run.published_by_id


def test_making_the_records_again_for_the_same_run_adds_nothing(app):
    _round, _budget, run, records = funded_round(app)
    assert services.create_for_run(run) == []
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(ProjectImplementation.id))) == len(records) == 2
    assert len(_events("implementation.created")) == 2


def test_the_database_allows_one_record_per_project(app):
    _round, _budget, run, records = funded_round(app)
    db.session.add(ProjectImplementation(project_id=records[0].project_id, tally_run_id=run.id, planned_cost_cents=1))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("status", "planned_end", "late"),
    [
        (ImplementationStatus.IN_PROGRESS, TODAY - timedelta(days=1), True),
        (ImplementationStatus.PLANNED, TODAY - timedelta(days=30), True),
        (ImplementationStatus.IN_PROGRESS, TODAY, False),  # the planned end itself is not late yet
        (ImplementationStatus.IN_PROGRESS, None, False),
        (ImplementationStatus.DONE, TODAY - timedelta(days=1), False),
        (ImplementationStatus.CANCELLED, TODAY - timedelta(days=1), False),
    ],
)
def test_a_project_is_late_when_its_planned_end_has_passed_and_it_is_not_closed(status, planned_end, late):
    record = ProjectImplementation(status=status, planned_end=planned_end)
    assert record.is_late(TODAY) is late


@pytest.mark.parametrize("progress", [-1, 101, 120, None])
def test_progress_outside_0_to_100_is_refused(app, progress):
    _round, _budget, _run, records = funded_round(app)
    with pytest.raises(services.RecordRefused) as refused:
        services.update_record(staff_member(), records[0], values_of(records[0], progress=progress), today=TODAY)
    assert refused.value.errors == {"progress": "The progress is a whole number from 0 to 100."}
    assert refused.value.status == 422


@pytest.mark.parametrize("progress", [0, 100])
def test_progress_at_the_bounds_is_taken(app, progress):
    _round, _budget, _run, records = funded_round(app)
    services.update_record(staff_member(), records[0], values_of(records[0], progress=progress), today=TODAY)
    assert records[0].progress == progress


def test_the_database_refuses_progress_over_100(app):
    _round, _budget, _run, records = funded_round(app)
    records[0].progress = 120
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_negative_cost_and_an_end_before_the_start_are_refused(app):
    _round, _budget, _run, records = funded_round(app)
    values = values_of(
        records[0], actual_cost_cents=-100, planned_start=TODAY, planned_end=TODAY - timedelta(days=1),
        actual_start=TODAY - timedelta(days=1), actual_end=TODAY - timedelta(days=2),
    )
    with pytest.raises(services.RecordRefused) as refused:
        services.update_record(staff_member(), records[0], values, today=TODAY)
    assert refused.value.errors == {
        "actual_cost_cents": "The amount cannot be negative.",
        "planned_end": "The end date cannot be before the start date.",
        "actual_end": "The end date cannot be before the start date.",
    }


def test_an_actual_date_in_the_future_is_refused(app):
    _round, _budget, _run, records = funded_round(app)
    with pytest.raises(services.RecordRefused) as refused:
        services.update_record(
            staff_member(), records[0], values_of(records[0], actual_start=TODAY + timedelta(days=1)), today=TODAY
        )
    assert set(refused.value.errors) == {"actual_start"}


def test_cancelling_needs_a_public_reason_in_finnish(app):
    _round, _budget, _run, records = funded_round(app)
    staff = staff_member()
    for reason in ({}, {"en": "Only in English"}):
        with pytest.raises(services.RecordRefused) as refused:
            services.update_record(
                staff, records[0], values_of(records[0], status=ImplementationStatus.CANCELLED, cancel_reason=reason),
                today=TODAY,
            )
        assert set(refused.value.errors) == {"cancel_reason"}
    services.update_record(
        staff, records[0],
        values_of(records[0], status=ImplementationStatus.CANCELLED, cancel_reason={"fi": "Tontti myytiin."}),
        today=TODAY,
    )
    assert records[0].cancel_reason == {"fi": "Tontti myytiin."}
    # Taken up again: the reason for cancelling no longer applies and is not kept.
    services.update_record(
        staff, records[0], values_of(records[0], status=ImplementationStatus.IN_PROGRESS), today=TODAY
    )
    assert records[0].cancel_reason == {}


def test_a_done_project_needs_its_end_date_and_is_100_percent_done(app):
    _round, _budget, _run, records = funded_round(app)
    staff = staff_member()
    with pytest.raises(services.RecordRefused) as refused:
        services.update_record(staff, records[0], values_of(records[0], status=ImplementationStatus.DONE), today=TODAY)
    assert set(refused.value.errors) == {"actual_end"}
    services.update_record(
        staff, records[0], values_of(records[0], status=ImplementationStatus.DONE, progress=90, actual_end=TODAY),
        today=TODAY,
    )
    assert records[0].progress == 100


def test_a_change_is_audited_with_what_changed_and_no_change_is_not(app):
    _round, _budget, _run, records = funded_round(app)
    staff = staff_member()
    changes = services.update_record(
        staff, records[0], values_of(records[0], progress=40, responsible_unit=" Puistot ", planned_end=TODAY),
        today=TODAY,
    )
    db.session.commit()
    assert changes == {"progress": [0, 40], "responsible_unit": ["", "Puistot"], "planned_end": [None, "2026-06-15"]}
    event = _events("implementation.record_changed")[-1]
    assert event.actor_id == staff.id and event.details == {"changes": changes}
    assert services.update_record(staff, records[0], values_of(records[0]), today=TODAY) == {}
    assert len(_events("implementation.record_changed")) == 1


def test_an_update_needs_finnish_text_and_a_photo_needs_its_description(app):
    _round, _budget, _run, records = funded_round(app)
    staff = staff_member()
    with pytest.raises(services.UpdateRefused) as refused:
        services.post_update(staff, records[0], {"en": "Only English"})
    assert set(refused.value.errors) == {"text"}
    photo = StoredUpload("0" * 32 + ".png", "photo.png", "image/png", 10)
    with pytest.raises(services.UpdateRefused) as refused:
        services.post_update(staff, records[0], {"fi": "Teksti"}, photo=photo, photo_alt={"fi": ""})
    assert set(refused.value.errors) == {"photo_alt"}
    not_a_picture = StoredUpload("0" * 32 + ".pdf", "photo.pdf", "application/pdf", 10)
    with pytest.raises(services.UpdateRefused) as refused:
        services.post_update(staff, records[0], {"fi": "Teksti"}, photo=not_a_picture, photo_alt={"fi": "Kuva"})
    assert set(refused.value.errors) == {"photo"}


def test_each_update_is_audited_and_keeps_the_status_it_was_posted_with(app):
    _round, _budget, _run, records = funded_round(app)
    staff = staff_member()
    services.update_record(staff, records[0], values_of(records[0], progress=30,
                                                        status=ImplementationStatus.IN_PROGRESS), today=TODAY)
    update = services.post_update(staff, records[0], {"fi": "Työt alkoivat.", "en": "Work started."})
    db.session.commit()
    assert (update.status, update.progress) == (ImplementationStatus.IN_PROGRESS, 30)
    event = _events("implementation.update_posted")[-1]
    assert event.subject_id == str(records[0].id)
    assert event.details == {"update_id": update.id, "photo": False, "languages": ["en", "fi"]}


def test_following_twice_keeps_one_row_and_unfollowing_is_audited(app):
    from tests.implementation.support import resident

    _round, _budget, _run, records = funded_round(app)
    person = resident()
    services.follow(person, records[0])
    services.follow(person, records[0])
    db.session.commit()
    assert len(records[0].followers) == 1
    assert services.unfollow(person, records[0]) is True
    assert services.unfollow(person, records[0]) is False
    db.session.commit()
    assert [e.action for e in db.session.execute(db.select(AuditEvent).where(
        AuditEvent.action.like("implementation.%follow%")).order_by(AuditEvent.id)).scalars()] == [
        "implementation.followed", "implementation.unfollowed"]


def test_an_unverified_account_cannot_follow(app):
    from tests.factories import make_user

    _round, _budget, _run, records = funded_round(app)
    with pytest.raises(services.FollowError):
        services.follow(make_user(verified=False), records[0])
