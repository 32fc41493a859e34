"""The staff reach dashboard (issue #18, part 4): counts equal a direct SQL count, small groups stay withheld
on the page, in the CSV and through every filter, the least-reached groups come first, and only staff get in."""

import csv
import io
import re

import pytest

from pb.extensions import db
from pb.forms import HELSINKI
from pb.impact.models import PopulationFigure
from pb.impact.services import participation
from pb.impact.services import reach as reach_service
from pb.impact.services.population import BANDS
from pb.impact.services.reach import DIMENSIONS, ReachFilter
from pb.models_base import utcnow
from pb.proposals.models import Channel as ProposalChannel
from pb.voting.services.turnout import Withheld
from tests.factories import (
    make_call,
    make_district,
    make_organisation,
    make_proposal,
    make_round,
    make_user,
    make_voter,
)
from tests.helpers import browser
from tests.impact.test_reach_data import cast_ballot, code_voter, helsinki, idea, review, sql, voters

THIS_YEAR = utcnow().astimezone(HELSINKI).year

AGE_CASE = """CASE WHEN :year - u.birth_year BETWEEN 12 AND 17 THEN '12-17'
                   WHEN :year - u.birth_year BETWEEN 18 AND 29 THEN '18-29'
                   WHEN :year - u.birth_year BETWEEN 30 AND 44 THEN '30-44'
                   WHEN :year - u.birth_year BETWEEN 45 AND 64 THEN '45-64'
                   WHEN :year - u.birth_year >= 65 THEN '65+' END"""


def _budgets(budget_round):
    return {budget.district_id: budget for budget in budget_round.budgets}


@pytest.fixture
def world(app):
    """Every stage with every non-empty group of at least 5 participants (nothing needs withholding)."""
    a, b, c = make_district("Alue A"), make_district("Alue B"), make_district("Alue C")
    budget_round = make_round(districts=[a, b, c], citywide_cents=50_000_00)
    budgets = _budgets(budget_round)
    voters(budgets[a.id], 6, age_band="18-29", language="fi")
    for _ in range(5):
        code_voter(budgets[a.id], age_band="18-29", language="fi")
    voters(budgets[b.id], 5, channel="paper", age_band="65+")
    voters(budgets[b.id], 5, channel="assisted", age_band="45-64")
    both = voters(budgets[c.id], 7, age_band="30-44", language="sv")
    for key in both[:3]:  # the same voters on the city-wide ballot too: still one voter each
        cast_ballot(budgets[None], voter_key=key, age_band="30-44", language="sv")
    voters(budgets[None], 5, age_band=None, language="en")  # city-wide only: district not known

    for _ in range(5):
        author = make_voter(a, birth_year=THIS_YEAR - 15, locale="sv")
        idea(budget_round, author, district=a)
        idea(budget_round, author, district=a)  # a second idea: still one participant
    for _ in range(5):
        idea(budget_round, make_voter(b, birth_year=THIS_YEAR - 70, locale="fi"), district=b)

    staff = make_user(staff=True)
    call = make_call("open")
    proposals = []
    for _ in range(5):
        person = make_voter(c, birth_year=THIS_YEAR - 40, locale="en")
        proposals.append(make_proposal(call, representative=person, state="submitted"))
    for _ in range(5):
        group = make_organisation("resident_group", district=a)
        proposals.append(make_proposal(call, organisation=group, state="submitted", channel=ProposalChannel.ASSISTED,
                                       created_by=staff))
    make_proposal(call, representative=make_voter(c), state="draft")  # a draft never counts
    for _ in range(5):
        member = make_voter(b, birth_year=THIS_YEAR - 50, locale="fi")
        review(proposals[0], member)
        review(proposals[6], member)
    db.session.commit()
    return {"districts": (a, b, c), "round": budget_round, "call": call}


