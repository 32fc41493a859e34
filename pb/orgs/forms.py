"""Forms for organisation profiles, members and invitations."""

from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from pb.extensions import db
from pb.forms import lower, strip
from pb.orgs.models import KINDS_WITH_BUSINESS_ID, MemberRole, OrganisationKind
from pb.orgs.validators import BusinessId

CONTACT_ROWS = 3


def with_scheme(value):
    """``www.example.fi`` is what people type; store it as ``https://www.example.fi``."""
    if isinstance(value, str) and value and "://" not in value:
        return "https://" + value
    return value


def optional_int(value):
    return int(value) if value not in (None, "") else None


def web_address(form, field):
    """Only http(s) addresses with a host: a ``javascript:`` link must never reach an ``href``."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in field.data:
        raise ValidationError(_l("Write a web address, for example www.example.fi."))


def district_choices(empty_label):
    from pb.districts.models import District

    districts = db.session.execute(db.select(District)).scalars().all()
    return [SelectChoice("", empty_label)] + [
        SelectChoice(district.id, district.display_name)
        for district in sorted(districts, key=lambda d: d.display_name.lower())
    ]


# test_environment: addresses of demo and staff-made accounts use the reserved ".test" domain.
EMAIL = Email(message=_l("Write an email address like name@example.fi."), test_environment=True)
PHONE = Regexp(
    r"^\+?[0-9][0-9 ()-]{4,39}$",
    message=_l("Write a phone number with digits, for example 040 123 4567 or +358 40 123 4567."),
)


class ContactPersonForm(Form):
    """One named contact of a resident group. A row left fully empty is ignored."""

    name = StringField(_l("Name"), filters=[strip], validators=[Length(max=120)])
    email = EmailField(
        _l("Email"), filters=[strip], validators=[Optional(), EMAIL, Length(max=254)]
    )
    phone = StringField(_l("Phone"), filters=[strip], validators=[Optional(), Length(max=40), PHONE])

    @property
    def is_empty(self):
        return not (self.name.data or self.email.data or self.phone.data)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.is_empty:
            return valid
        if not self.name.data:
            self.name.errors.append(_("Write the contact person's name."))
            valid = False
        if not (self.email.data or self.phone.data):
            self.email.errors.append(_("Give an email address or a phone number for this person."))
            valid = False
        return valid


class ContactRows(FieldList):
    """Always ``min_entries`` rows, the missing ones empty.

    WTForms pads by reading the posted data again under renumbered names, so a post
    with rows 0 and 2 would come back with row 2 twice; here padding rows are blank.
    """

    def process(self, formdata, data=unset_value, extra_filters=None):
        wanted, self.min_entries = self.min_entries, 0
        try:
            super().process(formdata, data, extra_filters)
        finally:
            self.min_entries = wanted
        while len(self.entries) < wanted:
            self._add_entry()


class OrganisationForm(FlaskForm):
    """Profile of one kind of organisation; fields that do not apply to the kind are removed."""

    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(message=_l("Write the name.")), Length(max=200)]
    )
    business_id = StringField(
        _l("Business ID (Y-tunnus)"),
        filters=[strip],
        validators=[DataRequired(message=_l("Write the business ID (Y-tunnus).")), BusinessId()],
    )
    email = EmailField(
        _l("Email"), filters=[strip], validators=[Optional(), EMAIL, Length(max=254)]
    )
    phone = StringField(_l("Phone"), filters=[strip], validators=[Optional(), Length(max=40), PHONE])
    address = StringField(_l("Postal address"), filters=[strip], validators=[Length(max=300)])
    website = StringField(_l("Website"), filters=[strip, with_scheme], validators=[Length(max=300), web_address])
    district_id = SelectField(_l("District"), coerce=optional_int)
    contacts = ContactRows(FormField(ContactPersonForm), min_entries=CONTACT_ROWS, max_entries=CONTACT_ROWS)
    description = TextAreaField(_l("What the organisation does"), filters=[strip], validators=[Length(max=5000)])

    def __init__(self, kind, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind not in KINDS_WITH_BUSINESS_ID:
            del self.business_id
        if kind is not OrganisationKind.RESIDENT_GROUP:
            del self.contacts
        self.district_id.choices = district_choices(
            _("Choose a district") if self.district_required else _("No district")
        )

    @property
    def district_required(self):
        return self.kind is OrganisationKind.RESIDENT_GROUP

    def validate_district_id(self, field):
        if self.district_required and field.data is None:
            raise ValidationError(_l("Choose the district where the group is active."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.kind in KINDS_WITH_BUSINESS_ID and not (self.email.data or self.phone.data):
            self.email.errors.append(_("Give an email address or a phone number so that staff can reach you."))
            valid = False
        if self.kind is OrganisationKind.RESIDENT_GROUP and all(entry.form.is_empty for entry in self.contacts):
            self.contacts[0].form.name.errors.append(
                _("Give at least one contact person with a name and an email address or phone number.")
            )
            valid = False
        return valid

    def profile_data(self):
        names = ("name", "email", "phone", "address", "website", "district_id", "description")
        data = {name: self[name].data or None for name in names}
        data["business_id"] = self.business_id.data if "business_id" in self else None
        return data

    def contact_rows(self):
        if "contacts" not in self:
            return []
        return [
            {
                "name": entry.form.name.data,
                "email": entry.form.email.data or None,
                "phone": entry.form.phone.data or None,
            }
            for entry in self.contacts
            if not entry.form.is_empty
        ]


class OrganisationSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name contains"), filters=[strip], validators=[Optional(), Length(max=200)])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice("", _l("All kinds"))]
        + [SelectChoice(kind.value, kind.label) for kind in OrganisationKind],
        validators=[Optional()],
    )
    district = SelectField(_l("District"), coerce=optional_int, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district.choices = district_choices(_("All districts"))


ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in (MemberRole.MEMBER, MemberRole.REPRESENTATIVE)]


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person you invite"),
        filters=[strip, lower],
        validators=[DataRequired(message=_l("Write an email address.")), EMAIL, Length(max=254)],
    )
    role = RadioField(_l("Role"), choices=ROLE_CHOICES, default=MemberRole.MEMBER.value)


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
