"""Languages: locale choice, translated content fields, and formatting filters."""

from functools import cache

from babel.numbers import format_decimal
from babel.support import Translations
from flask import current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from wtforms.i18n import messages_path

from pb.extensions import babel

LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}
SESSION_KEY = "locale"


@cache
def _wtforms_catalogue(locale):
    return Translations.load(messages_path(), [locale], domain="wtforms")


class CachedFormTranslations:
    """Request mixin: WTForms' own messages from a catalogue read once per process.

    Flask-WTF looks for ``request.wtforms_translations`` and, when it is missing, reads the
    catalogue file again for every request that shows a form message.
    """

    @property
    def wtforms_translations(self):
        return _wtforms_catalogue(str(get_locale()))


def _catalogue():
    """The current locale's catalogue, remembered until the locale changes (``force_locale``, ``refresh``).

    Flask-Babel finds it anew (context, domain, locale name, cache) for every message, and the
    templates translate dozens of messages per page: that lookup was a large part of rendering.
    """
    locale = get_locale()
    if locale is None:
        return get_translations()  # no app context
    cached = g.get("pb_catalogue")
    if cached is None or cached[0] is not locale:
        cached = g.pb_catalogue = (locale, get_translations())
    return cached[1]


def install_template_callables(app):
    """The templates' ``_()``: Flask-Babel's catalogue (``get_translations``), looked up once per request.

    Measured with benchmarks/i18n_render.py (2-core machine, Finnish demo pages, median of 100):
    Flask-Babel's own ``gettext`` took 1.06-2.68 ms a page, these 0.88-2.16 ms (0.2-0.8 ms, 17-34 %, less).
    """
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _catalogue().ugettext(string),
        ngettext=lambda singular, plural, n: _catalogue().ungettext(singular, plural, n),
        pgettext=lambda context, string: _catalogue().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _catalogue().unpgettext(context, singular, plural, n),
        newstyle=True,
    )


def select_locale():
    """The account's language, else the session's, else the browser's best match, else Finnish.

    Outside a request (a command, a job) there is no reader: the default language.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get(SESSION_KEY) in languages:
        return session[SESSION_KEY]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language():
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def localized(values):
    """Pick the current language from a ``{"fi": ..., "sv": ..., "en": ...}`` field, falling back to Finnish."""
    if not values:
        return ""
    if isinstance(values, str):
        return values
    return values.get(current_language()) or values.get("fi") or next(iter(values.values()), "")


#: Each language's name in the reader's language, for notes about missing translations.
LANGUAGE_LABELS = {"fi": _l("Finnish"), "sv": _l("Swedish"), "en": _l("English")}


def localized_with_language(values):
    """``(text, language code)`` of a fi/sv/en field in the current language, falling back as :func:`localized`.

    The language is None for plain text (its language is not known) and for an empty field.
    """
    if not values:
        return "", None
    if isinstance(values, str):
        return values, None
    for code in (current_language(), "fi", *values):
        if values.get(code):
            return values[code], code
    return "", None


def missing_languages(*fields):
    """The configured languages that any of the fi/sv/en ``fields`` has no text in, in the configured order.

    A field with no text in any language (an optional description left empty) is not counted.
    """
    fields = [
        values for values in fields
        if isinstance(values, dict) and any((text or "").strip() for text in values.values())
    ]
    return [
        code
        for code in current_app.config["LANGUAGES"]
        if any(not (values.get(code) or "").strip() for values in fields)
    ]


def localized_markup(values):
    """The text in the reader's language as Markup; a fallback in another language is wrapped in
    ``<span lang="xx">`` (WCAG 3.1.2) and followed by a note, in the reader's language, that it is not translated.
    """
    text, code = localized_with_language(values)
    if not text or code is None or code == current_language():
        return escape(text)
    note = _("not translated, in %(language)s", language=str(LANGUAGE_LABELS.get(code, code)))
    return Markup('<span lang="{code}">{text}</span> <span class="untranslated">({note})</span>').format(
        code=code, text=text, note=note
    )


# Each language's own way to write a date and a time (Finnish time): CLDR's short formats give
# "12/7/26" in English and "2026-12-21" in Swedish, which Finnish readers of either do not expect.
DATE_PATTERNS = {"fi": "d.M.yyyy", "sv": "d.M.yyyy", "en": "d MMMM yyyy"}
DATETIME_PATTERNS = {"fi": "d.M.yyyy 'klo' H.mm", "sv": "d.M.yyyy 'kl.' H.mm", "en": "d MMMM yyyy, HH:mm"}


def local_date(value):
    """``21.12.2026`` (fi, sv), ``21 December 2026`` (en); empty for None."""
    return format_date(value, DATE_PATTERNS.get(current_language(), DATE_PATTERNS["fi"])) if value else ""


def local_datetime(value):
    """``21.12.2026 klo 20.00`` (fi), ``21.12.2026 kl. 20.00`` (sv), ``21 December 2026, 20:00`` (en)."""
    return format_datetime(value, DATETIME_PATTERNS.get(current_language(), DATETIME_PATTERNS["fi"])) if value else ""


def number(value):
    if value is None:
        return ""
    return format_decimal(value, locale=current_language())


def init_app(app):
    babel.init_app(app, locale_selector=select_locale)
    install_template_callables(app)
    app.jinja_env.filters.update(
        localized=localized,
        # Content text in the reader's language, a fallback marked with its own lang and a note.
        in_reader_language=localized_markup,
        missing_languages=missing_languages,
        language_label=lambda code: str(LANGUAGE_LABELS.get(code, code)),
        number=number,
        # Templates may still say how long a format they want; every page uses the one of its language.
        date=lambda value, _length=None: local_date(value),
        datetime=lambda value, _length=None: local_datetime(value),
    )
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        LANGUAGE_LABELS=LANGUAGE_LABELS,
        current_language=current_language,
    )

