"""pb.spreadsheet: CSV cells a spreadsheet would run as a formula are written as text (OWASP CSV injection)."""

import csv
import io

import pytest

from pb.spreadsheet import DictWriter, Number, safe_cell, writer

FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "@SUM(1)", "-2+3", "\t=1", "\r=1", "=1+1", "-", "+", "@", "-5"]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_text_cell_that_starts_like_a_formula_gets_a_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Leikkipuisto", "", "a=b", " =1", "'=1 already quoted", "1234.50", "0.5", "12"])
def test_other_text_stays_as_it_is(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-5, -5.5, 0, 12, None, True, Number("-5.00"), Number("+3"), Number("-7")])
def test_numbers_stay_numbers(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", ["-2+3", "=1", "-5e3", "1,5", "", "-", "5.", "\t-5"])
def test_only_a_plain_number_passes_as_a_number(text):
    with pytest.raises(ValueError):
        Number(text)


def test_writer_and_dict_writer_neutralise_every_cell_and_still_parse():
    stream = io.StringIO(newline="")
    rows = writer(stream, lineterminator="\r\n")
    rows.writerow(["=cmd|' /C calc'!A0", -5, Number("-5.00"), 'say "hi", =1'])
    rows.writerows([["@SUM(1)", "plain"]])
    assert list(csv.reader(io.StringIO(stream.getvalue()))) == [
        ["'=cmd|' /C calc'!A0", "-5", "-5.00", 'say "hi", =1'],
        ["'@SUM(1)", "plain"],
    ]

    stream = io.StringIO(newline="")
    table = DictWriter(stream, fieldnames=("title", "amount"), lineterminator="\r\n")
    table.writeheader()
    table.writerow({"title": "-2+3", "amount": Number("-7.25")})
    table.writerow({"title": "\t=1"})
    assert list(csv.DictReader(io.StringIO(stream.getvalue()))) == [
        {"title": "'-2+3", "amount": "-7.25"},
        {"title": "'\t=1", "amount": ""},
    ]
    with pytest.raises(ValueError):
        table.writerow({"title": "x", "not_a_column": 1})


def test_no_other_csv_writer_in_pb():
    """Every CSV pb writes goes through pb.spreadsheet (pb.rules writes the pabulib format, not a spreadsheet)."""
    from pathlib import Path

    import pb

    package = Path(pb.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "spreadsheet.py" and "rules" not in path.relative_to(package).parts
        and ("csv.writer" in (text := path.read_text(encoding="utf-8")) or "csv.DictWriter" in text)
    ]
    assert offenders == []
