"""The pure tally engine: ballots, pabulib files and PB counting rules.

Imports only the standard library and NumPy, so it runs the same from the web app, an
RQ job, the command line (``python -m pb.rules``) and the tests.
"""

from .model import Ballots, Instance, Outcome, Project, ProjectResult, Voters, make_instance
from .optimal import InstanceTooLarge
from .pabulib import PabulibError, pabulib_text, read_pabulib, read_pabulib_text, write_pabulib
from .rulebook import RULES, RuleInfo, UnknownRule, available_rules, tally

__all__ = [
    "RULES",
    "Ballots",
    "Instance",
    "InstanceTooLarge",
    "Outcome",
    "PabulibError",
    "Project",
    "ProjectResult",
    "RuleInfo",
    "UnknownRule",
    "Voters",
    "available_rules",
    "make_instance",
    "pabulib_text",
    "read_pabulib",
    "read_pabulib_text",
    "tally",
    "write_pabulib",
]
