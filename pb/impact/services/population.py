"""Population figures per year, district and age band: entering them, and the totals the reach dashboard uses.

A figure that is not entered is "not known" (never zero). A district's population is the sum of its
age bands only when every band is entered for that year; an age band's population is the sum over the
districts only when every district has it. A partial sum would make a group look better reached than it is.
"""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.districts.models import District
from pb.errors import DomainError
from pb.extensions import db
from pb.i18n import localized
from pb.impact.models import PopulationFigure
from pb.voting.models import AGE_BANDS

BANDS = tuple(label for label, _low, _high in AGE_BANDS)
MAX_RESIDENTS = 10_000_000


class PopulationError(DomainError):
    """``str(error)`` is a translated message for the staff member who entered the figures."""


def districts():
    """Every district, in name order (the rows of the population table)."""
    rows = db.session.execute(db.select(District)).scalars().all()
    return sorted(rows, key=lambda district: (localized(district.name).lower(), district.id))


def years():
    """The years that have at least one figure, oldest first."""
    query = db.select(PopulationFigure.year).distinct().order_by(PopulationFigure.year)
    return list(db.session.execute(query).scalars())


def nearest_year(year):
    """The year with figures closest to ``year`` (the earlier one on a tie); the latest when ``year`` is None."""
    known = years()
    if not known:
        return None
    if year is None:
        return known[-1]
    return min(known, key=lambda candidate: (abs(candidate - year), candidate))


def figures_for(year):
    """``{(district_id, age_band): residents}`` of ``year``."""
    rows = db.session.execute(db.select(PopulationFigure).where(PopulationFigure.year == year)).scalars()
    return {(row.district_id, row.age_band): row.residents for row in rows}


def save_figures(actor, year, values):
    """Store ``values`` (``{(district_id, age_band): residents or None}``) for ``year``; None clears a figure.

    Returns the number of figures changed; the change is audited ("impact.population_saved")."""
    known_districts = {district.id for district in districts()}
    for (district_id, band), residents in values.items():
        if district_id not in known_districts or band not in BANDS:
            raise PopulationError(_("The figures name a district or an age group that does not exist."))
        if residents is not None and not 0 <= residents <= MAX_RESIDENTS:
            raise PopulationError(
                _("The number of residents must be a whole number from 0 to %(max)s.", max=MAX_RESIDENTS)
            )
    rows = {
        (row.district_id, row.age_band): row
        for row in db.session.execute(db.select(PopulationFigure).where(PopulationFigure.year == year)).scalars()
    }
    changed = []
    for key, residents in sorted(values.items()):
        row = rows.get(key)
        if residents is None:
            if row is not None:
                db.session.delete(row)
                changed.append(key)
        elif row is None:
            db.session.add(PopulationFigure(year=year, district_id=key[0], age_band=key[1], residents=residents,
                                            updated_by_id=actor.id))
            changed.append(key)
        elif row.residents != residents:
            row.residents = residents
            row.updated_by_id = actor.id
            changed.append(key)
    if changed:
        db.session.flush()
        record(
            actor,
            "impact.population_saved",
            None,
            {"year": year, "changed": len(changed), "districts": sorted({key[0] for key in changed})},
        )
    return len(changed)


def population_by_group(year):
    """``{"district": {district_id: residents}, "age_band": {band: residents}}`` for ``year``: only complete sums."""
    if year is None:
        return {"district": {}, "age_band": {}}
    figures = figures_for(year)
    district_ids = [district.id for district in districts()]
    by_district = {}
    for district_id in district_ids:
        values = [figures.get((district_id, band)) for band in BANDS]
        if all(value is not None for value in values):
            by_district[district_id] = sum(values)
    by_band = {}
    for band in BANDS:
        values = [figures.get((district_id, band)) for district_id in district_ids]
        if district_ids and all(value is not None for value in values):
            by_band[band] = sum(values)
    return {"district": by_district, "age_band": by_band}
