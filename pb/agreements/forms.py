"""Agreement forms: terms and schedule, indicators, instalments, reports (built per agreement), comments,
holding an instalment back, and the closing assessment."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from pb.agreements.models import IndicatorKind, Reporter
from pb.agreements.services.payments import ATTAINMENT
from pb.forms import EuroField, strip

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]  # the browser's date input first, then how people type a date


def _choices(pairs):
    return [SelectChoice(value, label) for value, label in pairs]


def _date_field(label, required=False):
    return DateField(label, validators=[InputRequired()] if required else [Optional()], format=DATE_FORMATS)


def parse_dates(text):
    """Dates one a line (31.12.2026 or 2026-12-31); raises ValueError naming the line it cannot read."""
    days = []
    for line in (text or "").replace(",", "\n").splitlines():
        line = line.strip()
        if not line:
            continue
        for pattern in DATE_FORMATS:
            try:
                days.append(datetime.strptime(line, pattern).date())
                break
            except ValueError:
                continue
        else:
            raise ValueError(line)
    return days


class TermsForm(FlaskForm):
    conditions = TextAreaField(_l("Conditions of the grant"), validators=[Length(max=5000)], filters=[strip])
    schedule_kind = RadioField(
        _l("Report schedule"),
        choices=_choices([("dates", _l("On fixed dates")), ("every", _l("Every few months until an end date"))]),
        default="dates", validators=[InputRequired()],
    )
    fixed_dates = TextAreaField(_l("Report dates"), filters=[strip])
    every_months = IntegerField(_l("Months between reports"), validators=[Optional(), NumberRange(min=1, max=24)])
    start = _date_field(_l("First report"))
    until = _date_field(_l("End of reporting (final report)"))

    def validate_fixed_dates(self, field):
        try:
            self.parsed_dates = parse_dates(field.data)
        except ValueError as error:
            raise ValidationError(_l("Write each date like 31.12.2026, one a line.")) from error

    @classmethod
    def of(cls, agreement):
        form = cls(conditions=agreement.conditions)
        schedule = agreement.schedule or {}
        if schedule.get("kind") == "every":
            form.schedule_kind.data = "every"
            form.every_months.data = schedule["months"]
            form.start.data = datetime.fromisoformat(schedule["start"]).date()
            form.until.data = datetime.fromisoformat(schedule["until"]).date()
        elif agreement.due_dates:
            form.fixed_dates.data = "\n".join(
                datetime.fromisoformat(day).strftime("%d.%m.%Y") for day in agreement.due_dates
            )
        return form


class IndicatorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Write the name of the indicator.")),
                                                Length(max=200)], filters=[strip])
    measure = TextAreaField(_l("What is measured, and how"), validators=[Length(max=2000)], filters=[strip])
    unit = StringField(_l("Unit"), validators=[Length(max=60)], filters=[strip])
    baseline = StringField(_l("Baseline (now)"), validators=[Length(max=200)], filters=[strip])
    target = StringField(_l("Target"), validators=[Length(max=200)], filters=[strip])
    kind = RadioField(_l("Kind of value"), choices=_choices(IndicatorKind.choices()), validators=[InputRequired()])
    scale_min = IntegerField(_l("Lowest value of the scale"), validators=[Optional()])
    scale_max = IntegerField(_l("Highest value of the scale"), validators=[Optional()])
    reported_by = RadioField(_l("Who reports it"), choices=_choices(Reporter.choices()), default=Reporter.GRANTEE.value,
                             validators=[InputRequired()])

    def values(self):
        return {name: getattr(self, name).data for name in
                ("name", "measure", "unit", "baseline", "target", "kind", "scale_min", "scale_max", "reported_by")}


class InstalmentForm(FlaskForm):
    amount = EuroField(_l("Amount (euros)"), validators=[InputRequired(message=_l("Write an amount above zero."))])
    release_on = _date_field(_l("Release date"))
    after_report_number = IntegerField(_l("Released when this report is accepted (its number)"),
                                       validators=[Optional(), NumberRange(min=1)])


class HoldForm(FlaskForm):
    reason = TextAreaField(_l("Why the instalment is held back"),
                           validators=[InputRequired(message=_l("Tell the grantee why the instalment is held back.")),
                                       Length(max=2000)], filters=[strip])


class CommentForm(FlaskForm):
    text = TextAreaField(_l("Comment"), validators=[Length(max=5000)], filters=[strip])


class AttachmentForm(FlaskForm):
    file = FileField(_l("Photo or file"))


def report_form(report, formdata=None):
    """The report's form: one field per indicator (by its kind), spending per budget line, participants."""
    agreement = report.agreement

    class ReportForm(FlaskForm):
        narrative = TextAreaField(_l("What was done in this period"), validators=[Length(max=10000)], filters=[strip])
        participants = IntegerField(_l("Participants"), validators=[Optional(), NumberRange(
            min=0, message=_l("Write a whole number, 0 or more."))])
        target_group_participants = IntegerField(_l("Of them, from the target groups"), validators=[
            Optional(), NumberRange(min=0, message=_l("Write a whole number, 0 or more."))])

    for indicator in agreement.indicators:
        label = indicator.name + (f" ({indicator.unit})" if indicator.unit else "")
        if indicator.kind is IndicatorKind.YES_NO:
            field = RadioField(label, choices=_choices([("yes", _l("Yes")), ("no", _l("No"))]), validators=[Optional()],
                               validate_choice=False)
        elif indicator.kind is IndicatorKind.TEXT:
            field = TextAreaField(label, validators=[Length(max=2000)], filters=[strip])
        else:
            field = StringField(label, validators=[Length(max=40)], filters=[strip])
        setattr(ReportForm, f"indicator_{indicator.id}", field)
    for position, line in enumerate(agreement.budget_lines):
        setattr(ReportForm, f"spent_{position}", EuroField(_l("Spent on: %(item)s (euros)", item=line["item"]),
                                                           validators=[Optional()]))
        setattr(ReportForm, f"spent_on_{position}", _date_field(_l("Day of the spending: %(item)s", item=line["item"])))

    data = {"narrative": report.narrative, "participants": report.participants,
            "target_group_participants": report.target_group_participants}
    for key, value in report.values.items():
        data[f"indicator_{key}"] = value
    spent = {row["item"]: row for row in report.spending}
    for position, line in enumerate(agreement.budget_lines):
        row = spent.get(line["item"])
        if row:
            data[f"spent_{position}"] = row["amount_cents"]
            data[f"spent_on_{position}"] = datetime.fromisoformat(row["spent_on"]).date()
    form = ReportForm(formdata=formdata, data=data) if formdata is not None else ReportForm(data=data)
    form.indicator_fields = [(indicator, form[f"indicator_{indicator.id}"]) for indicator in agreement.indicators]
    form.spending_fields = [
        (line, form[f"spent_{position}"], form[f"spent_on_{position}"])
        for position, line in enumerate(agreement.budget_lines)
    ]
    return form


