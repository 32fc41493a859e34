"""The one base of every domain's errors: a refusal with a message for the person and an HTTP status.

A service raises a :class:`DomainError` subclass when the rules do not allow a change; the view
shows ``error.messages`` (translated sentences) and answers with ``error.status``. An error that
reaches no view is rendered by the error page with the same message and status.
"""


class DomainError(Exception):
    """A change the rules refuse. ``messages`` are translated sentences for the person."""

    status = 400

    def __init__(self, *messages, status=None):
        super().__init__(" ".join(str(message) for message in messages))
        self.messages = [str(message) for message in messages]
        if status is not None:
            self.status = status


class LinkError(DomainError):
    """A mailed link is damaged, too old or no longer applies; ``expired`` tells whether it was only old."""

    def __init__(self, *messages, expired=False, status=None):
        super().__init__(*messages, status=status)
        self.expired = expired


class FieldsRefused(DomainError):
    """A form's change the rules refuse: ``errors`` maps a form field name to its translated message
    (``""`` for a message about the whole form), so the view can show each next to its field."""

    status = 422

    def __init__(self, errors, status=None):
        if not isinstance(errors, dict):
            errors = {"": errors}
        super().__init__(*errors.values(), status=status)
        self.errors = dict(errors)
