"""What the agreement services share: the refusal type and small value helpers."""

from datetime import date

from pb.errors import FieldsRefused


class AgreementRefused(FieldsRefused):
    """A change the agreement's rules refuse (see :class:`FieldsRefused`). Nothing was changed when it is raised."""


def iso(value):
    return value.isoformat() if isinstance(value, date) else value


def from_iso(value):
    return date.fromisoformat(value) if value else None
