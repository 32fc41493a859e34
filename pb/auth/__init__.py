from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from pb.auth import routes  # noqa: E402,F401  (routes register on bp)
