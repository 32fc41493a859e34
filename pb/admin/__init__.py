from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/staff")

from pb.admin import routes  # noqa: E402,F401
