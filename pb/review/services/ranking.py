"""The ranking table of a call and its CSV export, from the pure maths in :mod:`pb.review.scoring`.

A reviewer sees a proposal's figures only after submitting their own review of it (blind until
then), and never a row of a proposal they are recused from.
"""

import io
from dataclasses import dataclass

from pb import spreadsheet
from pb.money import plain_euros
from pb.review import scoring
from pb.review.services.common import REVIEW_STATUSES, declarations, is_recused, reviewable_proposals
from pb.review.services.reviews import can_read_others, reviews_of


def criteria_specs(call):
    return [scoring.CriterionSpec(c.id, c.weight, c.scale_max) for c in call.criteria]


def figures_for(proposal, specs, recusals):
    reviews = reviews_of(proposal)
    return scoring.ProposalFigures(
        proposal_id=proposal.id,
        requested_cents=proposal.latest_version.snapshot["requested_cents"],
        scores=[scoring.weighted_score(specs, review.answers()) for review in reviews],
        recusals=recusals,
    )


@dataclass(frozen=True)
class RankingRow:
    proposal: object
    row: scoring.RankedRow
    hidden: bool  # the viewer has not submitted their own review yet

    @property
    def figures(self):
        return self.row.figures


def ranking(call, viewer=None):
    """Rows the viewer may see, in ranking order (every row, nothing hidden, without a viewer)."""
    if call.effective_status() not in REVIEW_STATUSES:
        return []
    proposals = [p for p in reviewable_proposals(call) if viewer is None or not is_recused(p, viewer)]
    specs = criteria_specs(call)
    recusals = {}
    for row in declarations([p.id for p in proposals]):
        if row.recused:
            recusals[row.proposal_id] = recusals.get(row.proposal_id, 0) + 1
    by_id = {p.id: p for p in proposals}
    figures = [figures_for(p, specs, recusals.get(p.id, 0)) for p in proposals]
    rows = scoring.rank(figures, call.total_budget_cents)
    return [
        RankingRow(
            by_id[row.figures.proposal_id],
            row,
            viewer is not None and not can_read_others(by_id[row.figures.proposal_id], viewer),
        )
        for row in rows
    ]


CSV_COLUMNS = (
    "rank", "proposal_id", "title", "applicant", "version", "requested_eur", "weighted_mean", "spread",
    "large_disagreement", "reviews", "recusals", "running_total_eur", "fits_budget",
)


def ranking_csv(call, viewer):
    stream = io.StringIO()
    writer = spreadsheet.DictWriter(stream, CSV_COLUMNS)
    writer.writeheader()
    for item in ranking(call, viewer):
        figures = item.figures
        snapshot = item.proposal.latest_version.snapshot
        writer.writerow({
            "rank": item.row.rank,
            "proposal_id": item.proposal.id,
            "title": snapshot["title"],
            "applicant": snapshot["applicant_name"],
            "version": item.proposal.latest_version.number,
            "requested_eur": spreadsheet.Number(plain_euros(figures.requested_cents)),
            "weighted_mean": "" if item.hidden else _number(figures.mean),
            "spread": "" if item.hidden else _number(figures.spread),
            "large_disagreement": "" if item.hidden else ("yes" if figures.disagreement else "no"),
            "reviews": figures.reviews,
            "recusals": figures.recusals,
            "running_total_eur": spreadsheet.Number(plain_euros(item.row.running_total_cents)),
            "fits_budget": "yes" if item.row.fits_budget else "no",
        })
    return stream.getvalue()


def _number(value):
    rounded = scoring.rounded(value)
    return "" if rounded is None else spreadsheet.Number(f"{rounded:.1f}")
