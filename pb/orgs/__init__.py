from flask import Blueprint

bp = Blueprint("orgs", __name__, url_prefix="/organisations")

from pb.orgs import routes  # noqa: E402,F401
