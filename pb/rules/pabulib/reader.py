"""The ``.pb`` reader: one pass over the rows, building the CSR ballots while streaming
the votes (see :mod:`pb.rules.pabulib` for what it accepts)."""

from __future__ import annotations

import csv
import io
import os
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import TextIO

import numpy as np

from ..model import (
    POINTS_VOTE_TYPES,
    VOTE_TYPES,
    Ballots,
    BallotsBuilder,
    Instance,
    Project,
    Voters,
)
from .format import INTEGER_META, MANDATORY_META, MAX_AMOUNT, SECTIONS, PabulibError, absent


def read_pabulib(source: str | os.PathLike | TextIO, *, keep_voters: bool = True) -> Instance:
    """Read a ``.pb`` file (a path or an open text stream) into an :class:`Instance`.

    With ``keep_voters`` the voter ids and other VOTES columns are kept (``instance.voters``)
    so the file can be written back voter by voter; without, only distinct ballots remain.
    """
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, encoding="utf-8-sig", newline="") as stream:
                return _Reader(keep_voters).read(stream)
        except UnicodeDecodeError as error:
            with open(source, "rb") as raw:
                line = raw.read(error.start).count(b"\n") + 1
            raise PabulibError("the file is not UTF-8 text", line) from None
    return _Reader(keep_voters).read(source)


def read_pabulib_text(text: str, *, keep_voters: bool = True) -> Instance:
    """Read the contents of a ``.pb`` file given as a string."""
    return read_pabulib(io.StringIO(text, newline=""), keep_voters=keep_voters)


def _is_blank(row: list[str]) -> bool:
    return all(not cell.strip() for cell in row)


def _section_marker(row: list[str]) -> str | None:
    """``meta``, ``projects`` or ``votes`` if the row is a section line, else None."""
    first = row[0].strip().lower()
    if first in SECTIONS and all(not cell.strip() for cell in row[1:]):
        return first
    return None


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _parse_amount(text: str) -> Decimal | None:
    """A positive decimal amount (``,`` accepted as decimal mark), or None."""
    try:
        amount = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount > 0 else None


def _decimals(amount: Decimal) -> int:
    """Digits after the decimal mark as written: ``12.50`` has 2, so cents stay cents."""
    exponent = amount.as_tuple().exponent
    return -exponent if exponent < 0 else 0


