"""Who may open which route: one declaration per view, checked in one place.

Every view is decorated with :func:`access` and one of the levels below. The
level is stored on the view function, so ``tests/test_access_matrix.py`` can
enumerate every registered route and check it against the role table. Checks on
one object (is this user a representative of *this* organisation?) are the
``can_*`` predicates on the models, enforced with :func:`require`.
"""

import enum
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user


class Access(enum.Enum):
    PUBLIC = "public"  # anyone, signed in or not
    SIGNED_IN = "signed_in"  # any account, also one whose email is not yet verified
    RESIDENT = "resident"  # a verified account
    STAFF = "staff"
    ADMIN = "admin"


def allows(level, user):
    if level is Access.PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    if level is Access.SIGNED_IN:
        return True
    if level is Access.RESIDENT:
        return user.is_verified
    if level is Access.STAFF:
        return user.is_staff
    return user.is_active and user.is_admin


def access(level):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not allows(level, current_user):
                if not current_user.is_authenticated:
                    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_level = level
        return wrapped

    return decorator


def require(allowed):
    """Abort with 403 unless an object-level ``can_*`` predicate allowed the action."""
    if not allowed:
        abort(403)
