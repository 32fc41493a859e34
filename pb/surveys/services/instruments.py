"""Instrument files: reading and checking one (the format is docs/survey-instruments.md), loading it, retiring
it, and refusing every change to its wording.

A file is checked as a whole and every problem is named (the item, the field, the language), so staff can
fix the file in one go; nothing is stored unless the whole file is valid.
"""

import hashlib
import json
from pathlib import Path

from flask_babel import gettext as _

from pb.audit.services import record
from pb.errors import DomainError
from pb.extensions import db
from pb.i18n import LANGUAGE_LABELS, localized
from pb.models_base import utcnow
from pb.surveys.models import InstrumentLocked, SurveyInstrument

FORMAT = "pb-survey-instrument/1"
LANGUAGES = ("fi", "sv", "en")
MAX_FILE_BYTES = 256 * 1024
MAX_ITEMS = 100
MAX_SCALE_VALUES = 11
MAX_TEXT = 1000
SHIPPED = Path(__file__).resolve().parents[1] / "instruments"
TEST_INSTRUMENT = SHIPPED / "pb-test-feeling-included.json"


class InstrumentRefused(DomainError):
    """The file is not a valid instrument; ``messages`` name every problem. Nothing was stored."""

    status = 422


def _translations(value, where, problems, max_length=MAX_TEXT):
    """A fi/sv/en dict with every language present; problems are added naming ``where`` and the language."""
    if not isinstance(value, dict):
        problems.append(_("%(where)s: give the text as an object with the languages fi, sv and en.", where=where))
        return {}
    text = {}
    for code in LANGUAGES:
        found = value.get(code)
        if not isinstance(found, str) or not found.strip():
            problems.append(_("%(where)s: the text in %(language)s (%(code)s) is missing.", where=where,
                              language=_language(code), code=code))
        elif len(found) > max_length:
            problems.append(_("%(where)s: the text in %(language)s is longer than %(max)s characters.", where=where,
                              language=_language(code), max=max_length))
        else:
            text[code] = found.strip()
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        problems.append(_("%(where)s: unknown language codes %(codes)s (use fi, sv and en).", where=where,
                          codes=", ".join(unknown)))
    return text


def _language(code):
    return str(LANGUAGE_LABELS[code])


def _integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _scale(data, problems):
    scale = data.get("scale")
    if not isinstance(scale, dict):
        problems.append(_("scale: the response scale is missing (min, max and a label for each value)."))
        return None
    low, high = scale.get("min"), scale.get("max")
    if not (_integer(low) and _integer(high)):
        problems.append(_("scale: min and max must be whole numbers."))
        return None
    if high <= low or high - low + 1 > MAX_SCALE_VALUES:
        problems.append(_("scale: max must be larger than min, with at most %(count)s values (now %(low)s–%(high)s).",
                          count=MAX_SCALE_VALUES, low=low, high=high))
        return None
    labels = scale.get("labels")
    if not isinstance(labels, dict):
        problems.append(_("scale: labels are missing: give a label for each value %(low)s–%(high)s.", low=low,
                          high=high))
        return None
    checked = _labels(labels, low, high, "scale", problems)
    for value in range(low, high + 1):
        if str(value) not in labels:
            problems.append(_("scale: the label of value %(value)s is missing.", value=value))
    return low, high, checked


def _labels(labels, low, high, where, problems):
    checked = {}
    for key, text in labels.items():
        try:
            value = int(key)
        except (TypeError, ValueError):
            problems.append(_("%(where)s: label key %(key)s is not a whole number.", where=where, key=key))
            continue
        if not low <= value <= high:
            problems.append(_("%(where)s: the label of value %(value)s is out of the scale %(low)s–%(high)s.",
                              where=where, value=value, low=low, high=high))
            continue
        checked[str(value)] = _translations(text, _("%(where)s, label of value %(value)s", where=where, value=value),
                                            problems, max_length=200)
    return checked


def _items(data, scale, problems):
    items = data.get("items")
    if not isinstance(items, list) or not items:
        problems.append(_("items: the list of items is missing or empty."))
        return []
    if len(items) > MAX_ITEMS:
        problems.append(_("items: at most %(max)s items.", max=MAX_ITEMS))
    checked, seen = [], set()
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(_("Item %(number)s: give the item as an object with id and text.", number=position))
            continue
        item_id = item.get("id")
        where = _("Item %(id)s", id=item_id) if isinstance(item_id, str) and item_id else _(
            "Item %(number)s", number=position)
        if not isinstance(item_id, str) or not item_id.strip() or len(item_id) > 40:
            problems.append(_("Item %(number)s: the id is missing (a short text, at most 40 characters).",
                              number=position))
        elif item_id in seen:
            problems.append(_("Item %(id)s: the id is used by more than one item; every item needs its own id.",
                              id=item_id))
        else:
            seen.add(item_id)
        reverse = item.get("reverse", False)
        if not isinstance(reverse, bool):
            problems.append(_("%(where)s: reverse must be true or false.", where=where))
        entry = {"id": item_id, "text": _translations(item.get("text"), where, problems), "reverse": reverse is True}
        if "labels" in item and scale is not None:
            if isinstance(item["labels"], dict):
                entry["labels"] = _labels(item["labels"], scale[0], scale[1], where, problems)
            else:
                problems.append(_("%(where)s: labels must be an object of value: text.", where=where))
        checked.append(entry)
    return checked


