"""The impact blueprint; the view modules of this package register their views on it."""

from flask import Blueprint

bp = Blueprint("impact", __name__, url_prefix="/impact")
