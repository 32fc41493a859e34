"""Result pages (public), open data files, and the staff pages for counting, publishing and live turnout.

``bp`` is defined in ``blueprint``; each view module registers its views on it when imported:
``public`` (result pages and files), ``manage`` (counting and publishing, one budget or all of a
round, each with a confirmation page) and ``turnout`` (staff's live turnout).
"""

from flask_babel import gettext as _

from pb.tally.routes import manage, public, turnout  # noqa: F401  (views register on bp)
from pb.tally.routes.blueprint import bp
from pb.tally.services import published_runs_of_round
from pb.voting.services.phases import register_reopen_blocker

__all__ = ["bp"]


def _published_result(budget_round):
    """Voting may not reopen once a result of the round is out (voting cannot ask the tally itself)."""
    if published_runs_of_round(budget_round):
        return _("A result of this round has been published, so voting cannot be opened again.")
    return None


register_reopen_blocker("tally.published_result", _published_result)