def report_values(form, report):
    """The form's content in the service's terms (pb.agreements.services.reports.save)."""
    values = {str(indicator.id): field.data for indicator, field in form.indicator_fields}
    spending = [
        {"item": line["item"], "amount_cents": amount.data, "spent_on": spent_on.data}
        for line, amount, spent_on in form.spending_fields
    ]
    return {"values": values, "narrative": form.narrative.data, "spending": spending,
            "participants": form.participants.data, "target_group_participants": form.target_group_participants.data}


def close_form(agreement, formdata=None):
    class CloseForm(FlaskForm):
        summary = TextAreaField(_l("Summary of the assessment"), validators=[Length(max=5000)], filters=[strip])

    labels = {"attained": _l("Reached"), "partly": _l("Partly reached"), "not_attained": _l("Not reached")}
    for indicator in agreement.indicators:
        setattr(CloseForm, f"attainment_{indicator.id}", RadioField(
            _l("How well was the target reached: %(name)s", name=indicator.name),
            choices=_choices((value, labels[value]) for value in ATTAINMENT), validators=[Optional()], validate_choice=False))
        setattr(CloseForm, f"reason_{indicator.id}", TextAreaField(
            _l("Reason: %(name)s", name=indicator.name), validators=[Length(max=2000)], filters=[strip]))
    form = CloseForm(formdata=formdata) if formdata is not None else CloseForm()
    form.indicator_fields = [
        (indicator, form[f"attainment_{indicator.id}"], form[f"reason_{indicator.id}"]) for indicator in agreement.indicators
    ]
    return form


def show_refusal(form, errors):
    """Put a service's refusal next to its fields (a message for the whole form goes on ``form.form_errors``)."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)
