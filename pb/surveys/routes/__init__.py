"""Survey pages: staff load instruments and run surveys (links, paper answers, results); anyone with a link
answers without an account; anyone reads the group results of a closed survey.

Views are thin: form -> service -> flash/redirect, one commit per request. A refused change is shown next to
the form with what was chosen (422/409), nothing saved.
"""

from pb.surveys.routes import answer, instruments, results, surveys  # noqa: F401  (their views register on bp)
from pb.surveys.routes.blueprint import bp

__all__ = ["bp"]
