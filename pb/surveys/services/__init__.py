"""Surveys, by subject:

- :mod:`~pb.surveys.services.instruments`: instrument files checked and loaded, retired; their wording locked;
- :mod:`~pb.surveys.services.surveys`: surveys for an agreement or a round, opening and closing, answer links;
- :mod:`~pb.surveys.services.answers`: scoring, one anonymous answer per link, paper answers;
- :mod:`~pb.surveys.services.results`: group results under the small-group rule, and their exports;
- :mod:`~pb.surveys.services.statistics`: means, confidence intervals and Welch's difference;
- :mod:`~pb.surveys.services.summary`: the interface the impact pages and the reach dashboard read.

Services flush and never commit; views commit (pb.transactions).
"""
