"""What the agreement services share: the refusal type and small value helpers."""

from datetime import date

from pb.errors import DomainError


class AgreementRefused(DomainError):
    """A change the agreement's rules refuse; ``errors`` maps a form field name to its translated message
    (``""`` for a message about the whole form). Nothing was changed when it is raised."""

    status = 422

    def __init__(self, errors, status=None):
        if not isinstance(errors, dict):
            errors = {"": errors}
        super().__init__(*errors.values(), status=status)
        self.errors = dict(errors)


def iso(value):
    return value.isoformat() if isinstance(value, date) else value


def from_iso(value):
    return date.fromisoformat(value) if value else None
