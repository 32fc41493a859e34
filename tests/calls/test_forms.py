"""Euro amounts as people type them, Finnish-time dates, and the call form's cross-field checks."""

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from pb.calls.forms import CallForm
from pb.money import format_euros, parse_euros
from tests.factories import make_steering_group


@pytest.mark.parametrize(
    "typed, cents",
    [
        ("1500", 150000),
        ("1 500", 150000),
        ("1\u00a0500,50", 150050),
        ("1 500,5", 150050),
        ("1500.50", 150050),
        ("1 500 €", 150000),
        ("€1500", 150000),
        ("12 345 678", None),  # over the cap
        ("0", 0),
        ("0,05", 5),
        ("  250  ", 25000),
    ],
)
def test_parse_euros(app, typed, cents):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        if cents is None:
            with pytest.raises(ValueError, match="too large"):
                parse_euros(typed)
        else:
            assert parse_euros(typed) == cents


@pytest.mark.parametrize("typed", ["-5", "\u22125", "abc", "1,500", "1.500", "1,505.50", "15 00", "1e5", "", "12,345"])
def test_parse_euros_refuses_what_it_would_have_to_guess(app, typed):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(ValueError) as refused:
            parse_euros(typed)
    message = str(refused.value)
    assert "negative" in message if typed.strip().startswith(("-", "\u2212")) else "digits" in message


def test_format_euros_follows_the_language(app):
    with force_locale("fi"):
        assert format_euros(150050) == "1500,50"
        assert format_euros(150000) == "1500"
    with force_locale("en"):
        assert format_euros(150005) == "1500.05"


def form_data(**overrides):
    data = {
        "title-fi": "Haku",
        "description-fi": "Kuvaus",
        "themes-fi": "Teemat",
        "total_budget": "10 000",
        "min_grant": "500",
        "max_grant": "2 000,50",
        "eligible_kinds": ["ngo", "cooperative"],
        "cofunding_percent": "20",
        "whole_municipality": "y",
        "opens_at": "2026-03-01T09:00",
        "closes_at": "31.3.2026 16.00",
        "steering_group_id": "",
    }
    data.update(overrides)
    pairs = [(key, item) for key, value in data.items() for item in (value if isinstance(value, list) else [value])]
    return MultiDict(pairs)


def bind(app, data):
    with app.test_request_context(method="POST", data=data, headers={"Accept-Language": "en"}):
        form = CallForm(meta={"csrf": False})
        valid = form.validate()
        return form, valid, form.call_data() if valid else None


def test_valid_form_gives_cents_and_utc_times(app):
    group = make_steering_group()
    form, valid, data = bind(app, form_data(steering_group_id=str(group.id)))
    assert valid, form.errors
    assert data["total_budget_cents"] == 1_000_000
    assert data["max_grant_cents"] == 200_050
    assert data["eligible_kinds"] == ["ngo", "cooperative"]
    # Helsinki is UTC+2 in winter and UTC+3 in summer (after the last Sunday of March).
    assert data["opens_at"].astimezone(UTC) == datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
    assert data["closes_at"].astimezone(UTC) == datetime(2026, 3, 31, 13, 0, tzinfo=UTC)
    assert data["steering_group_id"] == group.id
    assert data["district_ids"] == []


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"min_grant": "3000"}, "min_grant", "smallest grant cannot be larger"),
        ({"max_grant": "20 000"}, "max_grant", "cannot be larger than the total"),
        ({"total_budget": "-1"}, "total_budget", "negative"),
        ({"max_grant": "paljon"}, "max_grant", "digits"),
        ({"eligible_kinds": []}, "eligible_kinds", "at least one"),
        ({"cofunding_percent": "101"}, "cofunding_percent", "0 to 100"),
        ({"cofunding_percent": "-1"}, "cofunding_percent", "0 to 100"),
        ({"closes_at": "2026-02-01T09:00"}, "closes_at", "after the opening"),
        ({"opens_at": "huomenna"}, "opens_at", "31.12.2025"),
        ({"whole_municipality": []}, "districts", "at least one district"),
        ({"title-fi": "x" * 10_000}, "title", "200"),
        ({"title-fi": ""}, "title", "required"),
    ],
)
def test_form_refuses_bad_input_with_a_message(app, overrides, field, message):
    form, valid, _data = bind(app, form_data(**overrides))
    assert not valid
    errors = form.errors[field]
    text = " ".join(str(error) for error in (errors["fi"] if isinstance(errors, dict) else errors))
    assert message in text


def test_zero_is_an_amount_not_a_missing_one(app):
    form, valid, data = bind(app, form_data(min_grant="0", cofunding_percent="0"))
    assert valid, form.errors
    assert data["min_grant_cents"] == 0 and data["cofunding_percent"] == 0


def test_plain_euros_writes_files_the_same_in_every_language():
    from pb.money import plain_euros

    assert plain_euros(150050) == "1500.50"
    assert plain_euros(5) == "0.05"
    assert plain_euros(0) == "0.00"
    assert plain_euros(-550) == "-5.50"
