import pytest
from wtforms import Form, StringField

from pb.orgs.validators import BusinessId, has_business_id_format, is_valid_business_id
from tests.orgs.support import english_request


@pytest.mark.parametrize("value", ["1572860-0", " 1572860-0 ", "0112038-9", "2617416-4", "0201256-6"])
def test_valid_business_ids(value):
    assert is_valid_business_id(value)


@pytest.mark.parametrize("value", ["1572860-1", "1572860-9", "0112038-8", "2617416-5"])
def test_wrong_check_digit_is_invalid_but_well_formed(value):
    assert has_business_id_format(value)
    assert not is_valid_business_id(value)


@pytest.mark.parametrize("value", ["1234567", "1572860 0", "157286-00", "15728600", "1572860-00", "A572860-0", "", "-"])
def test_wrong_format(value):
    assert not has_business_id_format(value)
    assert not is_valid_business_id(value)


WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def expected_check_digit(prefix):
    """The Y-tunnus rule, written out here to check the library against: remainder 0 gives 0,
    remainder 1 is never issued, any other remainder r gives 11 - r."""
    remainder = sum(int(digit) * weight for digit, weight in zip(prefix, WEIGHTS, strict=True)) % 11
    return {0: 0, 1: None}.get(remainder, 11 - remainder)


def test_check_digit_rules():
    # 1572860: 7+45+70+10+64+24+0 = 220, remainder 0 -> check digit 0
    assert is_valid_business_id("1572860-0")
    # 0000001: 2, remainder 2 -> 11 - 2 = 9
    assert is_valid_business_id("0000001-9")
    assert not is_valid_business_id("0000001-2")


def test_remainder_one_is_never_valid():
    # A prefix whose weighted sum leaves remainder 1: no check digit may complete it.
    prefixes = (f"{n:07d}" for n in range(1000))
    prefix = next(p for p in prefixes if sum(int(d) * w for d, w in zip(p, WEIGHTS)) % 11 == 1)
    assert not any(is_valid_business_id(f"{prefix}-{digit}") for digit in range(10))


def test_every_prefix_has_exactly_the_valid_ending_of_the_rule():
    for n in range(0, 10_000_000, 99_991):
        prefix = f"{n:07d}"
        valid = [digit for digit in range(10) if is_valid_business_id(f"{prefix}-{digit}")]
        expected = expected_check_digit(prefix)
        assert valid == ([] if expected is None else [expected])


class _Form(Form):
    business_id = StringField(validators=[BusinessId()])


def _errors(app, value):
    from werkzeug.datastructures import MultiDict

    with english_request(app):
        form = _Form(MultiDict({"business_id": value}))
        form.validate()
        return [str(error) for error in form.business_id.errors]


def test_validator_messages_tell_format_from_check_digit(app):
    assert _errors(app, "1572860-0") == []
    assert _errors(app, "  1572860-0  ") == []
    assert "7 digits, a hyphen and 1 digit" in _errors(app, "1234567")[0]
    assert "last digit does not match" in _errors(app, "1572860-1")[0]
