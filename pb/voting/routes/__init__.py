"""PB round pages: the public round and ideas, voting (account, code, receipt), staff pages under /voting/manage/.

``bp`` is defined in ``blueprint``; each view module registers its views on it when imported.
"""

from pb.voting.routes import (  # noqa: F401  (views register on bp)
    public,
    staff,
    staff_channels,
    staff_ideas,
    staff_register,
    voter,
)
from pb.voting.routes.blueprint import bp

__all__ = ["bp"]
