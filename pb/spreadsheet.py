"""CSV that is safe to open in a spreadsheet: every CSV file pb writes goes through this module.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula, so a proposal titled ``=HYPERLINK("http://evil","click")``
would become a live link, or worse, in the staff member's Excel (CSV or formula injection).
As OWASP advises, such a text cell is written with a single quote in front: the spreadsheet
shows the text as it was typed, and runs nothing.

Only text is changed: a title ``+1`` or ``-2+3`` is text and is written ``'+1``, ``'-2+3``.
Numbers stay numbers: ``int`` and ``float`` cells as they are, and an amount formatted as text
(``plain_euros`` gives ``"-5.00"``) is marked with :class:`Number`, which accepts only a plain
decimal number, so a negative amount still reads as a number. Cells are otherwise quoted by
:mod:`csv` as usual.
"""

import csv
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


class Number(str):
    """A number written as text (``Number(plain_euros(cents))``): written as it is, never quoted.
    Only a plain decimal number is accepted (``"-5"``, ``"1234.50"``), so nothing else can pass as one."""

    def __new__(cls, text):
        if not _PLAIN_NUMBER.fullmatch(text):
            raise ValueError(f"not a plain number: {text!r}")
        return super().__new__(cls, text)


def safe_cell(value):
    """``value``, with a ``'`` in front if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and not isinstance(value, Number) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Writer:
    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(stream, **options):
    """Like :func:`csv.writer` (same options), with every cell passed through :func:`safe_cell`."""
    return _Writer(stream, **options)


class DictWriter:
    """Like :class:`csv.DictWriter`: rows are dicts keyed by ``fieldnames``; a missing key is an empty
    cell, an unknown key is a ``ValueError``. Every cell goes through :func:`safe_cell`."""

    def __init__(self, stream, fieldnames, **options):
        self.fieldnames = list(fieldnames)
        self._writer = _Writer(stream, **options)

    def writeheader(self):
        return self._writer.writerow(self.fieldnames)

    def writerow(self, row):
        unknown = set(row) - set(self.fieldnames)
        if unknown:
            raise ValueError(f"not a column of this table: {sorted(unknown)}")
        return self._writer.writerow([row.get(name, "") for name in self.fieldnames])
