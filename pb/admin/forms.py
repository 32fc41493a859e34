"""Forms of the staff pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField
from wtforms.validators import Length, Optional

from pb.forms import strip


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("Name or email contains"), filters=[strip], validators=[Optional(), Length(max=254)])
