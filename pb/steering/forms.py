"""Steering group forms: the group's texts and its members."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, FormField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from pb.forms import lower, strip, translated_form
from pb.steering.models import SteeringRole

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in SteeringRole]


class SteeringGroupForm(FlaskForm):
    name = FormField(translated_form(max_length=200), label=_l("Name of the group"))
    description = FormField(
        translated_form(max_length=2000, multiline=True, required=False), label=_l("What the group does")
    )


class AddMemberForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person"),
        filters=[strip, lower],
        validators=[
            DataRequired(message=_l("Write an email address.")),
            Email(message=_l("Write an email address like name@example.fi."), test_environment=True),
            Length(max=254),
        ],
    )
    role = SelectField(_l("Role in the group"), choices=ROLE_CHOICES, default=SteeringRole.MEMBER.value)


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Role in the group"), choices=ROLE_CHOICES)
