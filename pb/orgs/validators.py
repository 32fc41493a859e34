"""Finnish business ID (Y-tunnus) validation, with the check digit computed by python-stdnum.

A Y-tunnus is seven digits, a hyphen and a check digit: ``1572860-0``. The form asks for
exactly that written form (so the number shown on the organisation's page is the one on
its papers) and tells a wrong format apart from a wrong check digit.
"""

import re

from flask_babel import lazy_gettext as _l
from stdnum.fi import ytunnus
from wtforms.validators import ValidationError

BUSINESS_ID_FORMAT = re.compile(r"\d{7}-\d")


def has_business_id_format(value):
    return bool(BUSINESS_ID_FORMAT.fullmatch(value.strip()))


def is_valid_business_id(value):
    return has_business_id_format(value) and ytunnus.is_valid(value.strip())


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
