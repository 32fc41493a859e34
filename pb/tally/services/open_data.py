"""Open data: a budget's anonymised ballots as a pabulib file, and a published result as JSON and CSV.

The ``.pb`` file numbers voters 1..n and says nothing else about them; its META
``inputs_hash`` lets anyone check that the published count used exactly these ballots
(:mod:`pb.tally.services.inputs`).
"""

import io

from flask import current_app

from pb.money import plain_euros
from pb.rules import Project as RulesProject
from pb.rules import pabulib_text
from pb.spreadsheet import Number
from pb.spreadsheet import writer as csv_writer
from pb.tally.reasons import rule_name
from pb.tally.services.inputs import budget_projects, inputs_hash, load_instance, rule_of, vote_type_of
from pb.tally.services.pages import result_lines
from pb.voting.models import BallotFormat
from pb.voting.services.pabulib_import import file_source


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


def pabulib_export(budget):
    """The budget's ballots as a pabulib ``.pb`` text: voters numbered 1..n, nothing else about them.

    META ``inputs_hash`` is the hash of exactly these inputs under the round's rule.
    """
    projects = budget_projects(budget.id)
    instance = load_instance(budget, projects=projects, meta=pabulib_meta(budget))
    rule, threshold = rule_of(budget.round)
    instance.meta["inputs_hash"] = inputs_hash(instance, rule, threshold)
    names = {str(project_id): (title or {}).get("fi") or str(project_id) for project_id, _cost, title in projects}
    instance.projects = tuple(
        RulesProject(id=project.id, cost=project.cost, name=names[project.id]) for project in instance.projects
    )
    return pabulib_text(instance, with_voters=False)


def results_document(run):
    """The published result as plain data for the JSON download."""
    budget = run.budget
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
        "inputs_hash": run.inputs_hash,
        "software_version": run.software_version,
        "counted_at": run.created_at.isoformat(),
        "published_at": run.published_at.isoformat() if run.published_at else None,
        "turnout": run.details.get("turnout"),
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


CSV_COLUMNS = ("project_id", "title_fi", "cost_eur", "score", "supporters", "selected", "reason", "rule", "inputs_hash")


def results_csv(run):
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
                run.inputs_hash,
            ]
        )
    return stream.getvalue()
