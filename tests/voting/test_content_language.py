"""Issue #16 item 7: content in the reader's language, a fallback marked with its own lang and a note;
staff see which translations are missing; the demo has Swedish and English texts; every project on a
ballot links to its page."""

import re

from flask_babel import force_locale
from markupsafe import Markup

from pb.demo import seed_demo
from pb.extensions import db
from pb.i18n import localized_markup, missing_languages
from pb.voting.models import BudgetRound, Project
from tests.factories import make_round, make_user, make_voter
from tests.helpers import browser


def text(response):
    return response.get_data(as_text=True)


def test_the_helper_marks_a_fallback_with_its_language_and_a_note(app):
    with app.test_request_context(), force_locale("sv"):
        assert localized_markup({"fi": "Koirapuisto", "sv": "Hundpark"}) == "Hundpark"
        fallback = localized_markup({"fi": "Koirapuisto <3", "en": "Dog park"})
        assert isinstance(fallback, Markup)
        assert fallback.startswith('<span lang="fi">Koirapuisto &lt;3</span> <span class="untranslated">(')
        assert missing_languages({"fi": "Koirapuisto", "en": " "}) == ["sv", "en"]
        assert missing_languages({"fi": "a", "sv": "b", "en": "c"}, {}) == []
    with app.test_request_context(), force_locale("en"):
        assert localized_markup({"fi": "Koirapuisto", "sv": "Hundpark"}).startswith('<span lang="fi">Koirapuisto</span>')


def test_round_and_ballot_show_the_readers_language_and_mark_fallbacks(app):
    budget_round = make_round("voting", projects=2)
    budget = budget_round.budgets[0]
    translated, finnish_only = budget.projects
    translated.title = {"fi": "Koirapuisto", "sv": "Hundpark", "en": "Dog park"}
    translated.description = {"fi": "Aidattu puisto.", "sv": "En inhägnad park.", "en": "A fenced park."}
    finnish_only.title = {"fi": "Lukunurkka"}
    finnish_only.description = {"fi": "Rauhallinen nurkka."}
    db.session.commit()
    swede = make_voter(budget.district, locale="sv")
    reader = app.test_client()
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    page = text(reader.get(f"/voting/{budget_round.id}"))
    assert ">Hundpark</a>" in page
    assert '<span lang="fi">Lukunurkka</span> <span class="untranslated">' in page
    # Every project on the round page and on the ballot links to its own page.
    for project in budget.projects:
        assert f'href="/voting/projects/{project.id}"' in page
    project_page = reader.get(f"/voting/projects/{finnish_only.id}")
    assert project_page.status_code == 200
    assert '<span lang="fi">Rauhallinen nurkka.</span>' in text(project_page)
    ballot = text(browser(app, swede).get(f"/voting/{budget_round.id}/ballot/{budget.id}"))
    assert "<strong>Hundpark</strong>" in ballot and "En inhägnad park." in ballot
    assert '<strong><span lang="fi">Lukunurkka</span> <span class="untranslated">' in ballot


def test_every_project_on_the_ballot_links_to_its_page(app):
    budget_round = make_round("voting", projects=3)
    budget = budget_round.budgets[0]
    voter = make_voter(budget.district)
    ballot = text(browser(app, voter).get(f"/voting/{budget_round.id}/ballot/{budget.id}"))
    for project in budget.projects:
        assert f'href="/voting/projects/{project.id}"' in ballot


def test_staff_forms_and_lists_show_missing_translations(app):
    budget_round = make_round("cost_estimation", projects=1)
    project = budget_round.budgets[0].projects[0]
    project.title = {"fi": "Koirapuisto", "en": "Dog park"}
    project.description = {"fi": "Aidattu puisto."}
    db.session.commit()
    staff = browser(app, make_user(staff=True, locale="en"))
    form = text(staff.get(f"/voting/manage/projects/{project.id}/edit"))
    assert "Not translated yet into: Swedish." in form  # the title
    assert "Not translated yet into: Swedish, English." in form  # the description
    listing = text(staff.get(f"/voting/manage/{budget_round.id}"))
    assert "<td>Swedish, English</td>" in listing


def test_the_demo_has_swedish_and_english_texts_and_real_descriptions(app):
    seed_demo(app.config["DEMO_PASSWORD"])
    projects = db.session.execute(db.select(Project)).scalars().all()
    assert projects
    for project in projects:
        assert all(project.title.get(code) for code in ("fi", "sv", "en")), project.title
        assert all(len(project.description.get(code, "")) > 30 for code in ("fi", "sv", "en")), project.description
    reader = app.test_client()
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    rounds = db.session.execute(db.select(BudgetRound)).scalars().all()
    round_id = next(budget_round.id for budget_round in rounds if budget_round.name.get("sv") == "Närbudget 2026")
    page = text(reader.get(f"/voting/{round_id}"))
    assert "Närbudget 2026" in page and "Hundpark" in page and 'class="untranslated"' not in page
    assert re.search(r'href="/voting/projects/\d+"', page)
