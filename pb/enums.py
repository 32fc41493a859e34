"""State and choice enums that carry a translated label for the pages."""

import enum


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members are declared with their label: ``DRAFT = "draft", _l("Draft")``.

    ``member.value`` is what the database stores; ``member.label`` is the lazy translated text.
    """

    def __new__(cls, value, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls):
        """``[(value, label), ...]`` for a WTForms select or radio field."""
        return [(member.value, member.label) for member in cls]
