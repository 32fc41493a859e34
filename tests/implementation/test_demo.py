"""The demo has two PB projects in implementation, with updates (one with a photo) and a follower."""

from pb.demo import seed_demo
from pb.extensions import db
from pb.implementation.models import ImplementationUpdate, ProjectFollower, ProjectImplementation


def test_the_demo_has_two_projects_in_implementation_one_late_and_one_followed(app, client):
    assert seed_demo(app.config["DEMO_PASSWORD"])
    records = db.session.execute(db.select(ProjectImplementation)).scalars().all()
    with_updates = [record for record in records if record.updates]
    assert len(with_updates) == 2
    assert sum(1 for record in with_updates if record.is_late()) == 1
    assert db.session.scalar(db.select(db.func.count(ProjectFollower.id))) == 1
    photo = db.session.execute(
        db.select(ImplementationUpdate).where(ImplementationUpdate.photo_stored_name.is_not(None))
    ).scalar_one()
    assert photo.photo_alt["fi"]
    story = client.get(f"/implementation/projects/{photo.implementation.project_id}")
    assert story.status_code == 200
    picture = client.get(f"/implementation/updates/{photo.id}/photo")
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    picture.close()
