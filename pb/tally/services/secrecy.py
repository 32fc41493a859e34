"""Ballot secrecy in the tally's pages and files (the rule itself: :mod:`pb.voting.services.turnout`).

- A budget with fewer ballots than ``BALLOT_SECRECY_MIN_GROUP`` publishes its totals (the project
  results) but not its ballots one by one: its ``ballots.pb`` answers 404, and its pages say why.
- The anonymised ballots are open data only with the budget's published result; before that only
  staff see them (and, for a small budget, only auditors).
- Figures by voter attribute (channel, age band, self-declared voters) follow the minimum group rule
  on public pages and files always, and on staff previews for everyone but auditors.
"""

from sqlalchemy import func, select

from pb.extensions import db
from pb.tally.services.pages import published_run
from pb.tally.services.publishing import can_start_tally
from pb.voting.models import Ballot
from pb.voting.services.turnout import published_turnout, secrecy_minimum, too_few


def ballot_count(budget):
    return db.session.scalar(select(func.count(Ballot.id)).where(Ballot.round_budget_id == budget.id))


def ballots_withheld(count, minimum):
    """Whether ``count`` ballots are too few to publish one by one (they could show how someone voted)."""
    return too_few(count, minimum)


def ballots_file_open_to(budget, user):
    """Whether ``user`` may download the budget's anonymised ballots file now.

    Only after voting has closed; then for everyone once the result is published, for staff before
    that; never, but for staff who are auditors, when the budget has fewer ballots than the secrecy minimum.
    """
    if not can_start_tally(budget):
        return False
    staff = budget.round.can_manage(user)
    if published_run(budget.id) is None and not staff:
        return False
    minimum = secrecy_minimum(user if staff else None)
    return not ballots_withheld(ballot_count(budget), minimum)


def result_figures(run, viewer=None):
    """What a result page shows about who voted, under the secrecy rule for ``viewer``.

    ``viewer=None`` is the public (pages and files). ``ballots_published``: whether the ballots
    are published one by one.
    """
    minimum = secrecy_minimum(viewer)
    return {
        "turnout": published_turnout(run.details.get("turnout") or {}, minimum),
        "minimum_group": minimum,
        "ballots_published": not ballots_withheld(run.ballot_count, minimum),
    }
