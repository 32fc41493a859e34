"""Staff's survey overview and instrument views: load a file, read an instrument, retire it; every attempt to
edit a loaded instrument's item is refused."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pb.access import Access, access
from pb.forms import ConfirmForm
from pb.surveys.forms import InstrumentUploadForm
from pb.surveys.models import InstrumentLocked
from pb.surveys.routes.blueprint import bp, instrument_or_404, not_found_unless
from pb.surveys.services import instruments as services
from pb.surveys.services import surveys as survey_services
from pb.transactions import commit


@bp.route("/")
@access(Access.STAFF)
def index():
    return render_template("surveys/index.html", instruments=services.all_instruments(),
                           surveys=survey_services.all_surveys(), answer_count=survey_services.answer_count)


@bp.route("/instruments/new", methods=["GET", "POST"])
@access(Access.STAFF)
def upload_instrument():
    form = InstrumentUploadForm()
    if request.method == "GET":
        return render_template("surveys/instrument_upload.html", form=form, problems=[])
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors = [_("Choose the instrument file.")]
        else:
            raw = upload.stream.read(services.MAX_FILE_BYTES + 1)
            try:
                instrument = services.load_instrument(current_user, raw, form.source_note.data)
            except services.InstrumentRefused as error:
                problems = error.messages
                form.file.errors = [_("The file was not loaded: %(count)s problems, listed above. Choose the file "
                                      "again after fixing them.", count=len(problems))]
            else:
                commit()
                flash(_("The instrument was loaded. Its wording is now locked."), "success")
                return redirect(url_for("surveys.instrument", instrument_id=instrument.id))
    elif form.file.data is None or not getattr(form.file.data, "filename", ""):
        form.file.errors = [_("Choose the instrument file.")]
    return render_template("surveys/instrument_upload.html", form=form, problems=problems), 422


@bp.route("/instruments/<int:instrument_id>")
@access(Access.STAFF)
def instrument(instrument_id):
    row = instrument_or_404(instrument_id)
    return render_template("surveys/instrument.html", instrument=row)


@bp.route("/instruments/<int:instrument_id>/items/<item_key>/edit", methods=["GET", "POST"])
@access(Access.STAFF)
def edit_item(instrument_id, item_key):
    """Where an edit of an item would go: the page says why it cannot be done; a POST is refused (409)."""
    row = instrument_or_404(instrument_id)
    item = row.item(item_key)
    not_found_unless(item is not None)
    message = str(InstrumentLocked())
    if request.method == "POST":
        try:
            services.change_item(current_user, row, item_key, request.form.get("text"))
        except InstrumentLocked as error:
            message = str(error)
        return render_template("surveys/item_locked.html", instrument=row, item=item, message=message), 409
    return render_template("surveys/item_locked.html", instrument=row, item=item, message=message)


@bp.route("/instruments/<int:instrument_id>/retire", methods=["GET", "POST"])
@access(Access.STAFF)
def retire_instrument(instrument_id):
    row = instrument_or_404(instrument_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if services.retire(current_user, row):
            commit()
            flash(_("The instrument is retired: no new surveys can use it. Its surveys and answers stay."), "success")
        else:
            flash(_("The instrument was already retired."), "info")
        return redirect(url_for("surveys.instrument", instrument_id=row.id))
    return render_template(
        "surveys/confirm.html", form=form, title=_("Retire the instrument %(name)s?", name=row.display_name),
        explanation=_("No new survey can use a retired instrument. Surveys that already use it keep it, and their "
                      "answers and results stay. Retiring cannot be undone."),
        button=_("Retire the instrument"), cancel=url_for("surveys.instrument", instrument_id=row.id))
