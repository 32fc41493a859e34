"""Forms of the staff pages (GET forms: no CSRF token, so the URL can be shared)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from pb.forms import lower, strip


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name or email contains"), filters=[strip], validators=[Optional(), Length(max=254)])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action starts with"), filters=[strip], validators=[Optional(), Length(max=80)])
    actor = StringField(
        _l("Email of the person who acted"), filters=[strip, lower], validators=[Optional(), Length(max=254)]
    )
    subject_type = SelectField(_l("Type of the changed item"), validators=[Optional()])
    subject_id = StringField(_l("Number of the changed item"), filters=[strip], validators=[Optional(), Length(max=60)])
    date_from = DateField(_l("From date"), validators=[Optional()])
    date_to = DateField(_l("To date"), validators=[Optional()])

    def __init__(self, subject_types, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject_type.choices = [SelectChoice("", _l("All types"))] + [SelectChoice(name) for name in subject_types]

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must be the same as or after the start date."))