def expected_counts(stage):
    """Participants of ``stage`` by every dimension, counted straight from the tables with SQL."""
    year = {"year": THIS_YEAR}
    if stage == "votes":
        district_voters = "SELECT b.voter_key FROM ballots b JOIN round_budgets rb ON rb.id = b.round_budget_id " \
                          "WHERE rb.district_id IS NOT NULL"
        by_district = sql("SELECT rb.district_id, COUNT(DISTINCT b.voter_key) FROM ballots b JOIN round_budgets rb "
                          "ON rb.id = b.round_budget_id WHERE rb.district_id IS NOT NULL GROUP BY rb.district_id")
        by_district[None] = sql(f"SELECT 0, COUNT(DISTINCT voter_key) FROM ballots WHERE voter_key NOT IN "
                                f"({district_voters})")[0]
        code_keys = "SELECT voter_key FROM voting_codes WHERE voter_key IS NOT NULL"
        by_channel = sql(f"SELECT channel, COUNT(DISTINCT voter_key) FROM ballots WHERE voter_key NOT IN ({code_keys}) "
                         f"GROUP BY channel")
        by_channel["code"] = sql(f"SELECT 0, COUNT(DISTINCT voter_key) FROM ballots WHERE channel = 'online' AND "
                                 f"voter_key IN ({code_keys})")[0]
        return {
            "district": by_district,
            "age_band": sql("SELECT age_band, COUNT(DISTINCT voter_key) FROM ballots GROUP BY age_band"),
            "channel": by_channel,
            "language": sql("SELECT language, COUNT(DISTINCT voter_key) FROM ballots GROUP BY language"),
        }
    if stage == "ideas":
        base = "FROM ideas i JOIN users u ON u.id = i.author_id"
        everyone = sql(f"SELECT 'online', COUNT(DISTINCT i.author_id) {base}")
        return {
            "district": sql(f"SELECT u.district_id, COUNT(DISTINCT i.author_id) {base} GROUP BY u.district_id"),
            "age_band": sql(f"SELECT {AGE_CASE}, COUNT(DISTINCT i.author_id) {base} GROUP BY 1", **year),
            "channel": everyone,
            "language": sql(f"SELECT u.locale, COUNT(DISTINCT i.author_id) {base} GROUP BY u.locale"),
        }
    if stage == "proposals":
        online = "FROM proposals p JOIN users u ON u.id = p.created_by_id WHERE p.submitted_at IS NOT NULL " \
                 "AND p.channel = 'online'"
        assisted = "FROM proposals p JOIN organisations o ON o.id = p.organisation_id " \
                   "WHERE p.submitted_at IS NOT NULL AND p.channel = 'assisted'"
        by_district = sql(f"SELECT u.district_id, COUNT(DISTINCT p.created_by_id) {online} GROUP BY u.district_id")
        for district_id, count in sql(f"SELECT o.district_id, COUNT(DISTINCT p.organisation_id) {assisted} "
                                      f"GROUP BY o.district_id").items():
            by_district[district_id] = by_district.get(district_id, 0) + count
        groups = sql(f"SELECT 0, COUNT(DISTINCT p.organisation_id) {assisted}")[0]
        by_age = sql(f"SELECT {AGE_CASE}, COUNT(DISTINCT p.created_by_id) {online} GROUP BY 1", **year)
        by_language = sql(f"SELECT u.locale, COUNT(DISTINCT p.created_by_id) {online} GROUP BY u.locale")
        return {
            "district": by_district,
            "age_band": {**by_age, None: by_age.get(None, 0) + groups},
            "channel": {**sql(f"SELECT 'online', COUNT(DISTINCT p.created_by_id) {online}"), "assisted": groups},
            "language": {**by_language, None: by_language.get(None, 0) + groups},
        }
    base = "FROM reviews r JOIN users u ON u.id = r.reviewer_id WHERE r.status = 'submitted'"
    return {
        "district": sql(f"SELECT u.district_id, COUNT(DISTINCT r.reviewer_id) {base} GROUP BY u.district_id"),
        "age_band": sql(f"SELECT {AGE_CASE}, COUNT(DISTINCT r.reviewer_id) {base} GROUP BY 1", **year),
        "channel": sql(f"SELECT r.channel, COUNT(DISTINCT r.reviewer_id) {base} GROUP BY r.channel"),
        "language": sql(f"SELECT u.locale, COUNT(DISTINCT r.reviewer_id) {base} GROUP BY u.locale"),
    }


