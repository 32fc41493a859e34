"""What funding calls hold about a person: their public comments on calls."""

from pb.auth.personal_data import iso, register
from pb.calls.models import CallComment
from pb.extensions import db


def export(user, email):
    comments = db.session.execute(
        db.select(CallComment).filter_by(author_id=user.id).order_by(CallComment.id)
    ).scalars()
    return {
        "call_comments": [
            {"call_id": c.call_id, "answer_to": c.parent_id, "body": c.body, "at": iso(c.created_at)}
            for c in comments
        ],
    }


register("calls", export)
