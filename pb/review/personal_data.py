"""What the review holds about a person: their conflict declarations and reviews as a steering-group
member, and the staff assignments naming them.

Erasing removes assignments and unsent review drafts. Submitted reviews and declarations stay:
they are part of the record of a public decision (the minutes list them) and are kept as such.
"""

from pb.auth.personal_data import iso, register
from pb.extensions import db
from pb.review.models import ConflictDeclaration, Review, ReviewAssignment, ReviewStatus


def export(user, email):
    declarations = db.session.execute(
        db.select(ConflictDeclaration).filter_by(user_id=user.id).order_by(ConflictDeclaration.id)
    ).scalars().all()
    reviews = db.session.execute(db.select(Review).filter_by(reviewer_id=user.id).order_by(Review.id)).scalars().all()
    return {
        "review_conflict_declarations": [
            {"proposal_id": row.proposal_id, "conflict": row.has_conflict, "reason": row.reason,
             "automatic": row.automatic, "declared_at": iso(row.created_at), "override_reason": row.override_reason}
            for row in declarations
        ],
        "reviews": [
            {"proposal_id": review.proposal_id, "status": review.status.value, "version": review.version_number,
             "recommendation": review.recommendation.value if review.recommendation else None,
             "comment": review.comment, "submitted_at": iso(review.submitted_at),
             "scores": [{"criterion_id": s.criterion_id, "points": s.points, "comment": s.comment} for s in review.scores],
             "history": review.history}
            for review in reviews
        ],
    }


def erase(user, email):
    db.session.execute(db.delete(ReviewAssignment).where(ReviewAssignment.user_id == user.id))
    for draft in db.session.execute(
        db.select(Review).filter_by(reviewer_id=user.id, status=ReviewStatus.DRAFT)
    ).scalars():
        db.session.delete(draft)


register("review", export, erase)