def _nonzero(counts):
    return {key: count for key, count in counts.items() if count}


@pytest.mark.parametrize("stage", ["ideas", "proposals", "votes", "reviews"])
def test_counts_of_every_stage_and_group_equal_a_direct_sql_count(world, stage):
    expected = expected_counts(stage)
    counted = reach_service.marginals(stage, ReachFilter())
    for dimension in DIMENSIONS:
        assert _nonzero(counted[dimension]) == _nonzero(expected[dimension]), dimension
    # What the dashboard shows: every group has 5 or more (or none), so every figure is shown as counted.
    shown = next(item for item in reach_service.reach(ReachFilter()).stages if item.stage == stage)
    assert shown.total == sum(expected["district"].values())
    for breakdown in shown.breakdowns:
        for group in breakdown.groups:
            assert group.count == expected[breakdown.dimension].get(group.key, 0), (breakdown.dimension, group.key)


def test_the_world_has_the_counts_it_was_built_with(world):
    """The SQL above is checked against the numbers the data was made with (so neither side can drift)."""
    a, b, c = world["districts"]
    votes = expected_counts("votes")
    assert votes["district"] == {a.id: 11, b.id: 10, c.id: 7, None: 5}
    assert votes["channel"] == {"online": 18, "code": 5, "paper": 5, "assisted": 5}
    assert expected_counts("ideas")["district"] == {a.id: 5, b.id: 5}
    assert expected_counts("proposals")["channel"] == {"online": 5, "assisted": 5}
    assert expected_counts("reviews")["district"] == {b.id: 5}


def test_the_page_and_csv_show_the_counts(world, app):
    staff = browser(app, make_user(staff=True, locale="en"))
    page = staff.get("/impact/reach?stage=votes").get_data(as_text=True)
    assert "Taking part: 33." in page
    assert re.search(r"Alue A</th>\s*<td class=\"num\">11</td>", page)
    rows = list(csv.DictReader(io.StringIO(staff.get("/impact/reach.csv?stage=votes").get_data(as_text=True))))
    assert {"stage": "votes", "dimension": "all", "key": "all", "group": "all", "participants": "33", "residents": "",
            "per_100_residents": ""} in rows
    code_row = next(row for row in rows if row["dimension"] == "channel" and row["key"] == "code")
    assert code_row["group"] == "Code letter"
    assert code_row["participants"] == "5"


def test_the_year_filter_counts_only_that_year(world, app):
    """A ballot and an idea of last year fall out of this year's figures and into last year's."""
    a, _b, _c = world["districts"]
    budgets = _budgets(world["round"])
    voters(budgets[a.id], 5, at=helsinki(THIS_YEAR - 1))
    db.session.commit()
    this_year = reach_service.marginals("votes", ReachFilter(year=THIS_YEAR))
    last_year = reach_service.marginals("votes", ReachFilter(year=THIS_YEAR - 1))
    assert sum(this_year["district"].values()) == 33
    assert dict(last_year["district"]) == {a.id: 5}


# --- the small-group rule --------------------------------------------------------------------


@pytest.fixture
def small(app):
    """Groups of one in every stage and behind every filter: B has 1 voter, round 2 has 1 voter, last year 1 voter,
    one idea, one proposal in its own call, one review."""
    a, b = make_district("Alue A"), make_district("Alue B")
    first = make_round(districts=[a, b])
    second = make_round(districts=[a, b])
    budgets = _budgets(first)
    voters(budgets[a.id], 7, age_band="30-44", language="fi")
    cast_ballot(budgets[b.id], channel="paper", age_band="65+")
    cast_ballot(_budgets(second)[a.id], age_band="18-29", language="sv")
    cast_ballot(budgets[a.id], age_band="45-64", language="en", at=helsinki(THIS_YEAR - 1))
    idea(first, make_voter(b, birth_year=THIS_YEAR - 16))
    call = make_call("open")
    proposal = make_proposal(call, representative=make_voter(a), state="submitted")
    review(proposal, make_voter(b, birth_year=THIS_YEAR - 30))
    for district in (a, b):
        for band in BANDS:
            db.session.add(PopulationFigure(year=THIS_YEAR, district_id=district.id, age_band=band, residents=1000))
    db.session.commit()
    return {"districts": (a, b), "first": first, "second": second, "call": call}


