"""District form: translated name, population and optional postal codes."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FormField, IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from pb.forms import translated_form

POSTAL_CODE = re.compile(r"\d{5}")
SEPARATORS = re.compile(r"[\s,;]+")
MAX_POSTAL_CODES = 300


class PostalCodesField(StringField):
    """Finnish postal codes separated by commas or spaces; ``data`` is a list without repeats."""

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = list(dict.fromkeys(code for code in SEPARATORS.split(text) if code))

    def process_data(self, value):
        self.data = list(value or [])

    def _value(self):
        # Show what was typed after a failed submit, else the stored codes.
        return self.raw_data[0] if self.raw_data else ", ".join(self.data or [])

    def pre_validate(self, form):
        if len(self.data) > MAX_POSTAL_CODES:
            raise ValidationError(_l("Give at most %(count)s postal codes.", count=MAX_POSTAL_CODES))
        wrong = [code for code in self.data if not POSTAL_CODE.fullmatch(code)]
        if wrong:
            raise ValidationError(
                _l("A postal code has exactly 5 digits. Check these: %(codes)s", codes=", ".join(wrong[:10]))
            )


class DistrictForm(FlaskForm):
    name = FormField(translated_form(max_length=120), label=_l("Name of the district"))
    population = IntegerField(
        _l("Population"),
        validators=[
            InputRequired(message=_l("Write the number of residents.")),
            NumberRange(min=0, max=100_000_000, message=_l("Write a whole number, 0 or more.")),
        ],
    )
    postal_codes = PostalCodesField(_l("Postal codes"))