class _Reader:
    """One pass over the rows; state kept between sections."""

    def __init__(self, keep_voters: bool):
        self.keep_voters = keep_voters
        self.meta: dict[str, str] = {}
        self.meta_line: dict[str, int] = {}
        self.projects: list[dict] = []
        self.project_index: dict[str, int] = {}
        self.builder = BallotsBuilder()
        self.voter_cells: list[tuple[str, ...]] = []
        self.voter_ballot: list[int] = []
        self.voter_lines: list[int] = []
        self.voter_column_names: list[str] = []
        self.longest_ranking = 0

    # -- driver -----------------------------------------------------------------------

    def read(self, stream: TextIO) -> Instance:
        reader = csv.reader(stream, delimiter=";", strict=True)
        try:
            self._read_rows(reader)
        except csv.Error as error:
            raise PabulibError(f"badly quoted field ({error})", reader.line_num) from None
        return self._instance()

    def _read_rows(self, reader) -> None:
        sections_seen: list[str] = []
        header: list[str] | None = None
        line = 0
        for row in reader:
            line = reader.line_num
            if not sections_seen and row:
                row[0] = row[0].removeprefix("\ufeff")
            if _is_blank(row):
                continue
            marker = _section_marker(row)
            if marker:
                self._start_section(marker, sections_seen, line)
                header = None
                continue
            if not sections_seen:
                raise PabulibError(f"the file must start with META, found {row[0].strip()[:40]!r}", line)
            section = sections_seen[-1]
            if header is None:
                header = self._header(section, row, line)
                if section == "votes":
                    self._read_votes(reader, header)
                    return
            elif len(row) != len(header):
                raise PabulibError(_row_shape_message(section, row, header), line)
            elif section == "projects":
                self._project_row(dict(zip(header, row)), line)
            else:
                self._meta_row(row, line)
        missing = SECTIONS[len(sections_seen)] if len(sections_seen) < 3 else "votes"
        raise PabulibError(f"the file ends without a complete {missing.upper()} section", line)

    def _start_section(self, section: str, sections_seen: list[str], line: int) -> None:
        expected = SECTIONS[len(sections_seen)] if len(sections_seen) < 3 else None
        if section != expected:
            where = f"{expected.upper()} was expected" if expected else "the file should end"
            raise PabulibError(f"section {section.upper()} found where {where}", line)
        if section == "projects":
            self._check_meta(line)
        elif section == "votes":
            self._scale_money()
        sections_seen.append(section)

    # -- headers ----------------------------------------------------------------------

    def _header(self, section: str, row: list[str], line: int) -> list[str]:
        header = [cell.strip() for cell in row]
        duplicates = sorted({name for name in header if header.count(name) > 1})
        if duplicates:
            raise PabulibError(f"{section.upper()} header repeats column {duplicates[0]!r}", line)
        if section == "meta":
            if len(header) != 2:
                raise PabulibError("META header must be 'key;value'", line)
            return header
        required = ("project_id", "cost") if section == "projects" else ("voter_id", "vote")
        if section == "votes" and self.meta["vote_type"] in POINTS_VOTE_TYPES:
            required += ("points",)
        missing = [name for name in required if name not in header]
        if missing:
            raise PabulibError(f"{section.upper()} header lacks column {missing[0]!r}", line)
        return header

    # -- META -------------------------------------------------------------------------

    def _meta_row(self, row: list[str], line: int) -> None:
        key, value = row[0].strip(), row[1].strip()
        if not key:
            raise PabulibError("META row has an empty key", line)
        if key in self.meta_line:
            raise PabulibError(f"META key {key!r} appears twice (first on line {self.meta_line[key]})", line)
        self.meta_line[key] = line
        if not absent(value):
            self.meta[key] = value

    def _check_meta(self, line: int) -> None:
        for key in MANDATORY_META:
            if key not in self.meta:
                raise PabulibError(f"META lacks the mandatory key {key!r}", self.meta_line.get(key, line))
        vote_type = self.meta["vote_type"]
        if vote_type not in VOTE_TYPES:
            raise PabulibError(
                f"unknown vote_type {vote_type!r}; expected one of {', '.join(VOTE_TYPES)}",
                self.meta_line["vote_type"],
            )
        if vote_type == "cumulative" and "max_sum_points" not in self.meta:
            raise PabulibError("META lacks 'max_sum_points', mandatory for cumulative votes", line)
        self.budget = _parse_amount(self.meta["budget"])
        if self.budget is None:
            raise PabulibError(f"budget is not a positive number: {self.meta['budget']!r}", self.meta_line["budget"])
        self.limits: dict[str, int] = {}
        for key in INTEGER_META:
            if key in self.meta:
                try:
                    self.limits[key] = int(self.meta[key])
                except ValueError:
                    message = f"{key} is not a whole number: {self.meta[key]!r}"
                    raise PabulibError(message, self.meta_line[key]) from None

    # -- PROJECTS ---------------------------------------------------------------------

    def _project_row(self, fields: dict[str, str], line: int) -> None:
        project_id = fields["project_id"].strip()
        if absent(project_id):
            raise PabulibError("project_id is empty", line)
        if project_id in self.project_index:
            raise PabulibError(f"project id {project_id!r} appears twice", line)
        cost = _parse_amount(fields["cost"])
        if cost is None:
            raise PabulibError(f"cost of project {project_id!r} is not a positive number: {fields['cost']!r}", line)
        record = {"id": project_id, "cost": cost, "name": None, "categories": (), "targets": (), "extra": {}}
        record["line"] = line
        for column, value in fields.items():
            if column in ("project_id", "cost") or absent(value):
                continue
            if column == "name":
                record["name"] = value.strip()
            elif column in ("category", "categories"):
                record["categories"] = _split_list(value)
            elif column in ("target", "targets"):
                record["targets"] = _split_list(value)
            else:
                record["extra"][column] = value.strip()
        self.project_index[project_id] = len(self.projects)
        self.projects.append(record)

    def _scale_money(self) -> None:
        """Turn decimal amounts into integer minor units, with one scale for the file."""
        decimals = max([_decimals(self.budget)] + [_decimals(p["cost"]) for p in self.projects])
        self.unit = 10**decimals
        self.budget_minor = int(self.budget * self.unit)
        if self.budget_minor > MAX_AMOUNT:
            raise PabulibError("budget is too large", self.meta_line["budget"])
        for project in self.projects:
            project["cost"] = int(project["cost"] * self.unit)
            if project["cost"] > MAX_AMOUNT:
                raise PabulibError(f"cost of project {project['id']!r} is too large", project["line"])

    # -- VOTES ------------------------------------------------------------------------
    # The hot loop of the reader: one row per voter, up to ~130,000 in real files.

    def _read_votes(self, reader, header: list[str]) -> None:
        vote_type = self.meta["vote_type"]
        self.vote_column = header.index("vote")
        self.points_column = header.index("points") if "points" in header else None
        # voter_id first, then the voter columns (age, sex, ...) kept for export. A points
        # column on ordinal ballots is not kept: their points come from the ranking.
        kept = [header.index("voter_id")] + [
            i for i, name in enumerate(header) if name not in ("voter_id", "vote", "points")
        ]
        self.voter_column_names = [header[i] for i in kept[1:]]
        pick = itemgetter(*kept) if len(kept) > 1 else lambda row: (row[kept[0]],)
        if vote_type == "ordinal":
            parse = self._ordinal_ballot
        elif vote_type in POINTS_VOTE_TYPES:
            parse = self._points_ballot
        else:
            parse = self._approval_ballot
        width = len(header)
        for row in reader:
            if len(row) != width:
                if _is_blank(row):
                    continue
                raise PabulibError(_row_shape_message("votes", row, header), reader.line_num)
            line = reader.line_num
            try:
                ballot = parse(row, line)
            except PabulibError:
                raise
            except ValueError as error:
                raise PabulibError(str(error), line) from None
            if self.keep_voters:
                self.voter_cells.append(pick(row))
                self.voter_ballot.append(ballot)
                self.voter_lines.append(line)

    def _chosen(self, row: list[str], line: int) -> list[int]:
        vote = row[self.vote_column]
        names = vote.split(",") if vote and not absent(vote) else []
        try:
            return [self.project_index[name] for name in names]
        except KeyError:
            return [self._project_of(name, line) for name in names]

    def _project_of(self, name: str, line: int) -> int:
        index = self.project_index.get(name.strip())
        if index is None:
            raise PabulibError(f"vote names unknown project {name.strip()!r}", line)
        return index

    def _approval_ballot(self, row: list[str], line: int) -> int:
        chosen = self._chosen(row, line)
        if len(chosen) > 1 and self.meta["vote_type"] == "choose-1":
            raise PabulibError(f"a choose-1 vote names {len(chosen)} projects", line)
        return self.builder.add(chosen)

    def _ordinal_ballot(self, row: list[str], line: int) -> int:
        chosen = self._chosen(row, line)
        if len(chosen) > self.limits.get("max_length", len(chosen)):
            message = f"the ranking has {len(chosen)} projects, over max_length {self.limits['max_length']}"
            raise PabulibError(message, line)
        self.longest_ranking = max(self.longest_ranking, len(chosen))
        # Positions for now; turned into k - position + 1 once k is known.
        return self.builder.add_ranking(chosen)

    def _points_ballot(self, row: list[str], line: int) -> int:
        chosen = self._chosen(row, line)
        return self.builder.add(chosen, self._points(row, len(chosen), line))

    def _points(self, row: list[str], count: int, line: int) -> list[int]:
        text = "" if self.points_column is None else row[self.points_column]
        cells = [] if absent(text) else text.split(",")
        if len(cells) != count:
            raise PabulibError(f"the vote names {count} projects but gives {len(cells)} points", line)
        try:
            points = [int(cell) for cell in cells]
        except ValueError:
            raise PabulibError(f"points must be whole numbers, found {text!r}", line) from None
        if any(p < 0 for p in points):
            raise PabulibError(f"points must not be negative, found {text!r}", line)
        max_points = self.limits.get("max_points")
        if max_points is not None and any(p > max_points for p in points):
            raise PabulibError(f"a project gets more than max_points {max_points}: {text!r}", line)
        max_sum = self.limits.get("max_sum_points")
        if max_sum is not None and sum(points) > max_sum:
            raise PabulibError(f"the vote gives {sum(points)} points, over max_sum_points {max_sum}", line)
        return points

    def _voters(self) -> Voters:
        columns = list(zip(*self.voter_cells)) or [()] * (1 + len(self.voter_column_names))
        ids = [voter_id.strip() for voter_id in columns[0]]
        if len(set(ids)) != len(ids):
            seen: set[str] = set()
            for voter_id, line in zip(ids, self.voter_lines):
                if voter_id in seen:
                    raise PabulibError(f"voter_id {voter_id!r} appears twice", line)
                seen.add(voter_id)
        voter_columns = {}
        for name, raw_values in zip(self.voter_column_names, columns[1:]):
            # One cleaned string per distinct value, shared by all voters who have it.
            cleaned = {raw: None if absent(raw) else raw.strip() for raw in set(raw_values)}
            voter_columns[name] = [cleaned[raw] for raw in raw_values]
        return Voters(ids, np.array(self.voter_ballot, dtype=np.int32), voter_columns)

    # -- result -----------------------------------------------------------------------

    def _instance(self) -> Instance:
        ballots = self.builder.build()
        if self.meta["vote_type"] == "ordinal":
            k = self.limits.get("max_length", self.longest_ranking)
            ballots = Ballots(ballots.indptr, ballots.indices, k + 1 - ballots.points, ballots.multiplicity)
        projects = tuple(
            Project(
                id=p["id"],
                cost=p["cost"],
                name=p["name"],
                categories=p["categories"],
                targets=p["targets"],
                extra=p["extra"],
            )
            for p in self.projects
        )
        voters = self._voters() if self.keep_voters else None
        return Instance(
            budget=self.budget_minor,
            projects=projects,
            vote_type=self.meta["vote_type"],
            ballots=ballots,
            unit=self.unit,
            meta=self.meta,
            voters=voters,
        )


def _row_shape_message(section: str, row: list[str], header: list[str]) -> str:
    marker = _section_marker(row)
    if marker:
        return f"section {marker.upper()} found where the file should end"
    if len(row) == 1 and row[0].strip().replace("_", "").replace("-", "").isalpha():
        return f"unknown section {row[0].strip()!r}; expected META, PROJECTS or VOTES"
    return f"{section.upper()} row has {len(row)} fields but the header has {len(header)}"
