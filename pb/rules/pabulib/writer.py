"""The ``.pb`` writer: an :class:`~pb.rules.model.Instance` as a file that
:func:`~pb.rules.pabulib.read_pabulib` and pabutools read back."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from typing import TextIO

import numpy as np

from ..model import POINTS_VOTE_TYPES, Instance
from .format import COMPUTED_META, MANDATORY_META, absent


def format_amount(minor: int, unit: int) -> str:
    """Minor units as the file writes them: ``12345`` with unit 100 -> ``"123.45"``."""
    if unit == 1:
        return str(minor)
    decimals = len(str(unit)) - 1
    return f"{minor // unit}.{minor % unit:0{decimals}d}"


def write_pabulib(instance: Instance, target: str | os.PathLike | TextIO, *, with_voters: bool = True) -> None:
    """Write ``instance`` as a ``.pb`` file that :func:`read_pabulib` and pabutools read back.

    With ``with_voters`` and voter data present, VOTES has one row per original voter
    (ids and voter columns kept); otherwise voters are numbered 1..n, ballot by ballot.
    ``meta`` must hold pabulib's mandatory keys; counts, budget and vote type are written
    from the instance.
    """
    if isinstance(target, (str, os.PathLike)):
        with open(target, "w", encoding="utf-8", newline="") as stream:
            _write(instance, stream, with_voters)
    else:
        _write(instance, target, with_voters)


def pabulib_text(instance: Instance, *, with_voters: bool = True) -> str:
    stream = io.StringIO(newline="")
    _write(instance, stream, with_voters)
    return stream.getvalue()


def _write(instance: Instance, stream: TextIO, with_voters: bool) -> None:
    missing = [key for key in MANDATORY_META if key not in COMPUTED_META and key not in instance.meta]
    if missing:
        raise ValueError(f"meta lacks pabulib's mandatory keys: {', '.join(missing)}")
    unwritable = [p.id for p in instance.projects if "," in p.id or absent(p.id) or p.id != p.id.strip()]
    if unwritable:
        raise ValueError(f"project id {unwritable[0]!r} cannot be written: votes list ids separated by commas")
    # CRLF, as in most published pabulib files; it also makes csv quote any field that
    # holds a lone carriage return, which would otherwise split the row when read back.
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    ballots = instance.ballots

    meta = dict(instance.meta)
    meta.update(
        num_projects=str(len(instance.projects)),
        num_votes=str(ballots.n_voters),
        budget=format_amount(instance.budget, instance.unit),
        vote_type=instance.vote_type,
    )
    if instance.vote_type == "ordinal" and "max_length" not in meta and len(ballots.points):
        # The first choice's points are k; the reader needs k to give the same points back.
        meta["max_length"] = str(int(ballots.points.max()))
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(meta.items())

    columns = ["project_id", "cost"]
    if any(p.name is not None for p in instance.projects):
        columns.append("name")
    if any(p.categories for p in instance.projects):
        columns.append("category")
    if any(p.targets for p in instance.projects):
        columns.append("target")
    for project in instance.projects:
        columns.extend(key for key in project.extra if key not in columns)
    writer.writerow(["PROJECTS"])
    writer.writerow(columns)
    for project in instance.projects:
        values = {
            "project_id": project.id,
            "cost": format_amount(project.cost, instance.unit),
            "name": project.name or "",
            "category": ",".join(project.categories),
            "target": ",".join(project.targets),
            **project.extra,
        }
        writer.writerow([values.get(column, "") for column in columns])

    writer.writerows(_vote_rows(instance, with_voters))


def _vote_rows(instance: Instance, with_voters: bool) -> Iterator[list[str]]:
    ballots = instance.ballots
    ids = instance.project_ids
    with_points = instance.vote_type in POINTS_VOTE_TYPES
    rendered = []
    for b in range(ballots.n_distinct):
        indices, points = ballots.row(b)
        if instance.vote_type == "ordinal":
            order = np.argsort(-points, kind="stable")
            indices, points = indices[order], points[order]
        cells = [",".join(ids[i] for i in indices)]
        if with_points:
            # An empty ballot's points are written as "None": pabutools reads "" as a number.
            cells.append(",".join(str(int(p)) for p in points) or "None")
        rendered.append(cells)

    voters = instance.voters if with_voters else None
    extra_columns = list(voters.columns) if voters else []
    yield ["VOTES"]
    yield ["voter_id", "vote"] + (["points"] if with_points else []) + extra_columns
    if voters:
        for v, voter_id in enumerate(voters.ids):
            extra = [voters.columns[name][v] or "" for name in extra_columns]
            yield [voter_id] + rendered[voters.ballot[v]] + extra
    else:
        voter_number = 0
        for b in range(ballots.n_distinct):
            for _ in range(int(ballots.multiplicity[b])):
                voter_number += 1
                yield [str(voter_number)] + rendered[b]
