"""The agreements blueprint; every module of this package registers its views on it."""

from flask import Blueprint, abort
from flask_login import current_user

from pb.access import require
from pb.agreements.models import Agreement, IndicatorKind, Report, Reporter
from pb.agreements.services.common import from_iso
from pb.extensions import db

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


def agreement_or_404(agreement_id):
    """The agreement if it exists; 403 for a person who does not take part in it."""
    agreement = db.get_or_404(Agreement, agreement_id)
    require(agreement.can_view(current_user))
    return agreement


def report_or_404(report_id):
    report = db.get_or_404(Report, report_id)
    require(report.can_view(current_user))
    return report


def not_found_unless(condition):
    if not condition:
        abort(404)


@bp.context_processor
def labels():
    return {"from_iso": from_iso, "kind_labels": {kind.value: kind.label for kind in IndicatorKind},
            "reporter_labels": {reporter.value: reporter.label for reporter in Reporter}}
