"""Districts: create, edit and delete (only when nothing refers to the district). Services flush only."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.districts.models import District
from pb.errors import DomainError
from pb.extensions import db

FIELDS = ("name", "population", "postal_codes")


class DistrictInUse(DomainError):
    """``str(error)`` is a translated message naming what still uses the district."""


def districts_in_order():
    districts = db.session.execute(db.select(District)).scalars().all()
    return sorted(districts, key=lambda district: (district.display_name.lower(), district.id))


def create_district(actor, name, population, postal_codes):
    district = District(name=name, population=population, postal_codes=list(postal_codes))
    db.session.add(district)
    db.session.flush()
    record(actor, "districts.created", district, {"name": name.get("fi")})
    return district


def update_district(actor, district, name, population, postal_codes):
    """Returns the names of the fields that changed (nothing is recorded when none did)."""
    values = {"name": name, "population": population, "postal_codes": list(postal_codes)}
    changed = [field for field in FIELDS if getattr(district, field) != values[field]]
    for field in changed:
        setattr(district, field, values[field])
    if changed:
        db.session.flush()
        record(actor, "districts.updated", district, {"fields": changed})
    return changed


def references(district):
    """Rows that point at ``district``, per table.

    Found from the foreign keys in the metadata, so tables that later domains add
    (budget rounds, ballots ...) are covered without this module importing them.
    """
    counts = {}
    for table in db.metadata.sorted_tables:
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table is District.__table__:
                count = db.session.scalar(
                    db.select(db.func.count()).select_from(table).where(foreign_key.parent == district.id)
                )
                if count:
                    counts[table.name] = counts.get(table.name, 0) + count
    return counts


def _describe(counts):
    names = {"organisations": _("organisations")}
    return ", ".join(f"{names.get(table, table.replace('_', ' '))}: {count}" for table, count in sorted(counts.items()))


def ensure_deletable(district):
    counts = references(district)
    if counts:
        raise DistrictInUse(
            _(
                "This district cannot be deleted because it is still in use (%(uses)s). "
                "Move those to another district first.",
                uses=_describe(counts),
            )
        )


def delete_district(actor, district):
    ensure_deletable(district)
    record(actor, "districts.deleted", district, {"name": district.name.get("fi")})
    db.session.delete(district)
    db.session.flush()
