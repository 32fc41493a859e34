"""Forms of the reach dashboard: population figures (one input per district and age band) and the filters."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from pb.i18n import localized
from pb.impact.services.population import BANDS, MAX_RESIDENTS

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_WHOLE = re.compile(r"[+-]?[0-9]+")


class WholeNumberField(StringField):
    """A whole number as people type it ("12 345" too); ``.data`` is an int, or None when left empty.

    What was typed is shown again on an error (``_value`` gives the raw text back)."""

    def __init__(self, label=None, validators=None, *, minimum=0, maximum=MAX_RESIDENTS, required=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.required = minimum, maximum, required

    def process_formdata(self, valuelist):
        self.data = None
        text = _SPACES.sub("", valuelist[0]) if valuelist else ""
        if not text:
            return
        if not _WHOLE.fullmatch(text):
            raise ValueError(_("Write a whole number, for example 1250, or leave the box empty if it is not known."))
        self.data = int(text)

    def pre_validate(self, form):
        if self.process_errors:
            return
        if self.data is None:
            if self.required:
                raise ValidationError(_("Write the year, for example 2026."))
            return
        if self.data < self.minimum:
            raise ValidationError(
                _("The number cannot be negative.") if self.minimum == 0
                else _("Write a number from %(low)s to %(high)s.", low=self.minimum, high=self.maximum)
            )
        if self.data > self.maximum:
            raise ValidationError(_("Write a number from %(low)s to %(high)s.", low=self.minimum, high=self.maximum))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def field_name(district_id, band):
    """The form field of one district and age band: ``d3_12_17``, ``d3_65plus``."""
    return f"d{district_id}_" + band.replace("-", "_").replace("+", "plus")


def population_form(districts, year=None, figures=None, formdata=None):
    """The population form for ``districts``: a year and one box per district and age band.

    ``figures`` (``{(district_id, band): residents}``) fill the boxes when the form is shown, not posted."""

    class PopulationForm(FlaskForm):
        year = WholeNumberField(_l("Year of the figures"), minimum=1900, maximum=2200, required=True)

    for district in districts:
        for band in BANDS:
            label = _("%(district)s, age %(band)s", district=localized(district.name), band=band)
            setattr(PopulationForm, field_name(district.id, band), WholeNumberField(label))
    data = {"year": year}
    for (district_id, band), residents in (figures or {}).items():
        data[field_name(district_id, band)] = residents
    if formdata is not None:
        return PopulationForm(formdata=formdata)
    return PopulationForm(data=data)


def posted_figures(form, districts):
    """``{(district_id, band): residents or None}`` from a validated population form."""
    return {
        (district.id, band): form[field_name(district.id, band)].data for district in districts for band in BANDS
    }


class ReachFilterForm(FlaskForm):
    """The dashboard's filters, sent by GET (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    round = SelectField(_l("Participatory budgeting round"), default="")
    call = SelectField(_l("Funding call"), default="")
    year = SelectField(_l("Year"), default="")
    stage = SelectField(_l("Stage"), default="")

    def set_choices(self, rounds, calls, years, stages):
        everything = ("", _("All"))
        self.round.choices = [everything] + [(str(item.id), localized(item.name)) for item in rounds]
        self.call.choices = [everything] + [(str(item.id), localized(item.title)) for item in calls]
        self.year.choices = [everything] + [(str(year), str(year)) for year in years]
        self.stage.choices = [everything] + [(key, label) for key, label in stages]

    def chosen(self, name):
        """The chosen value of a valid filter (int for ids and years), or None for "All" or a value not offered."""
        field = self[name]
        offered = {value for value, _label in field.choices}
        value = field.data or ""
        if value == "" or value not in offered:
            return None
        return value if name == "stage" else int(value)
