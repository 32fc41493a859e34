"""The tally blueprint and what its view modules share."""

from flask import Blueprint
from flask_babel import gettext as _

from pb.voting.models import AGE_BANDS, Channel
from pb.voting.services.turnout import UNKNOWN_AGE

bp = Blueprint("tally", __name__, url_prefix="/results")

CHANNEL_LABELS = dict(Channel.choices())
REFRESH_SECONDS = 30


def age_labels():
    labels = {label: label for label, _low, _high in AGE_BANDS}
    labels[UNKNOWN_AGE] = _("Not known")
    return labels
