"""Tally: counting a round's ballots in a background job, results with reasons, open data, turnout."""
