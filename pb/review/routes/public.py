"""The public decisions of a call with their reasons, and the same as open data (JSON and CSV)."""

import json

from flask import Response, abort, render_template

from pb.access import Access, access
from pb.calls.models import FundingCall
from pb.extensions import db
from pb.review.routes.blueprint import bp
from pb.review.routes.common import download
from pb.review.services import public


def _public_call_or_404(call_id):
    call = db.get_or_404(FundingCall, call_id)
    if not call.is_public:
        abort(404)
    return call


@bp.route("/decisions/calls/<int:call_id>")
@access(Access.PUBLIC)
def public_decisions(call_id):
    call = _public_call_or_404(call_id)
    proposals = public.published(call)
    return render_template(
        "review/public.html",
        call=call,
        funded=[p for p in proposals if p.decision_outcome.is_funded],
        rejected=[p for p in proposals if not p.decision_outcome.is_funded],
        applicant_label=public.applicant_label,
        granted_total=sum(p.granted_cents or 0 for p in proposals),
    )


@bp.route("/decisions/calls/<int:call_id>.json")
@access(Access.PUBLIC)
def public_decisions_json(call_id):
    call = _public_call_or_404(call_id)
    return Response(json.dumps(public.open_data(call), ensure_ascii=False, indent=2), mimetype="application/json")


@bp.route("/decisions/calls/<int:call_id>.csv")
@access(Access.PUBLIC)
def public_decisions_csv(call_id):
    call = _public_call_or_404(call_id)
    return download(public.open_data_csv(call), "text/csv; charset=utf-8", f"call-{call.id}-decisions.csv")
