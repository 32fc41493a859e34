"""Forms for funding calls, their criteria and comments, and the euro and date-time fields they use.

Money is typed in euros the way people write it ("1 500,50", "1500.50", "1 500 €") and
kept as integer cents. Date-times are typed and shown in Finnish time (Europe/Helsinki)
and stored in UTC. Proposals reuse :class:`EuroField` and :func:`parse_euros`.
"""

import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, FormField, IntegerField, SelectField, SelectMultipleField
from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pb.extensions import db
from pb.forms import translated_data, translated_form
from pb.i18n import current_language
from pb.orgs.models import OrganisationKind

HELSINKI = ZoneInfo("Europe/Helsinki")
# 10 million euros: far above any grant, and a typo of extra zeros is caught.
MAX_AMOUNT_CENTS = 10_000_000 * 100
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_AMOUNT = re.compile(r"^(\d{1,3}(?: \d{3})+|\d+)(?:[.,](\d{1,2}))?$")
COMMENT_MAX_LENGTH = 2000


def parse_euros(text):
    """``"1 500,50"`` -> ``150050`` (cents). Raises ValueError with a translated message.

    Spaces group thousands; a comma or a point starts at most two decimals. "1,500" is
    refused rather than guessed (1.5 or 1500?), so a typo never becomes a silent error.
    """
    cleaned = _SPACES.sub(" ", text).strip()
    cleaned = cleaned.removesuffix("€").removesuffix("EUR").removeprefix("€").strip()
    if cleaned.startswith(("-", "\u2212")):
        raise ValueError(_("The amount cannot be negative."))
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise ValueError(_("Write the amount in euros with digits, for example 1500 or 1 500,50."))
    cents = int(match.group(1).replace(" ", "")) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if cents > MAX_AMOUNT_CENTS:
        raise ValueError(_("The amount is too large. Check the number of zeros."))
    return cents


def format_euros(cents):
    """Cents as the form shows them back: ``150050`` -> ``1500,50`` (``1500.50`` in English)."""
    euros, rest = divmod(cents, 100)
    if not rest:
        return str(euros)
    separator = "." if current_language() == "en" else ","
    return f"{euros}{separator}{rest:02d}"


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


def _district_choices():
    from pb.districts.models import District

    districts = db.session.execute(db.select(District)).scalars().all()
    return [SelectChoice(d.id, d.display_name) for d in sorted(districts, key=lambda d: d.display_name.lower())]


def _steering_group_choices():
    from pb.i18n import localized
    from pb.steering.models import SteeringGroup

    groups = db.session.execute(db.select(SteeringGroup)).scalars().all()
    groups = sorted(groups, key=lambda group: localized(group.name).lower())
    return [SelectChoice("", _("Not chosen yet"))] + [SelectChoice(group.id, localized(group.name)) for group in groups]


def optional_int(value):
    return int(value) if value not in (None, "") else None


