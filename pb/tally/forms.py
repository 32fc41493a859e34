"""Forms of the staff's counting and publishing pages."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length


class PublishAllForm(FlaskForm):
    """Publishing every counted budget of a round: carries the plan the staff member saw
    (``pb.tally.services.plan_token``), so that a count finished meanwhile is not published unseen."""

    plan = HiddenField(validators=[Length(max=4000)])
