"""Survey forms: loading an instrument file, creating a survey, making answer links, and the answer form
(the same for an answer by link and for a paper form staff type in)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FormField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from pb.forms import optional_int, strip, translated_form
from pb.i18n import LANGUAGE_NAMES, current_language, localized
from pb.surveys.models import SubjectKind, SurveyPhase
from pb.surveys.services import surveys as survey_services
from pb.surveys.services.answers import AGE_BAND_LABELS
from pb.surveys.services.instruments import usable_instruments
from pb.surveys.services.surveys import MAX_LINKS_AT_ONCE


def _choices(enum_class):
    return [SelectChoice(member.value, member.label) for member in enum_class]


class InstrumentUploadForm(FlaskForm):
    file = FileField(_l("Instrument file (JSON)"))
    source_note = StringField(_l("Where the file comes from"), filters=[strip], validators=[Optional(), Length(max=500)])
    wording_checked = BooleanField(
        _l("I have checked that the wording in every language is exactly that of the official form"),
        validators=[InputRequired(message=_l("Confirm that you have checked the wording."))],
    )


class SurveyForm(FlaskForm):
    instrument_id = SelectField(_l("Instrument"), coerce=optional_int, validate_choice=False)
    subject_kind = RadioField(_l("What the survey is about"), choices=_choices(SubjectKind),
                              default=SubjectKind.AGREEMENT.value)
    agreement_id = SelectField(_l("Funded activity (agreement)"), coerce=optional_int, validate_choice=False)
    round_id = SelectField(_l("Participatory budgeting round"), coerce=optional_int, validate_choice=False)
    phase = RadioField(_l("Before and after"), choices=_choices(SurveyPhase), default=SurveyPhase.SINGLE.value)
    before_id = SelectField(_l("The before survey of this after survey"), coerce=optional_int, validate_choice=False)
    title = FormField(translated_form(max_length=200, required=False), label=_l("Title of the survey"))
    asks_background = BooleanField(_l("Ask for the district and age group (optional for the person answering)"),
                                   default=True)

    def fill_choices(self):
        none = [SelectChoice("", _l("Choose"))]
        self.instrument_id.choices = none + [SelectChoice(row.id, localized(row.name)) for row in usable_instruments()]
        self.agreement_id.choices = none + [
            SelectChoice(row.id, f"{row.title} ({row.grantee_name})") for row in survey_services.agreements()]
        self.round_id.choices = none + [SelectChoice(row.id, row.display_name) for row in survey_services.rounds()]
        self.before_id.choices = none + [SelectChoice(row.id, f"{localized(row.title)}: {row.subject_name}")
                                         for row in survey_services.possible_befores()]
        return self

    @property
    def subject_id(self):
        return self.agreement_id.data if self.subject_kind.data == SubjectKind.AGREEMENT.value else self.round_id.data


class LinksForm(FlaskForm):
    count = IntegerField(_l("How many links"), default=20, validators=[
        InputRequired(message=_l("Write how many links to make.")),
        NumberRange(min=1, max=MAX_LINKS_AT_ONCE, message=_l("Make from 1 to %(max)s links at a time.",
                                                             max=MAX_LINKS_AT_ONCE)),
    ])


class CodeForm(FlaskForm):
    code = StringField(_l("The code on your paper"), filters=[strip],
                       validators=[InputRequired(message=_l("Write the code from your paper."))])


def item_field_name(position):
    return f"item_{position}"


def answer_form(survey, districts, formdata=None, paper=False):
    """The survey's items as radio groups (legend: the statement; a label for each value), the optional
    background questions, and for paper forms the language the form was filled in."""
    instrument = survey.instrument

    class AnswerForm(FlaskForm):
        pass

    for position, item in enumerate(instrument.items, start=1):
        choices = [SelectChoice(str(value), localized(instrument.label_for(item, value)))
                   for value in instrument.scale_values]
        setattr(AnswerForm, item_field_name(position), RadioField(
            localized(item["text"]), choices=choices, validate_choice=False, validators=[Optional()]))
    if survey.asks_background:
        AnswerForm.district = SelectField(_l("Your district"), validate_choice=False, choices=[
            SelectChoice("", _l("I prefer not to say"))] + [SelectChoice(str(d.id), localized(d.name)) for d in districts])
        AnswerForm.age_band = SelectField(_l("Your age group"), validate_choice=False, choices=[
            SelectChoice("", _l("I prefer not to say"))] + [
            SelectChoice(band, _l("%(band)s years", band=band)) for band in AGE_BAND_LABELS])
    if paper:
        AnswerForm.language = SelectField(_l("Language of the paper form"), choices=[
            SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
                                          default=current_language(), validate_choice=False)
    form = AnswerForm(formdata=formdata) if formdata is not None else AnswerForm()
    form.items = [(item, form[item_field_name(position)]) for position, item in enumerate(instrument.items, start=1)]
    return form


def answer_values(form):
    """{item id: the value as posted} of an answer form."""
    return {item["id"]: field.data for item, field in form.items if field.data not in (None, "", "None")}


def show_refusal(form, errors):
    """Put a service's refusal next to the item (answer forms) or the field it names ("" for the whole form)."""
    by_item = {item["id"]: field for item, field in getattr(form, "items", ())}
    for name, message in errors.items():
        field = by_item.get(name) or form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)
