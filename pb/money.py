"""Money: integer cents everywhere; one place that reads, writes and shows euros.

- :func:`money` shows an amount on a page (the ``money`` template filter): ``1 234,50 €``.
- :func:`parse_euros` / :func:`format_euros` read and fill a form field: ``"1 500,50"`` <-> ``150050``.
- :func:`plain_euros` writes an amount into a file (CSV, JSON, pabulib META): ``"1500.50"``.
"""

import re

from babel.numbers import format_currency
from flask_babel import gettext as _

from pb.i18n import current_language

# 10 million euros: far above any grant, and a typo of extra zeros is caught.
MAX_AMOUNT_CENTS = 10_000_000 * 100
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_AMOUNT = re.compile(r"^(\d{1,3}(?: \d{3})+|\d+)(?:[.,](\d{1,2}))?$")


def money(cents, currency="EUR"):
    """Format integer cents: ``1 234,50 €`` in Finnish, ``€1,234.50`` in English."""
    if cents is None:
        return ""
    return format_currency(cents / 100, currency, locale=current_language())


def parse_euros(text):
    """``"1 500,50"`` -> ``150050`` (cents). Raises ValueError with a translated message.

    Spaces group thousands; a comma or a point starts at most two decimals. "1,500" is
    refused rather than guessed (1.5 or 1500?), so a typo never becomes a silent error.
    """
    cleaned = _SPACES.sub(" ", text).strip()
    cleaned = cleaned.removesuffix("€").removesuffix("EUR").removeprefix("€").strip()
    if cleaned.startswith(("-", "\u2212")):
        raise ValueError(_("The amount cannot be negative."))
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise ValueError(_("Write the amount in euros with digits, for example 1500 or 1 500,50."))
    cents = int(match.group(1).replace(" ", "")) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    if cents > MAX_AMOUNT_CENTS:
        raise ValueError(_("The amount is too large. Check the number of zeros."))
    return cents


def format_euros(cents):
    """Cents as a form shows them back: ``150050`` -> ``1500,50`` (``1500.50`` in English)."""
    euros, rest = divmod(cents, 100)
    if not rest:
        return str(euros)
    separator = "." if current_language() == "en" else ","
    return f"{euros}{separator}{rest:02d}"


def plain_euros(cents):
    """Cents as a file writes them, the same in every language: ``150050`` -> ``"1500.50"``."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros}.{rest:02d}"


def init_app(app):
    app.jinja_env.filters["money"] = money
