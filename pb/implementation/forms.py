"""Staff's forms: the implementation record, and a public timeline update with an optional photo."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, FormField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from pb.forms import EuroField, strip, translated_data, translated_form
from pb.implementation.models import ImplementationStatus
from pb.implementation.services.records import check_values

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]  # the browser's date input first, then how people type a date


def _date_field(label):
    return DateField(
        label, validators=[Optional()], format=DATE_FORMATS,
    )


class RecordForm(FlaskForm):
    responsible_unit = StringField(_l("Responsible unit"), validators=[Optional(), Length(max=200)], filters=[strip])
    status = RadioField(
        _l("Status"),
        choices=[SelectChoice(value, label) for value, label in ImplementationStatus.choices()],
        validators=[InputRequired()],
    )
    cancel_reason = FormField(
        translated_form(max_length=2000, multiline=True, required=False),
        label=_l("Why the project was cancelled (public)"),
    )
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[
            InputRequired(message=_l("Write the progress as a whole number from 0 to 100.")),
            NumberRange(min=0, max=100, message=_l("The progress is a whole number from 0 to 100.")),
        ],
    )
    planned_cost = EuroField(
        _l("Planned cost (euros)"), validators=[InputRequired(message=_l("Write the planned cost."))]
    )
    actual_cost = EuroField(_l("Actual cost so far (euros)"), validators=[Optional()])
    planned_start = _date_field(_l("Planned start"))
    planned_end = _date_field(_l("Planned end"))
    actual_start = _date_field(_l("Actual start"))
    actual_end = _date_field(_l("Actual end"))

    # form field -> the service's value name (pb.implementation.services.records.EDITABLE)
    FIELD_OF_VALUE = {
        "responsible_unit": "responsible_unit",
        "status": "status",
        "cancel_reason": "cancel_reason",
        "progress": "progress",
        "planned_cost_cents": "planned_cost",
        "actual_cost_cents": "actual_cost",
        "planned_start": "planned_start",
        "planned_end": "planned_end",
        "actual_start": "actual_start",
        "actual_end": "actual_end",
    }

    @classmethod
    def of(cls, implementation):
        return cls(
            data={
                "responsible_unit": implementation.responsible_unit,
                "status": implementation.status.value,
                "cancel_reason": implementation.cancel_reason or {},
                "progress": implementation.progress,
                "planned_cost": implementation.planned_cost_cents,
                "actual_cost": implementation.actual_cost_cents,
                "planned_start": implementation.planned_start,
                "planned_end": implementation.planned_end,
                "actual_start": implementation.actual_start,
                "actual_end": implementation.actual_end,
            }
        )

    def values(self):
        """The service's values (``EDITABLE``) from the form's data."""
        return {
            "responsible_unit": self.responsible_unit.data,
            "status": ImplementationStatus(self.status.data),
            "cancel_reason": translated_data(self.cancel_reason),
            "progress": self.progress.data,
            "planned_cost_cents": self.planned_cost.data,
            "actual_cost_cents": self.actual_cost.data,
            "planned_start": self.planned_start.data,
            "planned_end": self.planned_end.data,
            "actual_start": self.actual_start.data,
            "actual_end": self.actual_end.data,
        }

    def validate(self, extra_validators=None):
        """The fields' own checks, then the record's rules (the service's, so both say the same) on
        whatever was typed well enough to read: every problem shows at once, next to its field."""
        valid = super().validate(extra_validators)
        if self.status.data not in {status.value for status in ImplementationStatus}:
            return False
        refusals = check_values(self.values())
        self.show_refusal({name: message for name, message in refusals.items() if not self._target(name).errors})
        return valid and not refusals

    def _target(self, name):
        field = getattr(self, self.FIELD_OF_VALUE[name])
        return field.fi if field.type == "FormField" else field

    def show_refusal(self, errors):
        """Put a service refusal ({value name: message}) next to the fields it is about."""
        for name, message in errors.items():
            target = self._target(name)
            target.errors = [*target.errors, message]


class UpdateForm(FlaskForm):
    text = FormField(translated_form(max_length=4000, multiline=True), label=_l("What has happened"))
    photo = FileField(_l("Photo"), validators=[Optional()])
    photo_alt = FormField(
        translated_form(max_length=300, required=False), label=_l("What the photo shows (for people who cannot see it)")
    )

    FIELD_OF_VALUE = {"text": "text", "photo": "photo", "photo_alt": "photo_alt"}

    def show_refusal(self, errors):
        for name, message in errors.items():
            field = getattr(self, self.FIELD_OF_VALUE[name])
            target = field.fi if field.type == "FormField" else field
            target.errors = [*target.errors, message]
