"""Account forms. Field names ``email`` and ``password`` on the login form are part of the contract."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, ValidationError

from pb.i18n import LANGUAGE_NAMES

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200

# The worst passwords that are long enough to pass the length rule, from public
# leaked-password lists, plus the Finnish and Swedish words for "password".
COMMON_PASSWORDS = frozenset(
    """
    1234567890 0987654321 12345678910 1234567891 123456789a 1234567890a 1111111111 0000000000
    123123123123 1q2w3e4r5t 1qaz2wsx3edc q1w2e3r4t5 qwertyuiop qwertyuiop1 qwerty1234 qwerty12345
    qwerty123456 asdfghjkl1 asdfghjkl123 zxcvbnm123 qazwsxedc123 abcdefghij abcd123456 abc1234567
    password12 password123 password1234 password12345 passw0rd123 p@ssw0rd123 p@ssword123
    passwordpassword iloveyou12 iloveyou123 letmein123 letmein1234 welcome123 welcome1234
    changeme123 administrator admin12345 admin123456 trustno1234 sunshine12 sunshine123
    princess12 princess123 football12 football123 baseball12 baseball123 superman123 starwars123
    whatever123 monkey12345 dragon12345 master12345 computer12 computer123 michael123 jennifer12
    salasana12 salasana123 salasana1234 salasanani kissa12345 koira12345 suomi12345 perkele123
    losenord12 losenord123 losenord1234 sommar2024 sommar2025 kesa202020 helsinki123 espoo12345
    """.split()
)


def normalise_email(value):
    return value.strip().lower() if isinstance(value, str) else value


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def password_problem(password, identities=()):
    """A message saying why ``password`` is too weak, or None. ``identities``: email, name ..."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Use at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("Use at most %(count)s characters.", count=MAX_PASSWORD_LENGTH)
    folded = password.strip().casefold()
    if folded in COMMON_PASSWORDS or len(set(folded)) < 4:
        return _l("This password is too common and easy to guess. Choose another one.")
    own_words = {value.strip().casefold() for value in identities if value and value.strip()}
    own_words |= {word.split("@", 1)[0] for word in own_words if "@" in word}
    if folded in own_words:
        return _l("Do not use your email address or your name as the password.")
    return None


def _email_field(label, lookup=False):
    """A new address must be deliverable in form; an address only looked up may use a test domain
    (``.test``), as demo and staff-made accounts can."""
    return StringField(
        label,
        filters=[normalise_email],
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
            Email(
                check_deliverability=False,
                test_environment=lookup,
                message=_l("Enter an email address in the form name@example.com."),
            ),
        ],
    )


def _new_password_field(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[DataRequired(message=_l("Enter a password."))],
    )


def _confirm_field():
    return PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(message=_l("Enter the password a second time.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


def _current_password_field():
    return PasswordField(
        _l("Your current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
    )


def _language_field():
    return RadioField(
        _l("Language"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        validate_choice=False,
        validators=[
            DataRequired(message=_l("Choose a language.")),
            AnyOf(list(LANGUAGE_NAMES), message=_l("Choose one of the languages in the list.")),
        ],
    )


def _display_name_field():
    return StringField(
        _l("Your name"),
        filters=[strip_text],
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=120, message=_l("Use at most %(max)s characters.")),
        ],
    )


class NewPasswordMixin:
    """Checks ``password`` for strength; ``identities()`` gives the words it must not equal."""

    def identities(self):
        return ()

    def validate_password(self, field):
        problem = password_problem(field.data or "", self.identities())
        if problem:
            raise ValidationError(problem)


class RegisterForm(NewPasswordMixin, FlaskForm):
    email = _email_field(_l("Email address"))
    display_name = _display_name_field()
    password = _new_password_field()
    confirm = _confirm_field()
    language = _language_field()

    def identities(self):
        return (self.email.data, self.display_name.data)


class LoginForm(FlaskForm):
    # No format check here: a mistyped address gets the same answer as a wrong password.
    email = StringField(
        _l("Email address"),
        filters=[normalise_email],
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("The email address is too long.")),
        ],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    email = _email_field(_l("Email address"), lookup=True)


class AccountPasswordForm(NewPasswordMixin, FlaskForm):
    """Base for forms that set a new password for a known account (``form.account``)."""

    account = None

    def identities(self):
        if self.account is None:
            return ()
        return (self.account.email, self.account.display_name)


class ResetPasswordForm(AccountPasswordForm):
    password = _new_password_field(_l("New password"))
    confirm = _confirm_field()


class ChangePasswordForm(AccountPasswordForm):
    current_password = _current_password_field()
    password = _new_password_field(_l("New password"))
    confirm = _confirm_field()


class ProfileForm(FlaskForm):
    display_name = _display_name_field()
    language = _language_field()


class ChangeEmailForm(FlaskForm):
    new_email = _email_field(_l("New email address"))
    current_password = _current_password_field()


class DeleteAccountForm(FlaskForm):
    current_password = _current_password_field()
