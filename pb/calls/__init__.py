"""Partnership-funding calls (kumppanuusrahoitushaku): budget, dates, eligible applicants, weighted criteria."""
