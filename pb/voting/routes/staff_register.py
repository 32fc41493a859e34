"""Staff pages of a round's population-register extract: import (all or nothing), summary, removal."""

import io

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access
from pb.forms import ConfirmForm
from pb.spreadsheet import writer
from pb.transactions import commit
from pb.voting import services
from pb.voting.forms import RegisterImportForm
from pb.voting.routes.blueprint import bp
from pb.voting.routes.helpers import manage_round
from pb.voting.services import RegisterFileRefused, RoundRuleError


def _register_page(budget_round, form, refused=None, status=200):
    return render_template(
        "voting/register.html", budget_round=budget_round, form=form, refused=refused,
        summary=services.register_summary(budget_round),
    ), status


@bp.route("/manage/<int:round_id>/register", methods=["GET", "POST"])
@access(Access.STAFF)
def register(round_id):
    budget_round = manage_round(round_id)
    form = RegisterImportForm()
    if not form.validate_on_submit():
        return _register_page(budget_round, form, status=422 if form.errors else 200)
    try:
        result = services.import_register(current_user, budget_round, form.text(), code_letters=form.code_letters.data)
    except RegisterFileRefused as refused:
        return _register_page(budget_round, form, refused, 422)
    except RoundRuleError as error:
        form.file.errors.append(str(error))
        return _register_page(budget_round, form, status=409)
    commit()
    if not result.letters:
        flash(_("%(count)s residents were added to the register.", count=result.imported), "success")
        return redirect(url_for("voting.register", round_id=round_id))
    # The only time the letters' codes exist in plain text: for the mailing house, never stored.
    stream = io.StringIO()
    rows = writer(stream, delimiter=";")
    rows.writerow(["henkilötunnus", "äänestyskoodi"])
    rows.writerows(result.letters)
    response = current_app.response_class(stream.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="code-letters-round-{round_id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/manage/<int:round_id>/register/clear", methods=["GET", "POST"])
@access(Access.STAFF)
def clear_register(round_id):
    """A page that says what removing does; its form removes the register."""
    budget_round = manage_round(round_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("voting/confirm_clear_register.html", budget_round=budget_round, form=form,
                               summary=services.register_summary(budget_round))
    try:
        removed = services.clear_register(current_user, budget_round)
    except RoundRuleError as error:
        flash(str(error), "error")
    else:
        commit()
        flash(_("The register was removed (%(count)s residents).", count=removed), "success")
    return redirect(url_for("voting.register", round_id=round_id))
