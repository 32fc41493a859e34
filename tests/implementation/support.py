"""Builders for implementation tests: a round whose result is published (so its funded projects have
records), staff and residents who read pages in English, and a picture to upload."""

import io

from PIL import Image

from pb.extensions import db
from pb.implementation.models import ProjectImplementation
from tests.factories import make_user
from tests.tally.support import add_ballots, make_round, published


def funded_round(app):
    """A greedy round of one budget (60 000 €) with four projects; the first two (30 000 € and 20 000 €) are funded.

    Returns (round, budget, run, [record of the first project, record of the second]).
    """
    budget_round = make_round(rule="greedy")
    budget = budget_round.budgets[0]
    first, second, third, fourth = budget.projects
    add_ballots(budget, [[first, second], [first], [second, third], [fourth]])
    run = published(app, budget)
    records = db.session.execute(
        db.select(ProjectImplementation).order_by(ProjectImplementation.project_id)
    ).scalars().all()
    return budget_round, budget, run, records


def staff_member(**kwargs):
    return make_user(staff=True, locale="en", **kwargs)


def resident(**kwargs):
    return make_user(locale="en", **kwargs)


def png_bytes(size=(60, 40)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def values_of(implementation, **changes):
    """The record's current values (pb.implementation.services.EDITABLE) with ``changes``."""
    from pb.implementation.services import EDITABLE

    values = {key: getattr(implementation, key) for key in EDITABLE}
    values.update(changes)
    return values


def record_form(implementation, **changes):
    """The edit form's fields as a browser would send them, with ``changes`` (form field names)."""
    data = {
        "responsible_unit": implementation.responsible_unit,
        "status": implementation.status.value,
        "cancel_reason-fi": (implementation.cancel_reason or {}).get("fi", ""),
        "cancel_reason-sv": "",
        "cancel_reason-en": "",
        "progress": str(implementation.progress),
        "planned_cost": str(implementation.planned_cost_cents // 100),
        "actual_cost": "",
        "planned_start": "",
        "planned_end": "",
        "actual_start": "",
        "actual_end": "",
    }
    data.update(changes)
    return data
