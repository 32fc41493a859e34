"""Finnish business ID (Y-tunnus) validation.

A Y-tunnus is seven digits, a hyphen and a check digit: ``1572860-0``. The check
digit comes from the weights 7, 9, 10, 5, 8, 4, 2: remainder 0 gives check digit 0,
remainder 1 is never issued, any other remainder ``r`` gives ``11 - r``.
"""

import re

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

BUSINESS_ID_FORMAT = re.compile(r"\d{7}-\d")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def business_id_check_digit(seven_digits):
    """The check digit for the first seven digits, or None when no valid ID can start with them."""
    remainder = sum(int(digit) * weight for digit, weight in zip(seven_digits, WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def has_business_id_format(value):
    return bool(BUSINESS_ID_FORMAT.fullmatch(value.strip()))


def is_valid_business_id(value):
    value = value.strip()
    if not has_business_id_format(value):
        return False
    check_digit = business_id_check_digit(value[:7])
    return check_digit is not None and check_digit == int(value[-1])


class BusinessId:
    """WTForms validator with separate messages for a wrong format and a wrong check digit."""

    format_message = _l("Write the business ID as 7 digits, a hyphen and 1 digit, for example 1234567-8.")
    check_digit_message = _l(
        "This business ID does not exist: the last digit does not match the others. Check the number."
    )

    def __call__(self, form, field):
        value = (field.data or "").strip()
        if not has_business_id_format(value):
            raise ValidationError(self.format_message)
        if not is_valid_business_id(value):
            raise ValidationError(self.check_digit_message)
