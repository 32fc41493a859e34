"""Review pages: reviewers' work (declarations, scoring, packs), staff's overview, the ranking,
meetings with decisions and minutes, and the public decision pages with their open data.

Views are thin: form -> service -> flash/redirect, one commit per request. A refused change is
rolled back, audited as an attempt, and shown next to the form with what was typed.
"""

from pb.review.routes import meetings, public, reviewing  # noqa: F401  (their views register on bp)
from pb.review.routes.blueprint import bp

__all__ = ["bp"]
