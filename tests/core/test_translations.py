"""Every message the code and templates use has a translation in fi, sv and en."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
METHOD_MAP = [("pb/**.py", "python"), ("templates/**.html", "jinja2")]


def used_messages():
    messages = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        messages.add(message[0] if isinstance(message, tuple) else message)
    return messages


@pytest.fixture(scope="module")
def messages():
    found = used_messages()
    assert len(found) > 50, "message extraction found almost nothing; check the method map"
    return found


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_catalogue_is_complete(messages, language):
    path = ROOT / "pb" / "translations" / language / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"missing catalogue {path}"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue if m.id}
    missing = sorted(m for m in messages if m not in translated or not translated[m].string or translated[m].fuzzy)
    assert not missing, f"{len(missing)} messages untranslated in {language}:\n" + "\n".join(missing[:40])


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_placeholders_survive_translation(language):
    import re

    path = ROOT / "pb" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    placeholder = re.compile(r"%\(\w+\)s")
    wrong = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        target = message.string if isinstance(message.string, str) else message.string[0]
        if sorted(placeholder.findall(source)) != sorted(placeholder.findall(target)):
            wrong.append(source)
    assert not wrong, f"placeholders differ in {language}: {wrong[:20]}"
