"""Impact pages: ``public`` (what the money changed, across the years, and its open data) and ``reach``
(staff: who took part in each stage against the population, and the population figures).

``bp`` is defined in ``blueprint``; each view module registers its views on it when imported.
"""

from pb.impact.routes import public, reach  # noqa: F401  (views register on bp)
from pb.impact.routes.blueprint import bp

__all__ = ["bp"]
