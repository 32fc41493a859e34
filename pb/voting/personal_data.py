"""What participatory budgeting holds about a person: the ideas they proposed (ballots name nobody).

When the account is erased the ideas stay, like proposals, without a link to the person (the account
row is emptied); their pictures stay only without metadata (:func:`keep_pictures_without_metadata`).
"""

from pb.auth.personal_data import iso, register
from pb.extensions import db
from pb.voting.models import Idea
from pb.voting.services.ideas import keep_pictures_without_metadata


def export(user, email):
    ideas = db.session.execute(db.select(Idea).filter_by(author_id=user.id).order_by(Idea.id)).scalars()
    return {
        "ideas": [
            {"idea_id": i.id, "round_id": i.round_id, "district_id": i.district_id, "title": i.title,
             "text": i.text, "location": i.location, "status": str(i.status), "created_at": iso(i.created_at)}
            for i in ideas
        ],
    }


def erase(user, email):
    keep_pictures_without_metadata(user)


register("voting", export, erase)
