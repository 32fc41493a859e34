from flask import Blueprint

bp = Blueprint("voting", __name__, url_prefix="/voting")

from pb.voting import routes  # noqa: E402,F401
