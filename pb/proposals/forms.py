"""Forms of the proposal steps, co-applicants, assisted submission, claiming and screening.

Rows (partners, costs, goals) are a fixed number of blank rows, so the form works without
JavaScript; rows left empty are ignored. Every step form carries the proposal's
``version`` and the step's values as they were shown, so saves merge by field (see
pb.proposals.services.save_step).
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from pb.forms import EuroField, MultiCheckboxField, lower, strip
from pb.orgs.models import OrganisationKind
from pb.orgs.validators import BusinessId
from pb.proposals.models import (
    BUDGET_ROWS,
    DESCRIPTION_MAX,
    GOAL_ROWS,
    PARTNER_ROWS,
    SUMMARY_MAX,
    TARGET_GROUPS_MAX,
    TITLE_MAX,
    CoApplicantRight,
    Eligibility,
    IneligibilityReason,
    PartnerKind,
)

EMAIL = Email(message=_l("Write an email address like name@example.fi."), test_environment=True)
# The first is what the browser's date input sends; the others are how people type dates in Finland.
DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
DATE_MESSAGE = _l("Write the date like 31.12.2026.")


def _max(length):
    return Length(max=length, message=_l("Write at most %(max)d characters."))


def _text(value):
    return (value or "").strip()


class VersionedForm(FlaskForm):
    version = HiddenField()
    # The step's values as this form showed them, so a save after someone else's can be merged by field.
    loaded = HiddenField()


class StartForm(FlaskForm):
    organisation_id = RadioField(
        _l("Who applies"), coerce=int, validators=[InputRequired(message=_l("Choose who applies."))]
    )
    title = StringField(
        _l("Name of the proposal"),
        filters=[strip],
        validators=[DataRequired(message=_l("Give the proposal a name.")), _max(TITLE_MAX)],
    )

    def __init__(self, organisations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [
            SelectChoice(organisation.id, f"{organisation.name} ({organisation.kind.label})")
            for organisation in organisations
        ]
        if len(organisations) == 1 and self.organisation_id.data is None:
            self.organisation_id.data = organisations[0].id


# --- step 1: basics --------------------------------------------------------------------------


class PartnerRowForm(Form):
    name = StringField(_l("Partner's name"), filters=[strip], validators=[_max(200)])
    kind = SelectField(
        _l("Kind of partner"),
        choices=[SelectChoice("", _l("Choose"))] + [SelectChoice(kind.value, kind.label) for kind in PartnerKind],
        default="",
    )
    role = StringField(_l("What the partner does"), filters=[strip], validators=[_max(300)])

    def is_blank(self):
        return not (self.name.data or self.role.data or self.kind.data)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.is_blank():
            return valid
        if not self.name.data:
            self.name.errors.append(_("Write the partner's name, or leave the whole row empty."))
            valid = False
        if not self.kind.data:
            self.kind.errors.append(_("Choose the kind of partner."))
            valid = False
        return valid


class BasicsForm(VersionedForm):
    title = StringField(
        _l("Name of the proposal"),
        filters=[strip],
        validators=[DataRequired(message=_l("Give the proposal a name.")), _max(TITLE_MAX)],
    )
    summary = TextAreaField(_l("Summary in plain language"), filters=[strip], validators=[_max(SUMMARY_MAX)])
    description = TextAreaField(_l("Description of the activity"), filters=[strip], validators=[_max(DESCRIPTION_MAX)])
    target_groups = TextAreaField(_l("Who the activity is for"), filters=[strip], validators=[_max(TARGET_GROUPS_MAX)])
    districts = MultiCheckboxField(_l("Districts where the activity takes place"), coerce=int)
    start_date = DateField(
        _l("Start date"), format=DATE_FORMATS, validators=[Optional()], invalid_value_message=DATE_MESSAGE
    )
    end_date = DateField(_l("End date"), format=DATE_FORMATS, validators=[Optional()], invalid_value_message=DATE_MESSAGE)
    partners = FieldList(FormField(PartnerRowForm), min_entries=PARTNER_ROWS, max_entries=PARTNER_ROWS)

    def __init__(self, districts, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.districts.choices = [SelectChoice(district.id, district.display_name) for district in districts]
        for number, row in enumerate(self.partners, start=1):
            row.form.name.label.text = _("Partner %(number)s: name", number=number)
            row.form.kind.label.text = _("Partner %(number)s: kind", number=number)
            row.form.role.label.text = _("Partner %(number)s: what they do", number=number)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        start, end = self.start_date.data, self.end_date.data
        if start is not None and end is not None and end < start:
            self.end_date.errors.append(_("The end date must be on or after the start date."))
            valid = False
        return valid

    @staticmethod
    def initial(proposal):
        partners = [dict(partner) for partner in proposal.partners]
        partners += [{"name": "", "kind": "", "role": ""}] * (PARTNER_ROWS - len(partners))
        return {
            "version": proposal.version_id,
            "title": proposal.title,
            "summary": proposal.summary,
            "description": proposal.description,
            "target_groups": proposal.target_groups,
            "districts": [district.id for district in proposal.districts],
            "start_date": proposal.start_date,
            "end_date": proposal.end_date,
            "partners": partners[:PARTNER_ROWS],
        }

    def step_data(self):
        return {
            "title": self.title.data,
            "summary": _text(self.summary.data),
            "description": _text(self.description.data),
            "target_groups": _text(self.target_groups.data),
            "district_ids": list(self.districts.data or []),
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "partners": [
                {"name": row.form.name.data, "kind": row.form.kind.data, "role": row.form.role.data or ""}
                for row in self.partners
                if not row.form.is_blank()
            ],
        }


# --- step 2: budget --------------------------------------------------------------------------


class BudgetRowForm(Form):
    item = StringField(_l("Cost"), filters=[strip], validators=[_max(200)])
    amount = EuroField(_l("Amount in euros"))

    def is_blank(self):
        return not self.item.data and self.amount.data is None and not (self.amount.raw_data or [""])[0].strip()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.is_blank() or not valid:
            return valid
        if not self.item.data:
            self.item.errors.append(_("Write what the money is for, or leave the whole row empty."))
            valid = False
        if self.amount.data is None:
            self.amount.errors.append(_("Write the amount in euros."))
            valid = False
        elif self.amount.data == 0:
            self.amount.errors.append(_("The amount must be more than zero."))
            valid = False
        return valid


class BudgetForm(VersionedForm):
    lines = FieldList(FormField(BudgetRowForm), min_entries=BUDGET_ROWS, max_entries=BUDGET_ROWS)
    cofunding = EuroField(_l("Own funding in euros"))
    cofunding_sources = TextAreaField(
        _l("Where the own funding comes from"), filters=[strip], validators=[_max(1000)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, row in enumerate(self.lines, start=1):
            row.form.item.label.text = _("Cost %(number)s: what it is", number=number)
            row.form.amount.label.text = _("Cost %(number)s: euros", number=number)

    @staticmethod
    def initial(proposal):
        lines = [{"item": line.item, "amount": line.amount_cents} for line in proposal.budget_lines]
        lines += [{"item": "", "amount": None}] * (BUDGET_ROWS - len(lines))
        return {
            "version": proposal.version_id,
            "lines": lines[:BUDGET_ROWS],
            "cofunding": proposal.cofunding_cents,
            "cofunding_sources": proposal.cofunding_sources,
        }

    def step_data(self):
        return {
            "lines": [(row.form.item.data, row.form.amount.data) for row in self.lines if not row.form.is_blank()],
            "cofunding_cents": self.cofunding.data or 0,
            "cofunding_sources": _text(self.cofunding_sources.data),
        }


# --- step 3: goals ---------------------------------------------------------------------------


class GoalRowForm(Form):
    change = TextAreaField(_l("What will change"), filters=[strip], validators=[_max(500)])
    measure = TextAreaField(_l("How it is measured"), filters=[strip], validators=[_max(500)])
    baseline = StringField(_l("The situation now"), filters=[strip], validators=[_max(200)])
    target = StringField(_l("Target"), filters=[strip], validators=[_max(200)])

    def is_blank(self):
        return not any((self.change.data, self.measure.data, self.baseline.data, self.target.data))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.is_blank():
            return valid
        if not self.change.data:
            self.change.errors.append(_("Write what will change, or leave the whole goal empty."))
            valid = False
        if not self.measure.data:
            self.measure.errors.append(_("Write how you will know it changed."))
            valid = False
        return valid


class GoalsForm(VersionedForm):
    goals = FieldList(FormField(GoalRowForm), min_entries=GOAL_ROWS, max_entries=GOAL_ROWS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, row in enumerate(self.goals, start=1):
            row.form.change.label.text = _("Goal %(number)s: what will change", number=number)
            row.form.measure.label.text = _("Goal %(number)s: how it is measured", number=number)
            row.form.baseline.label.text = _("Goal %(number)s: the situation now", number=number)
            row.form.target.label.text = _("Goal %(number)s: target", number=number)

    @staticmethod
    def initial(proposal):
        goals = [
            {"change": goal.change, "measure": goal.measure, "baseline": goal.baseline, "target": goal.target}
            for goal in proposal.goals
        ]
        goals += [{"change": "", "measure": "", "baseline": "", "target": ""}] * (GOAL_ROWS - len(goals))
        return {"version": proposal.version_id, "goals": goals[:GOAL_ROWS]}

    def step_data(self):
        return {
            "goals": [
                {"change": row.form.change.data, "measure": row.form.measure.data,
                 "baseline": row.form.baseline.data or "", "target": row.form.target.data or ""}
                for row in self.goals
                if not row.form.is_blank()
            ]
        }


STEP_FORMS = {"basics": BasicsForm, "budget": BudgetForm, "goals": GoalsForm}


# --- step 4 and 5 ----------------------------------------------------------------------------


class AttachmentForm(FlaskForm):
    file = FileField(_l("File to add"))


class SubmitForm(VersionedForm):
    """Send the proposal: the version is the one the preview showed."""


# --- co-applicants, assisted submission, claiming, screening -----------------------------------


class CoApplicantForm(FlaskForm):
    email = EmailField(
        _l("Email address of the person"),
        filters=[strip, lower],
        validators=[DataRequired(message=_l("Write the email address.")), EMAIL, Length(max=254)],
    )
    partner_name = StringField(_l("Partner organisation they are from"), filters=[strip], validators=[_max(200)])
    right = RadioField(
        _l("What they can do"),
        choices=[SelectChoice(right.value, right.label) for right in CoApplicantRight],
        default=CoApplicantRight.VIEW.value,
        validators=[InputRequired(message=_l("Choose what they can do."))],
    )


class AssistedForm(FlaskForm):
    applicant_name = StringField(
        _l("Name of the group"),
        filters=[strip],
        validators=[DataRequired(message=_l("Write the name of the group.")), _max(200)],
    )
    applicant_email = EmailField(
        _l("Contact email"), filters=[strip, lower], validators=[Optional(), EMAIL, Length(max=254)]
    )
    applicant_phone = StringField(_l("Contact phone"), filters=[strip], validators=[_max(40)])
    organisation_id = SelectField(_l("The group is registered here as"), coerce=lambda v: int(v) if v else None)
    applicant_kind = SelectField(
        _l("Kind of group, if it is not registered here"),
        choices=[SelectChoice("", _l("Choose"))] + [SelectChoice(kind.value, kind.label) for kind in OrganisationKind],
        default="",
    )
    title = StringField(
        _l("Name of the proposal"),
        filters=[strip],
        validators=[DataRequired(message=_l("Give the proposal a name.")), _max(TITLE_MAX)],
    )

    def __init__(self, organisations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [SelectChoice("", _("Not registered here yet"))] + [
            SelectChoice(organisation.id, f"{organisation.name} ({organisation.kind.label})")
            for organisation in organisations
        ]


    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.organisation_id.data is None and not self.applicant_kind.data:
            self.applicant_kind.errors.append(_("Choose the kind of group, or the registered organisation above."))
            valid = False
        return valid


NEW_GROUP = 0  # the claim form's choice "register the group as staff wrote it down"


class ClaimForm(FlaskForm):
    code = StringField(
        _l("Claim code"),
        filters=[strip],
        validators=[DataRequired(message=_l("Write the code you got from the staff.")), Length(max=40)],
    )
    organisation_id = RadioField(
        _l("Your group or association"), coerce=int,
        validators=[InputRequired(message=_l("Choose your group or association."))],
    )
    business_id = StringField(
        _l("Business ID (Y-tunnus), if the group is a registered association"),
        filters=[strip],
        validators=[Optional(), BusinessId()],
    )

    def __init__(self, organisations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_id.choices = [
            SelectChoice(organisation.id, f"{organisation.name} ({organisation.kind.label})")
            for organisation in organisations
        ] + [SelectChoice(NEW_GROUP, _("A group not registered here yet: register it as staff wrote it down"))]
        if self.organisation_id.data is None:
            self.organisation_id.data = organisations[0].id if len(organisations) == 1 else (
                NEW_GROUP if not organisations else None
            )


class ScreeningForm(FlaskForm):
    eligibility = RadioField(
        _l("Result of the check"),
        choices=[SelectChoice(value.value, value.label) for value in Eligibility],
        validators=[InputRequired(message=_l("Choose the result."))],
    )
    reason = SelectField(
        _l("Reason, if not eligible"),
        choices=[SelectChoice("", _l("Choose"))] + [SelectChoice(reason.value, reason.label)
                                                     for reason in IneligibilityReason],
        default="",
    )
    note = TextAreaField(_l("Explanation for the applicant"), filters=[strip], validators=[_max(2000)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.eligibility.data == Eligibility.NOT_ELIGIBLE.value:
            if not self.reason.data:
                self.reason.errors.append(_("Choose the reason why the proposal is not eligible."))
                valid = False
            elif self.reason.data == IneligibilityReason.OTHER.value and not self.note.data:
                self.note.errors.append(_("Explain the other reason."))
                valid = False
        return valid
