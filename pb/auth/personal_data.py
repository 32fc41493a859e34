"""Personal data that other domains hold about an account: each registers how to export and erase its part.

Accounts are the lowest domain, so they cannot look into the others. Instead each domain that
stores something about a person registers its part here, in its own ``personal_data`` module
(the app factory imports them all), and the account pages reach every part through
:func:`export_all`, :func:`erase_all` and :func:`account_page_context`. A new domain that stores personal data adds one
such module and lists it in ``pb.app.PERSONAL_DATA_MODULES``.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Holder:
    export: Callable  # (user, email) -> {"section name": [rows as JSON-ready dicts], ...}
    erase: Callable | None  # (user, email) -> None; deletes what names the person
    on_account_page: Callable | None  # (user) -> {template variable: value} for the "my account" page


_HOLDERS: dict[str, Holder] = {}


def register(domain, export, erase=None, on_account_page=None):
    """Register ``domain``'s part (once: importing a module again replaces, never duplicates)."""
    _HOLDERS[domain] = Holder(export, erase, on_account_page)


def iso(value):
    return value.isoformat() if value is not None else None


def export_all(user):
    data = {}
    for holder in _HOLDERS.values():
        data.update(holder.export(user, user.email))
    return data


def erase_all(user, email):
    for holder in _HOLDERS.values():
        if holder.erase is not None:
            holder.erase(user, email)


def account_page_context(user):
    context = {}
    for holder in _HOLDERS.values():
        if holder.on_account_page is not None:
            context.update(holder.on_account_page(user))
    return context
