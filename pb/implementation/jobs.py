"""Mail to a project's followers about a new update (queued after the commit, one job per update).

Each follower gets the update in their own language, with a link to the story page and a signed
link that stops the mail without signing in. Followers whose account is closed or unconfirmed are skipped.
"""

from flask_babel import gettext as _

from pb.extensions import db
from pb.i18n import localized
from pb.implementation.models import ImplementationUpdate
from pb.implementation.services.following import unfollow_token
from pb.mail import external_url, send_localized_mail
from pb.transactions import commit


def mail_followers(update_id):
    update = db.session.get(ImplementationUpdate, update_id)
    if update is None:
        return
    implementation = update.implementation
    title = implementation.project.title
    story = external_url("implementation.story", funded_project_id=implementation.project_id)
    for follower in implementation.followers:
        user = follower.user
        if not (user.is_active and user.is_verified and user.email):
            continue
        unfollow_link = external_url("implementation.unfollow_link", token=unfollow_token(user, implementation))
        send_localized_mail(
            user.locale,
            user.email,
            lambda: _("New update: %(project)s", project=localized(title)),
            lambda: _("There is news about the project \"%(project)s\", which you follow:", project=localized(title)),
            lambda: localized(update.text),
            lambda: _("Read the whole story of the project: %(link)s", link=story),
            lambda link=unfollow_link: _(
                "You get this mail because you follow the project. To stop these mails, open this link: %(link)s",
                link=link,
            ),
        )
    commit()