def _participant_figures(page):
    """Every "taking part" figure of the page: the first number after each row heading, and the totals."""
    rows = re.findall(r'</th>\s*<td class="num">([^<]*)</td>', page)
    totals = re.findall(r"Taking part: ([^.<]*)[.<]", page)
    return rows + totals


def _assert_nothing_small(page, rows):
    for figure in _participant_figures(page):
        if figure.strip().isdigit():
            assert int(figure) == 0 or int(figure) >= 5, figure
    for row in rows:
        value = row["participants"]
        assert value in ("<5", "hidden", "0") or int(value) >= 5, row
        if value in ("<5", "hidden"):
            assert row["per_100_residents"] == "", row


def _filter_cases(small):
    return [
        {},
        {"round": small["first"].id},
        {"round": small["second"].id},
        {"year": THIS_YEAR},
        {"year": THIS_YEAR - 1},
        {"call": small["call"].id},
        *({"stage": stage} for stage in reach_service.STAGES),
        {"round": small["first"].id, "stage": "votes", "year": THIS_YEAR},
    ]


def test_no_page_csv_or_filter_shows_a_group_below_the_minimum(small, app, monkeypatch):
    monkeypatch.setattr(participation, "_answer_counts_by", lambda group: {None: 1})
    staff = browser(app, make_user(staff=True, locale="en"))
    for case in _filter_cases(small):
        query = "&".join(f"{key}={value}" for key, value in case.items())
        page = staff.get(f"/impact/reach?{query}")
        assert page.status_code == 200, case
        text = page.get_data(as_text=True)
        rows = list(csv.DictReader(io.StringIO(staff.get(f"/impact/reach.csv?{query}").get_data(as_text=True))))
        assert _participant_figures(text) and rows, case
        _assert_nothing_small(text, rows)


@pytest.mark.parametrize("case", ["round", "year", "call", "ideas", "reviews", "surveys"])
def test_a_filter_narrowing_a_stage_to_one_shows_only_the_notice(small, app, monkeypatch, case):
    monkeypatch.setattr(participation, "_answer_counts_by", lambda group: {None: 1})
    query, stage = {
        "round": (f"round={small['second'].id}", "votes"),
        "year": (f"year={THIS_YEAR - 1}&stage=votes", "votes"),
        "call": (f"call={small['call'].id}", "proposals"),
        "ideas": ("stage=ideas", "ideas"),
        "reviews": ("stage=reviews", "reviews"),
        "surveys": ("stage=surveys", "surveys"),
    }[case]
    staff = browser(app, make_user(staff=True, locale="en"))
    text = staff.get(f"/impact/reach?{query}").get_data(as_text=True)
    section = text.split(f'id="stage-{stage}"')[1].split("</section>")[0]
    assert "Taking part: <span class=\"withheld\">fewer than 5</span>." in section
    assert "so the groups are not shown" in section
    assert "<table" not in section
    rows = list(csv.DictReader(io.StringIO(staff.get(f"/impact/reach.csv?{query}").get_data(as_text=True))))
    assert [row for row in rows if row["stage"] == stage] == [
        {"stage": stage, "dimension": "all", "key": "all", "group": "all", "participants": "<5", "residents": "",
         "per_100_residents": ""}
    ]


