"""Error pages in the user's language; never a bare traceback."""

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from pb.errors import DomainError
from pb.extensions import db

ERRORS = {
    400: (_l("The request could not be handled"), _l("Something in the request was not valid. Go back and try again.")),
    403: (_l("You do not have access to this page"), _l("Your account does not have the rights needed for this page.")),
    404: (_l("Page not found"), _l("The address may be mistyped, or the page has been removed.")),
    405: (_l("This action is not possible here"), _l("Go back and use the buttons on the page.")),
    413: (_l("The file or form is too large"), _l("Make the file smaller or shorter and try again. Nothing was saved.")),
    429: (_l("Too many attempts"), _l("Wait a moment and try again. This protects your account.")),
    500: (_l("Something went wrong on our side"), _l("Your action was not completed. Please try again later.")),
}


def render_error(code, explanation=None):
    title, default_explanation = ERRORS[code]
    return render_template("errors/error.html", code=code, title=title, explanation=explanation or default_explanation), code


def csrf_error(error):
    return render_error(
        400,
        _l("The form had expired or was sent from somewhere else. Go back, reload the page and send the form again."),
    )


def domain_error(error):
    """A refusal that no view turned into a message on its own page: its text, with its status."""
    db.session.rollback()
    code = error.status if error.status in ERRORS else 400
    title, _default = ERRORS[code]
    return render_template("errors/error.html", code=code, title=title, explanation=str(error)), error.status


def _handler(code):
    def handler(error):
        if code == 500:
            db.session.rollback()
        return render_error(code)

    return handler


def init_app(app):
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(DomainError, domain_error)
    for code in ERRORS:
        app.register_error_handler(code, _handler(code))
