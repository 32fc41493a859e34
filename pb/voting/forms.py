"""Forms of PB rounds: round set-up, budgets, projects, ideas, eligibility, codes, assisted and paper voting.

Ballot choices are not WTForms fields: the projects and their order differ per budget
and voter, so the ballot form carries only the CSRF token and the ballot version, and
``pb.voting.services.parse_choices`` reads the ticked projects or points.
"""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from pb.extensions import db
from pb.forms import (
    EuroField,
    helsinki_datetime_field,
    optional_int,
    strip,
    translated_data,
    translated_form,
    translated_namespace,
)
from pb.rules import RULES
from pb.voting.models import BallotFormat, EligibilityMode, IdentityPolicy
from pb.voting.rule_texts import rule_description, rule_name

PHASE_DATE_FIELDS = (
    ("ideas_start", _l("Collecting ideas starts")),
    ("co_development_start", _l("Developing ideas together starts")),
    ("cost_estimation_start", _l("Estimating costs starts")),
    ("voting_start", _l("Voting starts")),
    ("results_start", _l("Results are published")),
    ("implementation_start", _l("Carrying out the projects starts")),
)


def district_choices(empty_label=None, districts=None):
    """Every district, by name in the reader's language; ``districts``: already loaded ones to use."""
    from pb.districts.models import District

    if districts is None:
        districts = db.session.execute(db.select(District)).scalars().all()
    choices = [SelectChoice(d.id, d.display_name) for d in sorted(districts, key=lambda d: d.display_name.lower())]
    return ([SelectChoice("", empty_label)] if empty_label else []) + choices


def _date_field(label):
    return DateField(label, validators=[Optional()], invalid_value_message=_l("Write the date like 2026-03-31."))


