"""Tally: counting a round's ballots in a background job, results with reasons, open data, turnout."""

from flask import Blueprint

bp = Blueprint("tally", __name__, url_prefix="/results")

from pb.tally import routes  # noqa: E402,F401
