"""Proposal pages: "My applications", the multi-step form, preview and submit, versions,
co-applicants, claiming an assisted proposal; and for staff: assisted submission,
screening and the downloads. Open data of proposals after a call closes is public.

Views are thin: form -> service -> flash/redirect, one commit per request. Time comes
from ``services.clock()`` (the server's clock; tests replace it), passed on to every service.
"""

from pb.proposals.routes.blueprint import bp
from pb.proposals.routes import (  # noqa: F401  (their views register on bp)
    applicant,
    assisted,
    coapplicants,
    public,
    staff,
    steps,
)

__all__ = ["bp"]
