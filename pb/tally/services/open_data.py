"""Open data: a budget's anonymised ballots as a pabulib file, and a published result as JSON and CSV.

The ``.pb`` file numbers voters 1..n; its META ``inputs_hash`` lets anyone check that the published
count used exactly these ballots (:mod:`pb.tally.services.inputs`). Of the voters it tells at most
their age band and way of voting, and only where every group has at least the secrecy minimum of
voters (combined with the columns already written): otherwise the column is left out and META
``voter_columns_left_out`` says why. Voters are listed by ballot and column values, never in the
order they voted.
"""

import io

import numpy as np
from flask import current_app
from sqlalchemy import select

from pb.extensions import db
from pb.money import plain_euros
from pb.rules import Project as RulesProject
from pb.rules import pabulib_text
from pb.rules.model import Voters
from pb.spreadsheet import Number
from pb.spreadsheet import writer as csv_writer
from pb.tally.reasons import rule_name
from pb.tally.services.inputs import budget_projects, inputs_hash, load_instance, rule_of, vote_type_of
from pb.tally.services.pages import result_lines
from pb.tally.services.secrecy import result_figures
from pb.voting.models import Ballot, BallotFormat
from pb.voting.services.pabulib_import import file_source
from pb.voting.services.turnout import Withheld


def _currency(budget_round):
    """EUR, or the currency of the pabulib file the round was imported from (its amounts are the file's)."""
    source = file_source(budget_round) or {}
    return source.get("meta", {}).get("currency") or "EUR"


def pabulib_meta(budget):
    """pabulib META for a budget's ballots (the mandatory keys and the ballot limits)."""
    budget_round = budget.round
    rule, threshold = rule_of(budget_round)
    closes = budget_round.voting_closes_at
    begins = budget_round.voting_start or (closes.date() if closes else None)
    meta = {
        "description": f"{budget_round.name.get('fi', '')} – {budget.district.name.get('fi') if budget.district else 'koko kaupunki'}",
        "country": "Finland",
        "unit": current_app.config["SITE_NAME"],
        "instance": str(closes.year if closes else budget_round.id),
        "subunit": budget.district.name.get("fi") if budget.district else "",
        "rule": rule,
        "date_begin": begins.strftime("%d.%m.%Y") if begins else "",
        "date_end": closes.strftime("%d.%m.%Y") if closes else "",
        "currency": _currency(budget_round),
        "language": "fi",
    }
    if budget_round.ballot_format is BallotFormat.APPROVAL and budget_round.max_choices:
        meta["max_length"] = str(budget_round.max_choices)
    if budget_round.ballot_format is BallotFormat.KNAPSACK:
        meta["max_sum_cost"] = plain_euros(budget.amount_cents)
    if vote_type_of(budget_round) == "cumulative":
        meta["max_sum_points"] = str(budget_round.points or 0)
    if threshold is not None:
        meta["min_project_score_threshold"] = str(threshold)
    return {key: value for key, value in meta.items() if value != ""}


# VOTES columns that may describe voters, in the order they are considered, and the ballot column each reads.
VOTER_COLUMNS = (("age_band", Ballot.age_band), ("voting_method", Ballot.channel))


def pabulib_export(budget):
    """The budget's ballots as a pabulib ``.pb`` text: voters numbered 1..n, with their age band and way
    of voting only where the secrecy rule allows (see the module docstring).

    META ``inputs_hash`` is the hash of exactly these inputs under the round's rule.
    """
    projects = budget_projects(budget.id)
    instance = load_instance(budget, projects=projects, meta=pabulib_meta(budget), with_ballot_ids=True)
    rule, threshold = rule_of(budget.round)
    instance.meta["inputs_hash"] = inputs_hash(instance, rule, threshold)
    names = {str(project_id): (title or {}).get("fi") or str(project_id) for project_id, _cost, title in projects}
    instance.projects = tuple(
        RulesProject(id=project.id, cost=project.cost, name=names[project.id]) for project in instance.projects
    )
    minimum = current_app.config["BALLOT_SECRECY_MIN_GROUP"]
    instance.voters, left_out = _anonymous_voters(budget, instance, minimum)
    instance.meta["secrecy_min_group"] = str(minimum)
    if left_out:
        instance.meta["voter_columns_left_out"] = (
            f"{', '.join(left_out)}: a group of voters would be smaller than {minimum} (ballot secrecy)"
        )
    return pabulib_text(instance, with_voters=True)


def voter_columns(budget):
    """(columns written, columns left out) of the budget's ballots file, by the secrecy rule of now."""
    instance = load_instance(budget, with_ballot_ids=True)
    voters, left_out = _anonymous_voters(budget, instance, current_app.config["BALLOT_SECRECY_MIN_GROUP"])
    return list(voters.columns), left_out