def test_a_small_group_is_withheld_and_its_neighbours_too(small, app):
    """B's single voter is "fewer than 5"; A's 8 would give it away from the total of 9, so it is hidden too.
    By age, two voters of one each next to 7 would each be worked out as 1 (9 - 7 = 2): the 7 is hidden too."""
    a, b = small["districts"]
    votes = next(stage for stage in reach_service.reach(ReachFilter(round_id=small["first"].id)).stages
                 if stage.stage == "votes")
    assert votes.total == 9
    groups = {group.key: group for group in votes.breakdown("district").groups}
    assert groups[b.id].count == Withheld(small=True, minimum=5) and groups[b.id].rate is None
    assert groups[a.id].count == Withheld(small=False, minimum=5) and groups[a.id].rate is None
    assert groups[None].count == 0
    ages = {group.key: group.count for group in votes.breakdown("age_band").groups}
    assert ages == {"12-17": 0, "18-29": 0, "30-44": Withheld(small=False, minimum=5),
                    "45-64": Withheld(small=True, minimum=5), "65+": Withheld(small=True, minimum=5), None: 0}
    # Least reached: nobody of 12-17 or 18-29, then B, 45-64 and 65+ by the bound their population gives
    # (under 5 in 5,000 and in 2,000), never by their count; 30-44, hidden only next to small groups, is left out.
    assert [group.key for group in votes.least_reached] == ["12-17", "18-29", b.id, "45-64", "65+"]
    staff = browser(app, make_user(staff=True, locale="en"))
    text = staff.get(f"/impact/reach?round={small['first'].id}&stage=votes").get_data(as_text=True)
    listed = text.split('id="least-reached-title"')[1].split("</section>")[0]
    assert ("age 12-17 (nobody took part); age 18-29 (nobody took part); "
            "Alue B (fewer than 5 took part, under 0.1 per 100 residents); "
            "age 45-64 (fewer than 5 took part, under 0.25 per 100 residents)") in " ".join(listed.split())


# --- least reached first ---------------------------------------------------------------------


def test_the_least_reached_groups_come_first(app):
    a, b, c = make_district("Alue A"), make_district("Alue B"), make_district("Alue C")
    budget_round = make_round(districts=[a, b, c])
    budgets = _budgets(budget_round)
    bands = iter(["12-17"] * 5 + ["18-29"] * 6 + ["30-44"] * 7 + ["45-64"] * 8 + ["65+"] * 10)
    for district, count in ((a, 10), (b, 6), (c, 20)):
        for _ in range(count):
            cast_ballot(budgets[district.id], age_band=next(bands))
    for district, residents in ((a, 1000), (b, 200), (c, 4000)):
        for band in BANDS:
            db.session.add(PopulationFigure(year=THIS_YEAR, district_id=district.id, age_band=band,
                                            residents=residents))
    db.session.commit()
    # Per 100 residents: A 0.2, B 0.6, C 0.1; 12-17 0.096, 18-29 0.115, 30-44 0.135, 45-64 0.154, 65+ 0.192.
    votes = reach_service.reach(ReachFilter(stage="votes")).stages[0]
    assert [group.label for group in votes.least_reached] == ["12-17", "Alue C", "18-29"]
    district_rates = {group.label: group.rate for group in votes.breakdown("district").groups}
    assert district_rates == {"Alue A": 0.2, "Alue B": 0.6, "Alue C": 0.1, "Not known": None}
    staff = browser(app, make_user(staff=True, locale="en"))
    text = staff.get("/impact/reach?stage=votes").get_data(as_text=True)
    listed = text.split('id="least-reached-title"')[1].split("</section>")[0]
    assert listed.index("age 12-17") < listed.index("Alue C") < listed.index("age 18-29")
    assert "age 12-17 (0.1 per 100 residents)" in listed
    assert "least reached" in text.split('id="stage-votes"')[1]  # marked in the tables and the chart too
    assert '<svg' in text and "taking part per 100 residents" in text


