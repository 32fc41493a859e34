"""Demo population figures (called from pb.demo): residents of each demo district by age band, this year and last,
so that the reach dashboard shows shares of residents and names the least-reached groups."""

from pb.forms import HELSINKI
from pb.impact.services.population import BANDS, districts, save_figures
from pb.models_base import utcnow

# Roughly the age structure of a Finnish city: the share of all residents in each band (under 12s are not in any).
BAND_SHARES = {"12-17": 0.06, "18-29": 0.17, "30-44": 0.21, "45-64": 0.24, "65+": 0.21}


def seed_impact_demo(staff):
    """Figures for every district with a population, for this year and last (last year's 1 % smaller)."""
    this_year = utcnow().astimezone(HELSINKI).year
    for year, factor in ((this_year - 1, 0.99), (this_year, 1.0)):
        values = {
            (district.id, band): round(district.population * BAND_SHARES[band] * factor)
            for district in districts()
            if district.population
            for band in BANDS
        }
        save_figures(staff, year, values)
