"""Public pages: the open data of the proposals sent to a call, once it has closed."""

import json

from flask import Response, abort

from pb.access import Access, access
from pb.proposals import services
from pb.proposals.routes.blueprint import bp
from pb.proposals.routes.common import call_or_404


@bp.route("/call/<int:call_id>/proposals.json")
@access(Access.PUBLIC)
def open_data(call_id):
    """Public fields of the proposals sent to a call, once it has closed (404 before that)."""
    call = call_or_404(call_id)
    data = services.proposals_open_data(call, services.clock())
    if data is None:
        abort(404)
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")

