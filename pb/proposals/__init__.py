from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/proposals")

from pb.proposals import routes  # noqa: E402,F401
