"""Form pieces shared by every domain."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


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
