"""Review forms: declarations, the scoring sheet (built from the call's criteria), assignments,
meetings, decisions and the official's confirmation."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from pb.forms import EuroField, MultiCheckboxField, helsinki_datetime_field, strip
from pb.proposals.models import DecisionOutcome
from pb.review.models import Recommendation

TEXT_MAX = 4000
NOT_APPLICABLE = "na"


def enum_choices(enum_class):
    return [SelectChoice(member.value, member.label) for member in enum_class]


def member_choices(members, with_role=False):
    """Steering members as choices keyed by user id, with their role if asked."""
    return [
        SelectChoice(m.user_id, f"{m.user.display_name} ({m.role.label})" if with_role else m.user.display_name)
        for m in members
    ]


class DeclarationForm(FlaskForm):
    has_conflict = RadioField(
        _l("Do you have a conflict of interest with this proposal?"),
        choices=[SelectChoice("no", _l("No conflict of interest")),
                 SelectChoice("yes", _l("Yes, I have a conflict of interest"))],
        validators=[InputRequired(message=_l("Choose one."))],
    )
    reason = TextAreaField(
        _l("Reason for the conflict"), filters=[strip], validators=[Optional(), Length(max=1000)]
    )


class OverrideForm(FlaskForm):
    reason = TextAreaField(
        _l("Why may the member review this proposal despite the conflict?"),
        filters=[strip],
        validators=[DataRequired(message=_l("Write the reason.")), Length(max=1000)],
    )


class AssignForm(FlaskForm):
    reviewers = MultiCheckboxField(_l("Reviewers of this proposal"), coerce=int)


def review_form_class(criteria):
    """A scoring sheet for ``criteria``: per criterion the points (or not applicable) and a comment."""

    class ReviewForm(FlaskForm):
        recommendation = RadioField(
            _l("Overall recommendation"), choices=enum_choices(Recommendation), validators=[Optional()]
        )
        comment = TextAreaField(_l("Overall comment"), filters=[strip], validators=[Length(max=TEXT_MAX)])

        def score_fields(self):
            return [(criterion, self[f"score_{criterion.id}"], self[f"comment_{criterion.id}"]) for criterion in criteria]

        def review_data(self, require_all):
            """``(data, problems)``: the points as the services take them, and what cannot be read."""
            scores, comments, problems = {}, {}, []
            for criterion, score_field, comment_field in self.score_fields():
                raw = (score_field.data or "").strip()
                comments[criterion.id] = comment_field.data or ""
                if raw in ("", NOT_APPLICABLE):
                    scores[criterion.id] = None
                    if raw == "" and require_all:
                        problems.append(_("%(criterion)s: choose the points or \"not applicable\".",
                                          criterion=criterion.display_name))
                    continue
                try:
                    scores[criterion.id] = int(raw)
                except ValueError:
                    scores[criterion.id] = -1  # the service refuses it with the criterion's scale in the message
            value = self.recommendation.data
            recommendation = Recommendation(value) if value in {m.value for m in Recommendation} else None
            return {"scores": scores, "comments": comments, "recommendation": recommendation,
                    "comment": self.comment.data or ""}, problems

    for criterion in criteria:
        choices = [SelectChoice("", _l("Choose")), SelectChoice(NOT_APPLICABLE, _l("Not applicable"))] + [
            SelectChoice(str(points), str(points)) for points in range(criterion.scale_max + 1)
        ]
        # validate_choice=False: a value outside the scale reaches the service, which refuses it clearly.
        setattr(ReviewForm, f"score_{criterion.id}",
                SelectField(_l("Points"), choices=choices, validate_choice=False))
        setattr(ReviewForm, f"comment_{criterion.id}",
                TextAreaField(_l("Comment"), filters=[strip], validators=[Length(max=TEXT_MAX)]))
    return ReviewForm


def review_form_data(review):
    if review is None:
        return {}
    data = {"recommendation": review.recommendation.value if review.recommendation else None, "comment": review.comment}
    for score in review.scores:
        data[f"score_{score.criterion_id}"] = NOT_APPLICABLE if score.points is None else str(score.points)
        data[f"comment_{score.criterion_id}"] = score.comment
    return data


class MeetingForm(FlaskForm):
    held_at = helsinki_datetime_field(_l("Date and time (Finnish time)"))
    place = StringField(_l("Place or video link"), filters=[strip], validators=[Length(max=300)])
    attendees = MultiCheckboxField(_l("Attendees"), coerce=int)
    chair_id = SelectField(_l("Chair of the meeting"), coerce=int)
    proposals = MultiCheckboxField(_l("Proposals to decide"), coerce=int)

    def validate_held_at(self, field):
        if field.data is None:
            raise ValueError(_("Write the date and time like 31.12.2025 16:00."))


class DecisionForm(FlaskForm):
    outcome = RadioField(
        _l("Decision"), choices=enum_choices(DecisionOutcome), validators=[InputRequired(message=_l("Choose the decision."))]
    )
    amount = EuroField(_l("Reduced amount, in euros"), validators=[Optional()])
    conditions = TextAreaField(_l("Conditions"), filters=[strip], validators=[Length(max=TEXT_MAX)])
    reasons = TextAreaField(_l("Reasons (public)"), filters=[strip], validators=[Length(max=TEXT_MAX)])
    over_budget_reason = TextAreaField(
        _l("Reason for going over the budget"), filters=[strip], validators=[Length(max=TEXT_MAX)]
    )


class CloseMeetingForm(FlaskForm):
    notes = TextAreaField(_l("Other notes for the minutes"), filters=[strip], validators=[Length(max=TEXT_MAX)])


class ConfirmDecisionForm(FlaskForm):
    action = RadioField(
        _l("Your decision as the official"),
        choices=[SelectChoice("confirm", _l("Confirm as proposed")), SelectChoice("change", _l("Change the decision"))],
        validators=[InputRequired(message=_l("Choose one."))],
    )
    outcome = SelectField(
        _l("Changed decision"),
        choices=[SelectChoice("", _l("Choose"))]
        + [SelectChoice(m.value, m.label) for m in DecisionOutcome if m is not DecisionOutcome.RETURNED],
        validators=[Optional()],
    )
    amount = EuroField(_l("Reduced amount, in euros"), validators=[Optional()])
    reasons = TextAreaField(_l("Reasons for the change (public)"), filters=[strip], validators=[Length(max=TEXT_MAX)])
