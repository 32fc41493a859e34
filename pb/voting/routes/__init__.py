"""PB round pages: the public round and ideas, voting (account, code, receipt), staff pages under /voting/manage/.

``bp`` is defined in ``blueprint``; each view module registers its views on it when imported.
"""

from pb.voting.routes import public, staff, staff_channels, staff_ideas, voter  # noqa: F401  (views register on bp)
from pb.voting.routes.blueprint import bp

__all__ = ["bp"]
