"""What a funded project's public story page tells: where it came from, how it was voted for, the
money, and what has been done since. Nothing that names a private person (an idea's author is not read).
"""

from dataclasses import dataclass

from sqlalchemy import select

from pb.extensions import db
from pb.implementation.models import ProjectImplementation
from pb.tally.reasons import rule_description, rule_name, score_text
from pb.tally.services.pages import published_run, result_lines
from pb.voting.models import Idea, IdeaStatus


@dataclass(frozen=True)
class IdeaOrigin:
    """An idea the project came from: only what the public idea page shows too (no author)."""

    id: int
    title: str
    combined: bool  # merged into the idea that went on the ballot


@dataclass(frozen=True)
class VoteResult:
    budget_cents: int
    ballots: int
    score: int
    score_text: str
    supporters: int
    rule_name: str
    rule_description: str
    reason: str


def ideas_of(project):
    rows = db.session.execute(
        select(Idea.id, Idea.title, Idea.status).where(Idea.project_id == project.id).order_by(Idea.id)
    ).all()
    return [IdeaOrigin(idea_id, title, status is IdeaStatus.MERGED) for idea_id, title, status in rows]


def vote_result(project):
    """How the project did in its budget's published result, or None when no result is published."""
    run = published_run(project.round_budget_id)
    if run is None:
        return None
    line = next((line for line in result_lines(run) if line["id"] == str(project.id)), None)
    if line is None:
        return None
    return VoteResult(
        budget_cents=run.outcome["budget"] * 100 // run.outcome["unit"],
        ballots=run.ballot_count,
        score=line["score"],
        score_text=score_text(line["score"], run.vote_type),
        supporters=line["supporters"],
        rule_name=str(rule_name(run.rule)),
        rule_description=str(rule_description(run.rule)),
        reason=str(line["reason"]),
    )


def spent_share(implementation: ProjectImplementation):
    """Actual cost as a whole percentage of the planned cost, or None when either is unknown."""
    if implementation.actual_cost_cents is None or not implementation.planned_cost_cents:
        return None
    return round(100 * implementation.actual_cost_cents / implementation.planned_cost_cents)
