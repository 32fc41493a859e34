"""Agreement pages: staff drafting and overview, both sides' acceptance, instalments, reports with their
thread and the printable form, and the public story page of a funded proposal.

Views are thin: form -> service -> flash/redirect, one commit per request. A refused change is shown
next to the form with what was typed (422/409), nothing saved.
"""

from pb.agreements.routes import agreements, public, reports  # noqa: F401  (their views register on bp)
from pb.agreements.routes.blueprint import bp

__all__ = ["bp"]
