"""Dates and times in each language's own format, in Finnish time (never "12/7/26" or "2026-12-21")."""

from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from flask_babel import force_locale

from pb.i18n import local_date, local_datetime

EVENING = datetime(2026, 12, 21, 18, 0, tzinfo=UTC)  # 20.00 in Helsinki


@pytest.mark.parametrize(("locale", "when", "day"), [
    ("fi", "21.12.2026 klo 20.00", "21.12.2026"),
    ("sv", "21.12.2026 kl. 20.00", "21.12.2026"),
    ("en", "21 December 2026, 20:00", "21 December 2026"),
])
def test_each_language_writes_dates_its_own_way(app, locale, when, day):
    with app.test_request_context(), force_locale(locale):
        assert local_datetime(EVENING) == when
        assert local_date(date(2026, 12, 21)) == day
        assert render_template_string('{{ t | datetime("short") }}|{{ d | date }}', t=EVENING, d=date(2026, 12, 21)) == f"{when}|{day}"
        assert local_datetime(None) == local_date(None) == ""
