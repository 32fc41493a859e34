"""An experience survey in a real browser at 320 px, every page scanned by axe-core (moderate and worse).

Staff load the shipped test instrument through the upload form, create a survey on a PB round, open it
and make answer links. One person answers by link without JavaScript, another with it; staff enter two
paper forms. With four answers the results show nothing but "fewer than 5"; the fifth answer makes the
group score appear, and it matches the answers in the database.
"""

import pytest
from playwright.sync_api import expect

from pb.extensions import db
from pb.surveys.models import AnswerChannel, SurveyAnswer
from pb.surveys.services.instruments import TEST_INSTRUMENT
from tests.browser.test_proposals_drafts import PHONE, check_page, log_in
from tests.factories import make_round, make_user

pytestmark = pytest.mark.browser

STATEMENTS = ("I feel that I belong to my neighbourhood.", "My opinion matters when things in my area are decided.",
              "I can take part in activities that matter to me.", "I often feel left out.")


def answer(page, choices):
    for statement, choice in zip(STATEMENTS, choices, strict=True):
        page.get_by_role("group", name=statement).get_by_label(choice, exact=True).check()


def stored():
    """The answers as the server stored them, read in a transaction ended at once."""
    db.session.expire_all()
    rows = [(row.score, row.channel, row.age_band, row.language)
            for row in db.session.execute(db.select(SurveyAnswer).order_by(SurveyAnswer.id)).scalars()]
    db.session.rollback()
    return rows


def test_staff_load_an_instrument_and_group_results_appear_at_the_fifth_answer(new_context, live_server):
    staff = make_user(staff=True, locale="en", name="Staff Person")
    budget_round = make_round()
    round_name = budget_round.name["en"]
    db.session.commit()

    desk = new_context(viewport=PHONE).new_page()
    log_in(desk, live_server, staff)
    desk.goto(live_server.url("/surveys/"))
    check_page(desk)
    desk.get_by_role("link", name="Load an instrument file").click()
    check_page(desk)
    desk.get_by_role("button", name="Load the instrument").click()  # no file chosen: refused, options kept
    expect(desk.get_by_text("Choose the instrument file.").first).to_be_visible()
    check_page(desk)
    desk.get_by_label("Instrument file (JSON)").set_input_files(str(TEST_INSTRUMENT))
    desk.get_by_label("Where the file comes from").fill("Shipped with pb")
    desk.get_by_label("I have checked that the wording").check()
    desk.get_by_role("button", name="Load the instrument").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text("pb test instrument: feeling included")
    expect(desk.get_by_text("Test instrument.")).to_be_visible()
    check_page(desk)

    desk.goto(live_server.url("/surveys/new"))
    check_page(desk)
    desk.get_by_label("Instrument", exact=True).select_option(label="pb test instrument: feeling included (TEST, "
                                                                    "not THL's instrument)")
    desk.get_by_label("A participatory budgeting round").check()
    desk.locator("#round_id").select_option(label=round_name)
    desk.locator("#title-en").fill("Feeling included in the round")
    desk.get_by_role("button", name="Create the survey").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Feeling included in the round")
    check_page(desk)
    survey_url = desk.url
    desk.get_by_role("link", name="Open the survey for answers").click()
    check_page(desk)
    desk.get_by_role("button", name="Open the survey").click()
    expect(desk.get_by_role("status")).to_contain_text("The survey is open for answers.")
    desk.get_by_label("How many links").fill("3")
    desk.get_by_role("button", name="Make the links and show a printable list").click()
    expect(desk.get_by_text("Shown only now.")).to_be_visible()
    check_page(desk)
    codes = desk.locator(".link-code").all_inner_texts()
    assert len(codes) == 3

    # Without JavaScript; axe runs as script, so a scripted browser scans the same page first.
    scanner = new_context(viewport=PHONE).new_page()
    scanner.goto(live_server.url(f"/surveys/answer/{codes[0]}"))
    check_page(scanner)
    scanner.get_by_role("button", name="Send my answer").click()  # nothing chosen: refused, shown
    expect(scanner.get_by_text("Answer at least 3 of the 4 statements, please.")).to_be_visible()
    check_page(scanner)
    no_script = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    no_script.goto(live_server.url(f"/surveys/answer/{codes[0]}"))
    answer(no_script, ("Agree", "Agree", "Strongly agree", "Disagree"))
    no_script.get_by_label("Your age group").select_option(label="30-44 years")
    no_script.get_by_role("button", name="Send my answer").click()
    expect(no_script.get_by_role("heading", level=1)).to_have_text("Thank you for your answer")
    no_script.goto(live_server.url(f"/surveys/answer/{codes[0]}"))
    expect(no_script.get_by_text("already been used")).to_be_visible()

    # With JavaScript, a code typed from paper.
    person = new_context(viewport=PHONE).new_page()
    person.goto(live_server.url("/surveys/answer"))
    check_page(person)
    person.get_by_label("The code on your paper").fill(codes[1].lower())
    person.get_by_role("button", name="Go to the survey").click()
    answer(person, ("Neither agree nor disagree",) * 4)
    person.get_by_role("button", name="Send my answer").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Thank you for your answer")
    check_page(person)

    # Two paper forms typed in by staff, and the printable form.
    desk.goto(survey_url)
    desk.get_by_role("link", name="Print the paper form").click()
    check_page(desk)
    desk.goto(survey_url)
    desk.get_by_role("link", name="Enter paper answers").click()
    check_page(desk)
    for choices in (("Strongly agree", "Agree", "Agree", "Strongly disagree"), ("Disagree",) * 3 + ("Agree",)):
        desk.get_by_label("Language of the paper form").select_option("sv")
        answer(desk, choices)
        desk.get_by_role("button", name="Save the paper answer").click()
        expect(desk.get_by_role("status")).to_contain_text("The paper answer was saved.")
    check_page(desk)

    desk.goto(survey_url)
    desk.get_by_role("link", name="Group results").click()
    expect(desk.get_by_text("Answers: fewer than 5.")).to_be_visible()
    expect(desk.get_by_text("Mean score")).to_have_count(0)
    check_page(desk)
    assert len(stored()) == 4

    person = new_context(viewport=PHONE).new_page()
    person.goto(live_server.url(f"/surveys/answer/{codes[2]}"))
    answer(person, ("Strongly agree", "Strongly agree", "Agree", "Strongly disagree"))
    person.get_by_role("button", name="Send my answer").click()
    expect(person.get_by_role("heading", level=1)).to_have_text("Thank you for your answer")

    answers = stored()
    assert [channel for _score, channel, _age, _language in answers] == [
        AnswerChannel.LINK, AnswerChannel.LINK, AnswerChannel.PAPER, AnswerChannel.PAPER, AnswerChannel.LINK]
    assert answers[0][2:] == ("30-44", "en") and answers[2][3] == "sv"
    mean = sum(score for score, *_rest in answers) / len(answers)
    desk.reload()
    facts = desk.locator("main dl.facts").last
    expect(facts).to_contain_text("Answers5")
    expect(facts).to_contain_text(f"Mean score{mean:.1f}")
    # Every background group is still below 5: the breakdowns show no figure for any of them.
    expect(desk.get_by_text("fewer than 5").first).to_be_visible()
    check_page(desk)
