from flask import Blueprint

bp = Blueprint("districts", __name__, url_prefix="/districts")

from pb.districts import routes  # noqa: E402,F401
