"""Funding agreements, by subject:

- :mod:`~pb.agreements.services.drafting`: the agreement drafted from the approved proposal, its terms,
  report schedule, indicators and planned instalments (the working copy);
- :mod:`~pb.agreements.services.versions`: versions sent for acceptance, both sides' acceptance;
- :mod:`~pb.agreements.services.reports`: filling, sending, returning and accepting reports;
- :mod:`~pb.agreements.services.payments`: releasing or holding instalments, closing, overview, export;
- :mod:`~pb.agreements.services.story`: the public story page of a funded proposal.

Services flush and never commit; views commit (pb.transactions).
"""
