"""The proposals blueprint; every module of this package registers its views on it."""

from flask import Blueprint

bp = Blueprint("proposals", __name__, url_prefix="/proposals")
