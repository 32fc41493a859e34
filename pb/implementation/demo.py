"""Demo records of implementation tracking (called from pb.demo after the results are published).

Two funded projects of last year's round in implementation: one going to plan with two updates (one
with a photo) and the demo resident following it, one late with an update.
"""

import io
from datetime import timedelta

from PIL import Image, ImageDraw
from werkzeug.datastructures import FileStorage

from pb.auth.models import find_by_email
from pb.implementation import services
from pb.implementation.models import ImplementationStatus, helsinki_today
from pb.models_base import utcnow


def demo_photo():
    """A small drawing of a park bench under a tree, as an uploaded PNG."""
    image = Image.new("RGB", (480, 300), (200, 225, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 210, 480, 300), fill=(110, 170, 90))
    draw.rectangle((330, 90, 350, 220), fill=(110, 80, 50))
    draw.ellipse((270, 20, 410, 130), fill=(60, 130, 60))
    draw.rectangle((90, 170, 250, 182), fill=(140, 95, 55))
    draw.rectangle((90, 140, 250, 150), fill=(140, 95, 55))
    for x in (100, 230):
        draw.rectangle((x, 182, x + 10, 222), fill=(70, 70, 70))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename="penkki.png", content_type="image/png")


def _values(implementation, **changes):
    values = {key: getattr(implementation, key) for key in services.EDITABLE}
    values.update(changes)
    return values


def seed_implementation_demo(staff):
    """Fill two of the funded projects' records; returns them. Flushes (pb.demo commits)."""
    budget_round = services.rounds_with_records()[0]
    records = [implementation for items in services.records_of_round(budget_round).values() for implementation in items]
    on_plan, late = records[0], records[-1]
    today = helsinki_today()

    services.update_record(staff, on_plan, _values(
        on_plan, responsible_unit="Kaupunkiympäristö: puistot ja liikuntapaikat",
        status=ImplementationStatus.IN_PROGRESS,
        progress=20, planned_start=today - timedelta(days=45), planned_end=today + timedelta(days=75),
        actual_start=today - timedelta(days=30),
    ))
    first = services.post_update(staff, on_plan, {
        "fi": "Suunnitelma on valmis ja urakoitsija valittu. Työt alkavat ensi kuussa.",
        "sv": "Planen är klar och entreprenören vald. Arbetet börjar nästa månad.",
        "en": "The plan is ready and the contractor chosen. Work starts next month.",
    })
    first.created_at = utcnow() - timedelta(days=30)
    services.update_record(staff, on_plan, _values(
        on_plan, progress=60, actual_cost_cents=on_plan.planned_cost_cents * 45 // 100,
    ))
    second = services.post_update(staff, on_plan, {
        "fi": "Portaiden ensimmäiset osat on asennettu. Kuvassa uusi levähdyspenkki puun alla portaiden vieressä.",
        "en": "The first parts of the stairs are in place. "
              "The photo shows a new bench for a rest under a tree beside them.",
    }, photo=services.store_photo(demo_photo()), photo_alt={
        "fi": "Uusi puupenkki nurmikolla ison puun vieressä.",
        "en": "A new wooden bench on the grass next to a big tree.",
    })
    second.created_at = utcnow() - timedelta(days=3)

    services.update_record(staff, late, _values(
        late, responsible_unit="Kulttuuri- ja vapaa-aikapalvelut", status=ImplementationStatus.IN_PROGRESS,
        progress=80, actual_cost_cents=late.planned_cost_cents * 70 // 100,
        planned_start=today - timedelta(days=120), planned_end=today - timedelta(days=10),
        actual_start=today - timedelta(days=110),
    ))
    delayed = services.post_update(staff, late, {
        "fi": "Toimitus viivästyi. Viimeiset osat asennetaan kahden viikon kuluessa.",
        "en": "A delivery was late. The last parts are put in place within two weeks.",
    })
    delayed.created_at = utcnow() - timedelta(days=8)

    # After the updates, so that seeding mails nobody.
    services.follow(find_by_email("resident@demo.pb"), on_plan)
    return [on_plan, late]
