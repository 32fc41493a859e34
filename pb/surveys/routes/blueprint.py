"""The surveys blueprint; every module of this package registers its views on it."""

from flask import Blueprint, abort

from pb.extensions import db
from pb.surveys.models import Survey, SurveyInstrument
from pb.surveys.services.results import band_label, dimension_label

bp = Blueprint("surveys", __name__, url_prefix="/surveys")


def survey_or_404(survey_id):
    return db.get_or_404(Survey, survey_id)


def instrument_or_404(instrument_id):
    return db.get_or_404(SurveyInstrument, instrument_id)


def not_found_unless(condition):
    if not condition:
        abort(404)


@bp.context_processor
def helpers():
    return {"band_label": band_label, "dimension_label": dimension_label}
