"""The voting blueprint; its views are in the modules of ``pb.voting.routes``."""

from flask import Blueprint

bp = Blueprint("voting", __name__, url_prefix="/voting")
