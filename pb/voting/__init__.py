"""Participatory-budgeting rounds: ideas, projects, eligibility and ballots on every channel.

``models`` (a package by subject), ``services`` (a package by subject, re-exporting its public
names), ``codes`` (voter keys and code hashes), ``forms``; the pages are in ``routes``, whose
blueprint is ``pb.voting.routes.bp``.
"""
