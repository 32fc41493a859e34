"""Forms for funding calls, their criteria and comments (the euro and date-time fields are in pb.forms)."""


from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FormField,
    IntegerField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from pb.extensions import db
from pb.forms import (
    EuroField,
    MultiCheckboxField,
    helsinki_datetime_field,
    optional_int,
    strip,
    translated_data,
    translated_form,
    translated_namespace,
)
from pb.orgs.models import OrganisationKind

COMMENT_MAX_LENGTH = 2000


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


class ReviewSettingsForm(FlaskForm):
    review_deadline = helsinki_datetime_field(_l("Reviews must be ready by (Finnish time)"))
    official_confirms = BooleanField(
        _l("The steering group only proposes: an official confirms or changes each decision")
    )
    appeal_text = FormField(
        translated_form(max_length=4000, multiline=True, required=False),
        label=_l("How to ask for a review of the decision"),
    )
    # The eligibility check is a step of its own: its correction is asked from staff, not appealed.
    correction_text = FormField(
        translated_form(max_length=4000, multiline=True, required=False),
        label=_l("How to ask for a correction of the eligibility check"),
    )
    correction_days = IntegerField(
        _l("Days to ask for a correction"),
        validators=[Optional(), NumberRange(min=1, max=365, message=_l("Write a whole number from 1 to 365."))],
    )
    decision_expected_on = DateField(
        _l("The decision is expected on"),
        format=["%Y-%m-%d", "%d.%m.%Y"],
        validators=[Optional()],
        invalid_value_message=_l("Write the date like 31.12.2026."),
    )

    @classmethod
    def for_call(cls, call):
        return cls(
            data={
                "review_deadline": call.review_deadline,
                "official_confirms": call.official_confirms,
                "appeal_text": translated_namespace(call.appeal_text),
                "correction_text": translated_namespace(call.correction_text),
                "correction_days": call.correction_days,
                "decision_expected_on": call.decision_expected_on,
            }
        )

    def settings_data(self):
        return {
            "review_deadline": self.review_deadline.data,
            "official_confirms": bool(self.official_confirms.data),
            "appeal_text": translated_data(self.appeal_text),
            "correction_text": translated_data(self.correction_text),
            "correction_days": self.correction_days.data,
            "decision_expected_on": self.decision_expected_on.data,
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


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment or question"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Write your comment.")),
            Length(max=COMMENT_MAX_LENGTH, message=_l("Write at most 2000 characters.")),
        ],
    )


class AnswerForm(FlaskForm):
    body = TextAreaField(
        _l("Answer"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Write the answer.")),
            Length(max=COMMENT_MAX_LENGTH, message=_l("Write at most 2000 characters.")),
        ],
    )
