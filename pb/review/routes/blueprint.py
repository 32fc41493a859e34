"""The review blueprint; every module of this package registers its views on it."""

from flask import Blueprint

bp = Blueprint("review", __name__)