def test_a_small_group_is_named_least_reached_only_by_its_bound(app):
    a, b = make_district("Alue A"), make_district("Alue B")
    budget_round = make_round(districts=[a, b])
    budgets = _budgets(budget_round)
    for band in BANDS:
        voters(budgets[a.id], 5, age_band=band)
    voters(budgets[b.id], 2, age_band="30-44")
    for district, residents in ((a, 100), (b, 1000)):
        for band in BANDS:
            db.session.add(PopulationFigure(year=THIS_YEAR, district_id=district.id, age_band=band,
                                            residents=residents))
    db.session.commit()
    staff = browser(app, make_user(staff=True, locale="en"))
    text = staff.get("/impact/reach?stage=votes").get_data(as_text=True)
    listed = text.split('id="least-reached-title"')[1].split("</section>")[0]
    assert listed.index("Alue B (fewer than 5 took part, under 0.1 per 100 residents)") < listed.index("age 12-17")
    assert "age 12-17 (0.45 per 100 residents)" in listed
    assert "Alue A" not in listed  # hidden next to B: neither its count nor its rate is used
    rows = list(csv.DictReader(io.StringIO(staff.get("/impact/reach.csv?stage=votes").get_data(as_text=True))))
    district_rows = {row["group"]: row for row in rows if row["dimension"] == "district"}
    assert district_rows["Alue B"] == {"stage": "votes", "dimension": "district", "key": str(b.id), "group": "Alue B",
                                       "participants": "<5", "residents": "5000", "per_100_residents": ""}
    assert district_rows["Alue A"]["participants"] == "hidden"


# --- surveys and access ----------------------------------------------------------------------


def test_survey_answers_are_counted_by_their_groups_and_protected(app, monkeypatch):
    a, b = make_district("Alue A"), make_district("Alue B")
    answers = {
        "district": {a.id: 9, b.id: 2, None: 4},
        "age_band": {"18-29": 10, "65+": 5},
        "language": {"fi": 12, "sv": 3},
        "channel": {"link": 10, "paper": 5},
    }
    monkeypatch.setattr(participation, "_answer_counts_by", lambda group: answers[group])
    surveys = reach_service.reach(ReachFilter(stage="surveys")).stages[0]
    assert surveys.total == 15
    by = {item.dimension: {group.key: group.count for group in item.groups} for item in surveys.breakdowns}
    assert by["age_band"]["18-29"] == 10 and by["age_band"]["65+"] == 5
    assert by["channel"] == {"online": 10, "assisted": 0, "paper": 5, "code": 0, None: 0}
    assert isinstance(by["district"][b.id], Withheld) and by["district"][b.id].small
    assert sum(1 for value in by["district"].values() if isinstance(value, Withheld)) >= 2
    assert isinstance(by["language"]["sv"], Withheld)
    # Survey answers cannot be narrowed by round, call or year: with such a filter the stage is left out.
    assert [stage.stage for stage in reach_service.reach(ReachFilter(year=THIS_YEAR)).stages] == [
        "ideas", "proposals", "votes", "reviews"]


@pytest.mark.parametrize("url", ["/impact/reach", "/impact/reach.csv", "/impact/population"])
def test_only_staff_get_in(app, url):
    assert browser(app, make_user()).get(url).status_code == 403
    anonymous = browser(app).get(url)
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    assert browser(app, make_user(staff=True, locale="en")).get(url).status_code == 200


def test_a_bad_filter_value_is_ignored_not_an_error(world, app):
    staff = browser(app, make_user(staff=True, locale="en"))
    response = staff.get("/impact/reach?round=999999&year=abc&stage=nonsense")
    assert response.status_code == 200
    assert "Taking part: 33." in response.get_data(as_text=True)


def test_real_survey_answers_are_counted_as_the_database_has_them(app):
    from tests.surveys.support import add_answers, make_survey

    a, b = make_district("Alue A"), make_district("Alue B")
    survey = make_survey()
    add_answers(survey, 7, district_id=a.id, age_band="18-29", language="fi")
    add_answers(survey, 1, district_id=b.id, age_band="65+", language="sv")
    expected = sql("SELECT district_id, COUNT(*) FROM survey_answers GROUP BY district_id")
    assert expected == {a.id: 7, b.id: 1}
    assert dict(reach_service.marginals("surveys", ReachFilter())["district"]) == expected
    surveys = reach_service.reach(ReachFilter(stage="surveys")).stages[0]
    assert surveys.total == 8
    by_district = {group.key: group.count for group in surveys.breakdown("district").groups}
    assert by_district[b.id] == Withheld(small=True, minimum=5)
    assert by_district[a.id] == Withheld(small=False, minimum=5)
    channels = {group.key: group.count for group in surveys.breakdown("channel").groups}
    assert channels["online"] == 8 == sql("SELECT channel, COUNT(*) FROM survey_answers GROUP BY channel")["link"]