class CallForm(FlaskForm):
    title = FormField(translated_form(max_length=200), label=_l("Name of the call"))
    description = FormField(translated_form(max_length=10000, multiline=True), label=_l("What the call is for"))
    themes = FormField(translated_form(max_length=1000, multiline=True), label=_l("What we fund"))
    total_budget = EuroField(
        _l("Total budget of the call, in euros"),
        validators=[InputRequired(message=_l("Write the total budget."))],
    )
    min_grant = EuroField(
        _l("Smallest grant, in euros"), validators=[InputRequired(message=_l("Write the smallest grant."))]
    )
    max_grant = EuroField(
        _l("Largest grant, in euros"), validators=[InputRequired(message=_l("Write the largest grant."))]
    )
    eligible_kinds = MultiCheckboxField(
        _l("Who can apply"),
        choices=[SelectChoice(kind.value, kind.label) for kind in OrganisationKind],
        validators=[DataRequired(message=_l("Choose at least one kind of applicant."))],
    )
    cofunding_percent = IntegerField(
        _l("Own funding required, in percent"),
        default=0,
        validators=[
            InputRequired(message=_l("Write a whole number from 0 to 100.")),
            NumberRange(min=0, max=100, message=_l("Write a whole number from 0 to 100.")),
        ],
    )
    whole_municipality = BooleanField(_l("The whole municipality"), default=True)
    districts = MultiCheckboxField(_l("Districts"), coerce=int)
    opens_at = helsinki_datetime_field(_l("Opens (Finnish time)"))
    closes_at = helsinki_datetime_field(_l("Closes (Finnish time)"))
    steering_group_id = SelectField(_l("Steering group that reviews the proposals"), coerce=optional_int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.districts.choices = _district_choices()
        self.steering_group_id.choices = _steering_group_choices()

    @classmethod
    def for_call(cls, call):
        """The form filled in with a call's current values (a POST still wins over them)."""
        return cls(
            data={
                "title": translated_namespace(call.title),
                "description": translated_namespace(call.description),
                "themes": translated_namespace(call.themes),
                "total_budget": call.total_budget_cents,
                "min_grant": call.min_grant_cents,
                "max_grant": call.max_grant_cents,
                "eligible_kinds": list(call.eligible_kinds),
                "cofunding_percent": call.cofunding_percent,
                "whole_municipality": call.whole_municipality,
                "districts": [district.id for district in call.districts],
                "opens_at": call.opens_at,
                "closes_at": call.closes_at,
                "steering_group_id": call.steering_group_id,
            }
        )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        total, smallest, largest = self.total_budget.data, self.min_grant.data, self.max_grant.data
        if None not in (smallest, largest) and smallest > largest:
            self.min_grant.errors.append(_("The smallest grant cannot be larger than the largest grant."))
            valid = False
        if None not in (largest, total) and largest > total:
            self.max_grant.errors.append(_("The largest grant cannot be larger than the total budget."))
            valid = False
        if not self.whole_municipality.data and not self.districts.data:
            self.districts.errors.append(_("Choose at least one district, or the whole municipality."))
            valid = False
        opens, closes = self.opens_at.data, self.closes_at.data
        if opens is not None and closes is not None and closes <= opens:
            self.closes_at.errors.append(_("The closing time must be after the opening time."))
            valid = False
        return valid

    def call_data(self):
        """The values the services take, with dates in UTC-comparable aware datetimes."""
        return {
            "title": translated_data(self.title),
            "description": translated_data(self.description),
            "themes": translated_data(self.themes),
            "total_budget_cents": self.total_budget.data,
            "min_grant_cents": self.min_grant.data,
            "max_grant_cents": self.max_grant.data,
            "eligible_kinds": [kind.value for kind in OrganisationKind if kind.value in self.eligible_kinds.data],
            "cofunding_percent": self.cofunding_percent.data,
            "whole_municipality": self.whole_municipality.data,
            # The whole municipality covers every district, so a choice of districts would only contradict it.
            "district_ids": [] if self.whole_municipality.data else sorted(self.districts.data),
            "opens_at": self.opens_at.data,
            "closes_at": self.closes_at.data,
            "steering_group_id": self.steering_group_id.data,
        }


class CriterionForm(FlaskForm):
    name = FormField(translated_form(max_length=200), label=_l("Name of the criterion"))
    guidance = FormField(
        translated_form(max_length=2000, multiline=True, required=False),
        label=_l("Guidance for applicants and reviewers"),
    )
    weight = IntegerField(
        _l("Weight"),
        default=1,
        validators=[
            InputRequired(message=_l("Write a whole number from 1 to 100.")),
            NumberRange(min=1, max=100, message=_l("Write a whole number from 1 to 100.")),
        ],
    )
    scale_max = IntegerField(
        _l("Highest score"),
        default=5,
        validators=[
            InputRequired(message=_l("Write a whole number from 2 to 10.")),
            NumberRange(min=2, max=10, message=_l("Write a whole number from 2 to 10.")),
        ],
    )

    @classmethod
    def for_criterion(cls, criterion):
        return cls(
            data={
                "name": translated_namespace(criterion.name),
                "guidance": translated_namespace(criterion.guidance),
                "weight": criterion.weight,
                "scale_max": criterion.scale_max,
            }
        )

    def criterion_data(self):
        return {
            "name": translated_data(self.name),
            "guidance": translated_data(self.guidance),
            "weight": self.weight.data,
            "scale_max": self.scale_max.data,
        }


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment or question"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Write your comment.")),
            Length(max=COMMENT_MAX_LENGTH, message=_l("Write at most 2000 characters.")),
        ],
    )


class AnswerForm(FlaskForm):
    body = TextAreaField(
        _l("Answer"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Write the answer.")),
            Length(max=COMMENT_MAX_LENGTH, message=_l("Write at most 2000 characters.")),
        ],
    )
