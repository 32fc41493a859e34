"""Districts (alue, suurpiiri): neighbourhoods with a population and postal codes."""
