from flask import Blueprint

bp = Blueprint("steering", __name__, url_prefix="/steering-groups")

from pb.steering import routes  # noqa: E402,F401
