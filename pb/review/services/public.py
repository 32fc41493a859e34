"""The public decisions of a call, on the page and as open data (CSV and JSON).

Only decisions the applicant has been told are shown. Organisations are named; an informal group
that is not registered here is shown by its kind only, and no person is ever named.
"""

import io

from flask import url_for

from pb import spreadsheet
from pb.extensions import db
from pb.money import plain_euros
from pb.proposals.models import Proposal


def published(call):
    """The call's proposals whose final decision is published, funded first, then by title."""
    query = db.select(Proposal).where(
        Proposal.call_id == call.id, Proposal.decision_outcome.is_not(None), Proposal.decision_published_at.is_not(None)
    )
    rows = [p for p in db.session.execute(query).scalars() if p.decision_outcome.is_final]
    return sorted(rows, key=lambda p: (not p.decision_outcome.is_funded, p.title.lower(), p.id))


def applicant_label(proposal):
    if proposal.organisation is not None:
        return proposal.organisation.name
    return str(proposal.kind.label) if proposal.kind is not None else ""


def open_data(call):
    items = []
    for proposal in published(call):
        items.append({
            "proposal_id": proposal.id,
            "title": proposal.title,
            "applicant": applicant_label(proposal),
            "applicant_kind": proposal.kind.value if proposal.kind is not None else None,
            "decision": proposal.decision_outcome.value,
            "currency": "EUR",
            "requested_cents": proposal.latest_version.snapshot["requested_cents"],
            "granted_cents": proposal.granted_cents,
            "conditions": proposal.decision_conditions,
            "reasons": proposal.decision_reasons,
            "decided_at": proposal.decision_published_at.isoformat(),
        })
    return {
        "call_id": call.id,
        "call": call.title,
        "url": url_for("review.public_decisions", call_id=call.id, _external=True),
        "total_budget_cents": call.total_budget_cents,
        "granted_total_cents": sum(item["granted_cents"] or 0 for item in items),
        "decisions": items,
    }


CSV_COLUMNS = ("proposal_id", "title", "applicant", "applicant_kind", "decision", "requested_eur", "granted_eur",
               "conditions", "reasons", "decided_at")


def open_data_csv(call):
    stream = io.StringIO()
    writer = spreadsheet.DictWriter(stream, CSV_COLUMNS)
    writer.writeheader()
    for item in open_data(call)["decisions"]:
        writer.writerow({
            **{name: item[name] for name in ("proposal_id", "title", "applicant", "applicant_kind", "decision",
                                             "conditions", "reasons", "decided_at")},
            "requested_eur": spreadsheet.Number(plain_euros(item["requested_cents"])),
            "granted_eur": spreadsheet.Number(plain_euros(item["granted_cents"])) if item["granted_cents"] is not None else "",
        })
    return stream.getvalue()
