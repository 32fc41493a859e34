from flask import Blueprint

bp = Blueprint("public", __name__)

from pb.public import errors, routes  # noqa: E402,F401
