"""A person's verified identity: the Finnish personal identity code (henkilötunnus), never stored in clear.

The code is checked with its control character by python-stdnum and kept only as a keyed hash
(HMAC under the app's SECRET_KEY): the same person always gives the same hash, so one person is
one voter on every channel, yet a copy of the database reveals no identity code. Voting derives
a per-round key from this hash (``pb.voting.codes.voter_key``), so rounds cannot be joined.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fi import hetu

from pb.audit.services import record
from pb.auth.models import User
from pb.codes import app_key, hmac_hex
from pb.errors import DomainError
from pb.extensions import db

# The century sign of the code: 1800s "+", 1900s "-" and (since 2023) Y X W V U, 2000s A B C D E F.
_CENTURIES = {"+": 1800, **dict.fromkeys("-YXWVU", 1900), **dict.fromkeys("ABCDEF", 2000)}


class IdentityError(DomainError):
    status = 422


@dataclass(frozen=True)
class PersonalCode:
    """A checked identity code, reduced to what the platform keeps: its keyed hash and the birth year."""

    person_hash: str
    birth_year: int


def parse_personal_code(text):
    """Check a typed identity code (control character included); refused with a plain message if wrong."""
    try:
        code = hetu.validate(text or "")
    except InvalidChecksum:
        raise IdentityError(
            _("The personal identity code is not correct: its last character does not match. Check the code.")
        ) from None
    except ValidationError:
        raise IdentityError(
            _("Write the personal identity code in the form DDMMYYCZZZQ, for example 131052-308T.")
        ) from None
    return PersonalCode(person_hash=person_hash(code), birth_year=_CENTURIES[code[6]] + int(code[4:6]))


def person_hash(code):
    """The keyed hash of a checked, compact identity code."""
    return hmac_hex(app_key(), f"pb.person:{hetu.compact(code)}")


def bind_person(user, personal_code, method):
    """Record on ``user`` that strong identification (``method``, e.g. "eid") proved ``personal_code``.

    The birth year then comes from the identity code, not from what was declared. One person has
    one account: a code already bound to another account is refused.
    """
    holder = db.session.execute(db.select(User).filter_by(person_hash=personal_code.person_hash)).scalar_one_or_none()
    if holder is not None and holder.id != user.id:
        raise IdentityError(
            _("This person is already identified on another account. Sign in with that account, "
              "or ask staff for help."),
            status=409,
        )
    changed = user.person_hash != personal_code.person_hash or user.birth_year != personal_code.birth_year
    user.person_hash, user.birth_year = personal_code.person_hash, personal_code.birth_year
    db.session.flush()
    if changed:
        record(user, "auth.identified", user, {"method": method})
    return changed
