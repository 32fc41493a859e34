from flask import Blueprint

bp = Blueprint("calls", __name__, url_prefix="/calls")

from pb.calls import routes  # noqa: E402,F401