def parse_instrument(raw):
    """The checked content of an instrument file (bytes), or :class:`InstrumentRefused` naming every problem."""
    if len(raw) > MAX_FILE_BYTES:
        raise InstrumentRefused(_("The file is too big (%(size)s kB). An instrument file is at most %(max)s kB.",
                                  size=len(raw) // 1024, max=MAX_FILE_BYTES // 1024))
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InstrumentRefused(_("The file is not UTF-8 text. Save it as UTF-8 JSON and try again.")) from None
    except json.JSONDecodeError as error:
        raise InstrumentRefused(_("The file is not valid JSON: %(problem)s (line %(line)s, column %(column)s).",
                                  problem=error.msg, line=error.lineno, column=error.colno)) from None
    if not isinstance(data, dict):
        raise InstrumentRefused(_("The file must contain one JSON object (see the file format)."))
    problems = []
    if data.get("format") != FORMAT:
        problems.append(_('format: must be "%(format)s".', format=FORMAT))
    key, version = data.get("id"), data.get("version")
    if not isinstance(key, str) or not key.strip() or len(key) > 100:
        problems.append(_("id: the instrument's id is missing (a short text, at most 100 characters)."))
    if not isinstance(version, str) or not version.strip() or len(version) > 40:
        problems.append(_('version: the version is missing (a short text such as "1" or "2023").'))
    name = _translations(data.get("name"), _("name"), problems, max_length=200)
    description = _translations(data.get("description"), _("description"), problems)
    source = _translations(data.get("source"), _("source"), problems)
    is_test = data.get("test_instrument", False)
    if not isinstance(is_test, bool):
        problems.append(_("test_instrument: must be true or false."))
    scale = _scale(data, problems)
    items = _items(data, scale, problems)
    scoring = data.get("scoring", {})
    min_answered = len(items)
    if not isinstance(scoring, dict):
        problems.append(_("scoring: must be an object."))
    else:
        if scoring.get("method", "mean-rescaled-0-100") != "mean-rescaled-0-100":
            problems.append(_('scoring: the method must be "mean-rescaled-0-100".'))
        wanted = scoring.get("min_answered", len(items))
        if not _integer(wanted) or not 1 <= wanted <= max(len(items), 1):
            problems.append(_("scoring: min_answered must be a whole number from 1 to the number of items (%(count)s).",
                              count=len(items)))
        else:
            min_answered = wanted
    if problems:
        raise InstrumentRefused(*problems)
    return {
        "key": key.strip(), "version": version.strip(), "name": name, "description": description, "source": source,
        "is_test": is_test, "items": items, "scale_min": scale[0], "scale_max": scale[1], "scale_labels": scale[2],
        "min_answered": min_answered, "file_sha256": hashlib.sha256(raw).hexdigest(),
    }


def load_instrument(actor, raw, source_note=""):
    """Check and store an instrument file (bytes); audited ``surveys.instrument_loaded``."""
    content = parse_instrument(raw)
    duplicate = db.session.execute(
        db.select(SurveyInstrument).filter_by(key=content["key"], version=content["version"])
    ).scalar_one_or_none()
    if duplicate is not None:
        raise InstrumentRefused(_("The instrument %(id)s, version %(version)s, is already loaded (%(name)s). "
                                  "A new wording needs a new version in the file.", id=content["key"],
                                  version=content["version"], name=localized(duplicate.name)))
    instrument = SurveyInstrument(**content, source_note=(source_note or "").strip()[:500],
                                  loaded_by_id=getattr(actor, "id", None))
    db.session.add(instrument)
    db.session.flush()
    record(actor, "surveys.instrument_loaded", instrument, {
        "key": instrument.key, "version": instrument.version, "items": len(instrument.items),
        "file_sha256": instrument.file_sha256, "test_instrument": instrument.is_test,
    })
    return instrument


def load_shipped_test_instrument(actor):
    """The test instrument shipped in pb/surveys/instruments (the demo and the tests load it)."""
    return load_instrument(actor, TEST_INSTRUMENT.read_bytes(), "pb test instrument shipped with the product")


def change_item(actor, instrument, item_id, text):
    """There is no way to change a loaded instrument's item: refused, nothing changed."""
    raise InstrumentLocked()


def retire(actor, instrument):
    """No new surveys may use the instrument; surveys already made keep it. Audited ``surveys.instrument_retired``."""
    if instrument.is_retired:
        return False
    instrument.retired_at = utcnow()
    instrument.retired_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(actor, "surveys.instrument_retired", instrument, {"key": instrument.key, "version": instrument.version})
    return True


def all_instruments():
    rows = db.session.execute(db.select(SurveyInstrument)).scalars().all()
    return sorted(rows, key=lambda row: (row.is_retired, localized(row.name).lower(), row.id))


def usable_instruments():
    return [row for row in all_instruments() if not row.is_retired]
