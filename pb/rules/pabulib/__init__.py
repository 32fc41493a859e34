"""Reading and writing pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, META, PROJECTS and VOTES, in this order; each starts with a
line holding only the section name, then a header line of ``;``-separated column names,
then data rows. Fields follow CSV quoting. Section names are matched case-insensitively,
blank lines are skipped, and a field ``none`` (any case) or empty counts as absent.

Points: 1 per approved project (approval, choose-1); the ``points`` column for cumulative
and scoring ballots (entries with 0 points are dropped); ``k - position + 1`` for ordinal
rankings, with ``k`` = META ``max_length`` or else the longest ranking in the file.
Ballot-length limits (``min_length`` ...) are left to ``python -m pb.rules check``;
point limits (``max_points``, ``max_sum_points``) are enforced while reading.

The reader builds the CSR ballot arrays while streaming the rows, so the largest real
files (130,000 voters) read in well under a second. Anything malformed raises
:class:`PabulibError` naming the line.

Modules: :mod:`.format` (what the format fixes: sections, META keys, limits, the error),
:mod:`.reader` and :mod:`.writer`. Everything is imported from here.
"""

from .format import COMPUTED_META, INTEGER_META, MANDATORY_META, MAX_AMOUNT, SECTIONS, PabulibError
from .reader import read_pabulib, read_pabulib_text
from .writer import format_amount, pabulib_text, write_pabulib

__all__ = [
    "COMPUTED_META",
    "INTEGER_META",
    "MANDATORY_META",
    "MAX_AMOUNT",
    "SECTIONS",
    "PabulibError",
    "format_amount",
    "pabulib_text",
    "read_pabulib",
    "read_pabulib_text",
    "write_pabulib",
]
