"""Form pieces shared by every domain.

Money is typed in euros the way people write it ("1 500,50", "1500.50", "1 500 €") and
kept as integer cents. Date-times are typed and shown in Finnish time (Europe/Helsinki)
and stored in UTC.
"""

from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, Form, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pb.money import format_euros, parse_euros

HELSINKI = ZoneInfo("Europe/Helsinki")


def strip(value):
    """Field filter: drop surrounding spaces (people paste IDs and addresses with them)."""
    return value.strip() if isinstance(value, str) else value


def lower(value):
    """Field filter for email addresses, which accounts store in lower case."""
    return value.lower() if isinstance(value, str) else value


def translated_form(max_length=200, multiline=False, required=True):
    """A sub-form with Finnish (required), Swedish and English (optional) versions of one text.

    Use as ``FormField(translated_form(), label=...)``; ``.data`` is the ``{"fi", "sv", "en"}`` dict
    stored in JSON content columns (empty languages are dropped, so display falls back to Finnish).
    ``required=False`` makes the whole text optional (an optional description, say).
    """
    field_class = TextAreaField if multiline else StringField
    finnish_presence = DataRequired() if required else Optional()

    class TranslatedTextForm(Form):
        fi = field_class(_l("In Finnish"), validators=[finnish_presence, Length(max=max_length)])
        sv = field_class(_l("In Swedish"), validators=[Optional(), Length(max=max_length)])
        en = field_class(_l("In English"), validators=[Optional(), Length(max=max_length)])

    return TranslatedTextForm


def translated_data(form_field):
    """The non-empty languages of a translated FormField, stripped."""
    return {code: value.strip() for code, value in form_field.data.items() if value and value.strip()}


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons (delete, accept, publish ...)."""


class EuroField(StringField):
    """An amount in euros as typed; ``.data`` is integer cents, or None when left empty."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            self.data = parse_euros(valuelist[0])

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_euros(self.data) if self.data is not None else ""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def helsinki_datetime_field(label):
    return DateTimeLocalField(
        label,
        validators=[Optional()],
        tz=HELSINKI,
        # The first format is what the browser's date-time input expects; the others are how people type.
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M", "%d.%m.%Y %H.%M", "%d.%m.%Y klo %H.%M"],
        invalid_value_message=_l("Write the date and time like 31.12.2025 16:00."),
    )


def translated_namespace(values):
    """A translated dict as the object a translated sub-form reads its initial values from."""
    return SimpleNamespace(**{code: (values or {}).get(code, "") for code in ("fi", "sv", "en")})


def optional_int(value):
    return int(value) if value not in (None, "") else None