class RoundForm(FlaskForm):
    name = FormField(translated_form(max_length=200), label=_l("Name of the round"))
    description = FormField(
        translated_form(max_length=10000, multiline=True, required=False), label=_l("What the round is about")
    )
    ideas_start = _date_field(PHASE_DATE_FIELDS[0][1])
    co_development_start = _date_field(PHASE_DATE_FIELDS[1][1])
    cost_estimation_start = _date_field(PHASE_DATE_FIELDS[2][1])
    voting_start = _date_field(PHASE_DATE_FIELDS[3][1])
    results_start = _date_field(PHASE_DATE_FIELDS[4][1])
    implementation_start = _date_field(PHASE_DATE_FIELDS[5][1])
    voting_closes_at = helsinki_datetime_field(_l("Voting closes (Finnish time)"))
    paper_entry_until = helsinki_datetime_field(_l("Paper ballots can be entered until (Finnish time)"))
    ballot_format = RadioField(
        _l("Ballot"),
        choices=[SelectChoice(fmt.value, fmt.label) for fmt in BallotFormat],
        default=BallotFormat.APPROVAL.value,
        validators=[InputRequired(message=_l("Choose the kind of ballot."))],
    )
    max_choices = IntegerField(
        _l("How many projects a voter may choose"),
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("Write a whole number from 1 to 100."))],
    )
    points = IntegerField(
        _l("How many points each voter shares"),
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Write a whole number from 1 to 1000."))],
    )
    rule = SelectField(_l("Counting rule"), default="greedy")
    rule_threshold = IntegerField(
        _l("Minimum score (only for the minimum score rule)"),
        validators=[Optional(), NumberRange(min=1, message=_l("Write a whole number, 1 or more."))],
    )
    min_age = IntegerField(
        _l("Minimum age: voters turn this age this year or are older"),
        default=12,
        validators=[
            InputRequired(message=_l("Write the minimum age.")),
            NumberRange(min=0, max=120, message=_l("Write a whole number from 0 to 120.")),
        ],
    )
    eligibility = RadioField(
        _l("Where residents may vote"),
        choices=[SelectChoice(mode.value, mode.label) for mode in EligibilityMode],
        default=EligibilityMode.OWN_DISTRICT.value,
        validators=[InputRequired(message=_l("Choose where residents may vote."))],
    )
    identity_policy = RadioField(
        _l("Whose ballots count"),
        choices=[SelectChoice(policy.value, policy.label) for policy in IdentityPolicy],
        default=IdentityPolicy.VERIFIED.value,
        validators=[InputRequired(message=_l("Choose whose ballots count."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Plain names in the staff's language; what each rule does is listed under the field.
        self.rule.choices = [SelectChoice(name, rule_name(name)) for name in RULES]
        self.rule_explanations = [(rule_name(name), rule_description(name)) for name in RULES]

    @classmethod
    def for_round(cls, budget_round):
        data = {name: getattr(budget_round, name) for name, _label in PHASE_DATE_FIELDS}
        data.update(
            name=translated_namespace(budget_round.name),
            description=translated_namespace(budget_round.description),
            voting_closes_at=budget_round.voting_closes_at,
            paper_entry_until=budget_round.paper_entry_until,
            ballot_format=budget_round.ballot_format.value,
            max_choices=budget_round.max_choices,
            points=budget_round.points,
            rule=budget_round.rule,
            rule_threshold=budget_round.rule_threshold,
            min_age=budget_round.min_age,
            eligibility=budget_round.eligibility.value,
            identity_policy=budget_round.identity_policy.value,
        )
        return cls(data=data)

    def round_data(self):
        values = {name: getattr(self, name).data for name, _label in PHASE_DATE_FIELDS}
        fmt = BallotFormat(self.ballot_format.data)
        values.update(
            name=translated_data(self.name),
            description=translated_data(self.description),
            voting_closes_at=self.voting_closes_at.data,
            paper_entry_until=self.paper_entry_until.data,
            ballot_format=fmt,
            # A limit of another format means nothing: stored empty so it cannot confuse the tally.
            max_choices=self.max_choices.data if fmt is BallotFormat.APPROVAL else None,
            points=self.points.data if fmt is BallotFormat.CUMULATIVE else None,
            rule=self.rule.data,
            rule_threshold=self.rule_threshold.data,
            min_age=self.min_age.data,
            eligibility=EligibilityMode(self.eligibility.data),
            identity_policy=IdentityPolicy(self.identity_policy.data),
        )
        return values


class CloseVotingForm(FlaskForm):
    """Closing voting: a public reason when it is early, a reason when paper ballots wait for an entry."""

    reason = TextAreaField(_l("Why voting closes early (shown to everyone)"), filters=[strip],
                           validators=[Length(max=2000)])
    paper_reason = TextAreaField(_l("Why voting closes while paper ballots wait (kept in the audit log)"),
                                 filters=[strip], validators=[Length(max=2000)])

    def __init__(self, *args, early=False, paper_pending=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.early, self.paper_pending = early, paper_pending

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.early and not self.reason.data:
            self.reason.errors.append(_("Write why voting closes before the announced time."))
            valid = False
        if self.paper_pending and not self.paper_reason.data:
            self.paper_reason.errors.append(_("Write why voting closes while paper ballots wait, or finish the entries first."))
            valid = False
        return valid


class ReopenVotingForm(FlaskForm):
    closes_at = helsinki_datetime_field(_l("Voting closes again (Finnish time)"))
    reason = TextAreaField(_l("Why voting opens again (shown to everyone)"), filters=[strip],
                           validators=[DataRequired(message=_l("Write why voting opens again.")), Length(max=2000)])

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.closes_at.data is None and not self.closes_at.errors:
            # The field is Optional (a date-time field's own check); here it is needed.
            self.closes_at.errors.append(_("Give the new closing time."))
            valid = False
        return valid


def budget_form(districts, budget_round):
    """One euro field per district plus a city-wide one, filled with the round's budgets."""

    class BudgetForm(FlaskForm):
        pass

    def amount_field(label):
        return EuroField(label, description=_l("Leave empty for no budget."))

    BudgetForm.citywide = amount_field(_l("City-wide budget, in euros"))
    for district in districts:
        setattr(BudgetForm, f"district_{district.id}", amount_field(district.display_name))
    data = {"citywide": getattr(budget_round.citywide_budget, "amount_cents", None)}
    for district in districts:
        data[f"district_{district.id}"] = getattr(budget_round.budget_for(district.id), "amount_cents", None)
    return BudgetForm(data=data)


class ProjectForm(FlaskForm):
    round_budget_id = SelectField(_l("Budget"), coerce=int, validators=[InputRequired(message=_l("Choose a budget."))])
    title = FormField(translated_form(max_length=200), label=_l("Name of the project"))
    description = FormField(
        translated_form(max_length=5000, multiline=True, required=False), label=_l("What the project does")
    )
    cost = EuroField(_l("Cost, in euros"), validators=[InputRequired(message=_l("Write the cost."))])

    def __init__(self, budgets, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.round_budget_id.choices = [SelectChoice(budget.id, budget.display_name) for budget in budgets]

    def validate_cost(self, field):
        if field.data is not None and field.data <= 0:
            raise ValueError(_("The cost must be more than zero."))

    @classmethod
    def for_project(cls, budgets, project):
        return cls(
            budgets,
            data={
                "round_budget_id": project.round_budget_id,
                "title": translated_namespace(project.title),
                "description": translated_namespace(project.description),
                "cost": project.cost_cents,
            },
        )

    def project_data(self):
        return translated_data(self.title), translated_data(self.description), self.cost.data


class IdeaForm(FlaskForm):
    title = StringField(
        _l("Name of your idea"), filters=[strip],
        validators=[DataRequired(message=_l("Give your idea a short name.")), Length(max=200)],
    )
    text = TextAreaField(
        _l("Describe your idea"), filters=[strip],
        validators=[DataRequired(message=_l("Describe your idea.")), Length(max=5000)],
    )
    district_id = SelectField(_l("Area"), coerce=optional_int)
    location = StringField(_l("Where exactly (optional)"), filters=[strip], validators=[Optional(), Length(max=300)])
    image = FileField(_l("A picture (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_id.choices = district_choices(_("The whole city"))


class AssessForm(FlaskForm):
    feasible = RadioField(
        _l("Can the idea be carried out?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired(message=_l("Choose yes or no."))],
    )
    reason = TextAreaField(
        _l("Reason, shown to everyone"), filters=[strip],
        validators=[DataRequired(message=_l("Write the reason.")), Length(max=3000)],
    )
    cost_estimate = EuroField(_l("Cost estimate, in euros"), validators=[Optional()])


class MergeForm(FlaskForm):
    into_id = SelectField(_l("Combine with this idea"), coerce=int, validators=[InputRequired()])


class PublishForm(ProjectForm):
    """Put an idea on the ballot: the project form filled with the idea's text and cost estimate."""


def _not_in_future(form, field):
    if field.data is not None and field.data > date.today().year:
        raise ValueError(_("The year of birth cannot be in the future."))


class EligibilityForm(FlaskForm):
    birth_year = IntegerField(
        _l("Year of birth"),
        validators=[
            InputRequired(message=_l("Write your year of birth, for example 1990.")),
            NumberRange(min=1900, max=2100, message=_l("Write your year of birth, for example 1990.")),
        ],
    )
    district_id = SelectField(
        _l("Your home district"), coerce=optional_int, validators=[DataRequired(message=_l("Choose your home district."))]
    )
    validate_birth_year = _not_in_future
    confirm = BooleanField(
        _l("I live in this district, and what I wrote is true."),
        validators=[DataRequired(message=_l("Confirm that the details are true."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_id.choices = district_choices(_("Choose a district"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Voting code"), filters=[strip], validators=[DataRequired(message=_l("Write your voting code."))]
    )
    district_id = SelectField(_l("Your home district"), coerce=optional_int, validators=[Optional()])

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_id.choices = district_choices(_("The district printed with my code"), districts)


class ReceiptForm(FlaskForm):
    receipt = StringField(
        _l("Receipt code"), filters=[strip], validators=[DataRequired(message=_l("Write the receipt code."))]
    )


class BallotForm(FlaskForm):
    # The version of the voter's ballot when the page was shown; empty for a first ballot.
    version = HiddenField()

    def expected_version(self):
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class CodeBatchForm(FlaskForm):
    label = StringField(
        _l("Name of the batch (for example: letters to the East district)"), filters=[strip],
        validators=[DataRequired(message=_l("Give the batch a name.")), Length(max=100)],
    )
    size = IntegerField(
        _l("How many codes"),
        validators=[
            InputRequired(message=_l("Write how many codes to make.")),
            NumberRange(min=1, max=5000, message=_l("Write a whole number from 1 to 5000.")),
        ],
    )
    district_id = SelectField(_l("District of the codes"), coerce=optional_int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_id.choices = district_choices(_("Any district (pop-up point: the voter says where they live)"))


class AssistedForm(FlaskForm):
    location = StringField(
        _l("Where you are helping (for example: Itäkeskus library)"), filters=[strip],
        validators=[DataRequired(message=_l("Write where you are.")), Length(max=200)],
    )
    personal_code = StringField(
        _l("Personal identity code from the identity document"),
        filters=[strip], validators=[Optional(), Length(max=20)],
    )
    identified_by = RadioField(
        _l("What else did the resident bring?"),
        choices=[
            SelectChoice("document", _l("Only the identity document")),
            SelectChoice("code", _l("A voting code or a code letter")),
            SelectChoice("account", _l("The email address of their account")),
        ],
        default="document",
        validators=[InputRequired(message=_l("Choose how the resident is identified."))],
    )
    email = StringField(_l("Email address of the resident's account"), filters=[strip], validators=[Optional(), Length(max=254)])
    code = StringField(_l("Voting code"), filters=[strip], validators=[Optional()])
    birth_year = IntegerField(
        _l("Resident's year of birth (only if they have no Finnish personal identity code)"),
        validators=[
            Optional(),
            NumberRange(min=1900, max=2100, message=_l("Write the year of birth, for example 1990.")),
        ],
    )
    district_id = SelectField(
        _l("Resident's home district"), coerce=optional_int, validators=[DataRequired(message=_l("Choose the district."))]
    )
    validate_birth_year = _not_in_future
    age_checked = BooleanField(_l("I checked the age from an identity document."))
    residence_checked = BooleanField(_l("I checked that the resident lives in this district."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_id.choices = district_choices(_("Choose a district"))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.identified_by.data == "account" and not self.email.data:
            self.email.errors.append(_("Write the email address of the account."))
            valid = False
        if self.identified_by.data == "code" and not self.code.data:
            self.code.errors.append(_("Write the voting code."))
            valid = False
        if not self.personal_code.data and self.birth_year.data is None:
            self.personal_code.errors.append(
                _("Write the personal identity code. If the resident has none, write their year of birth.")
            )
            valid = False
        return valid


class PaperForm(FlaskForm):
    batch = StringField(
        _l("Batch (written on the envelope or box)"), filters=[strip],
        validators=[DataRequired(message=_l("Write the batch.")), Length(max=40)],
    )
    row = IntegerField(
        _l("Number of the ballot in the batch"),
        validators=[
            InputRequired(message=_l("Write the number of the ballot.")),
            NumberRange(min=1, max=1_000_000, message=_l("Write a whole number, 1 or more.")),
        ],
    )
    code = StringField(
        _l("Voting code printed on the ballot"), filters=[strip], validators=[DataRequired(message=_l("Write the voting code."))]
    )


class PaperHandOverForm(FlaskForm):
    """Hand one waiting paper ballot to a named colleague (the page has one such form per ballot)."""

    sheet_id = IntegerField(validators=[InputRequired()])
    colleague_id = IntegerField(
        _l("Colleague"), validators=[InputRequired(message=_l("Choose a colleague who has not entered this ballot yet."))]
    )


class RegisterImportForm(FlaskForm):
    file = FileField(_l("The register file (CSV)"))
    code_letters = BooleanField(_l("Make a code letter for each resident in the file"))

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValueError(_("Choose the register file."))

    def text(self):
        """The file as text: UTF-8 (with or without a byte-order mark), else Windows-1252 as Excel saves it."""
        raw = self.file.data.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="replace")
