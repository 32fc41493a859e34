from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")

from pb.audit import routes  # noqa: E402,F401