def _anonymous_voters(budget, instance, minimum):
    """(Voters numbered 1..n in ballot order with the voter columns that keep every group at least
    ``minimum``, the names of the columns left out for secrecy).

    A column is kept only if every combination of its value with the columns kept before it has at
    least ``minimum`` voters; a column that tells nothing (no value known) is left out silently.
    """
    ballot_ids = [int(ballot_id) for ballot_id in instance.voters.ids]
    rows = instance.voters.ballot
    values = _voter_values(budget)
    kept, left_out = [], []
    for name, _column in VOTER_COLUMNS:
        column = [values[ballot_id][name] for ballot_id in ballot_ids]
        if not any(column):
            continue
        groups = {}
        for position, value in enumerate(column):
            key = (*(values[ballot_ids[position]][other] for other in kept), value)
            groups[key] = groups.get(key, 0) + 1
        if minimum and min(groups.values()) < minimum:
            left_out.append(name)
        else:
            kept.append(name)
    # By ballot row, then column values: the order says nothing about when anyone voted.
    order = sorted(
        range(len(ballot_ids)),
        key=lambda v: (int(rows[v]), *(values[ballot_ids[v]][name] for name in kept)),
    )
    voters = Voters(
        ids=[str(number) for number in range(1, len(order) + 1)],
        ballot=np.array([rows[v] for v in order], dtype=np.int64),
        columns={name: [values[ballot_ids[v]][name] or None for v in order] for name in kept},
    )
    return voters, left_out


def _voter_values(budget):
    """{ballot id: {column: text}} of the budget's ballots; "" where not known."""
    rows = db.session.execute(
        select(Ballot.id, *(column for _name, column in VOTER_COLUMNS)).where(Ballot.round_budget_id == budget.id)
    ).all()
    values = {}
    for ballot_id, *columns in rows:
        values[ballot_id] = {
            name: "" if value is None else getattr(value, "value", str(value))
            for (name, _column), value in zip(VOTER_COLUMNS, columns)
        }
    return values


def _data(value):
    return value.as_data() if isinstance(value, Withheld) else value


def _breakdown_data(breakdown):
    return None if breakdown is None else {group: _data(value) for group, value in breakdown.items()}


def _published_turnout_data(turnout):
    """The turnout figures for the JSON file: withheld figures as "<5" or "hidden"."""
    if not turnout:
        return None
    return {
        "ballots": turnout["ballots"],
        "population": turnout["population"],
        "by_channel": _breakdown_data(turnout["by_channel"]),
        "by_age_band": _breakdown_data(turnout["by_age_band"]),
        "self_declared": _data(turnout["self_declared"]),
    }


def results_document(run):
    """The published result as plain data for the JSON download (voter figures under the secrecy rule)."""
    budget = run.budget
    figures = result_figures(run)
    return {
        "round": {"id": budget.round.id, "name": budget.round.name},
        "budget": {
            "id": budget.id,
            "district": budget.district.name if budget.district else None,
            "amount_cents": budget.amount_cents,
        },
        "rule": run.rule,
        "rule_name": rule_name(run.rule),
        "threshold": run.threshold,
        "vote_type": run.vote_type,
        "ballots": run.ballot_count,
        # Of a handful of ballots the check code could be matched against every possible set of ballots.
        "inputs_hash": run.inputs_hash if figures["ballots_published"] else None,
        "software_version": run.software_version,
        "counted_at": run.created_at.isoformat(),
        "published_at": run.published_at.isoformat() if run.published_at else None,
        "turnout": _published_turnout_data(figures["turnout"]),
        "secrecy": {
            "minimum_group": figures["minimum_group"],
            "ballots_published": figures["ballots_published"],
            "note": (
                f"Figures by voter group smaller than {figures['minimum_group']} are given as "
                f"\"<{figures['minimum_group']}\"; \"hidden\" is a figure left out so that a small one cannot be "
                "worked out from the total; a null breakdown: too few ballots to break down. With too few ballots "
                "the ballots file and the check code (inputs_hash) are not published."
            ),
        },
        "projects": [
            {
                "id": line["id"],
                "title": line["title"],
                "cost_cents": line["cost"],
                "score": line["score"],
                "supporters": line["supporters"],
                "selected": line["selected"],
                "reason_kind": line["reason_kind"],
                "reason": line["reason"],
            }
            for line in result_lines(run)
        ],
        "outcome": run.outcome,
    }


CSV_COLUMNS = (
    "project_id", "title_fi", "cost_eur", "score", "supporters", "selected", "reason", "rule", "inputs_hash",
    "ballots", "self_declared_ballots",
)


def results_csv(run):
    """One row per project; ``self_declared_ballots`` under the secrecy rule ("<5" when too few)."""
    figures = result_figures(run)
    turnout = figures["turnout"]
    self_declared = turnout.get("self_declared") if turnout else None
    check_code = run.inputs_hash if figures["ballots_published"] else ""
    stream = io.StringIO(newline="")
    writer = csv_writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for line in result_lines(run):
        writer.writerow(
            [
                line["id"],
                line["title"].get("fi", ""),
                Number(plain_euros(line["cost"])),
                line["score"],
                line["supporters"],
                1 if line["selected"] else 0,
                line["reason"],
                run.rule,
                check_code,
                run.ballot_count,
                "" if self_declared is None else _data(self_declared),
            ]
        )
    return stream.getvalue()
