"""One person, one vote across channels: identity codes, the register of residents, and the duplicates page."""

import io
from datetime import date

import pytest
from sqlalchemy import inspect, text

from pb.audit.models import AuditEvent
from pb.auth.identity import IdentityError, bind_person, parse_personal_code
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import codes, services
from pb.voting.models import AssistedSession, Ballot, Channel, IdentityPolicy, RegisterEntry, VotingCode
from tests.factories import make_round, make_user, make_voter
from tests.helpers import browser, post_form

CONTROL = "0123456789ABCDEFHJKLMNPRSTUVWXY"


def personal_code(born, individual=123):
    """A valid Finnish personal identity code for someone born on ``born``."""
    sign = {18: "+", 19: "-", 20: "A"}[born.year // 100]
    digits = f"{born:%d%m}{born.year % 100:02d}"
    return f"{digits}{sign}{individual:03d}{CONTROL[int(digits + f'{individual:03d}') % 31]}"


TEEN = personal_code(date(utcnow().year - 12, 5, 4), 234)  # turns 12 this year
ADULT = personal_code(date(1975, 3, 9), 456)
OTHER = personal_code(date(1988, 11, 30), 789)




def page(response):
    return response.get_data(as_text=True)


def refusal_reasons():
    query = db.select(AuditEvent).filter_by(action="voting.ballot_refused").order_by(AuditEvent.id)
    return [event.details["reason"] for event in db.session.execute(query).scalars()]


def counted():
    return db.session.execute(db.select(Ballot).order_by(Ballot.id)).scalars().all()


def open_session(client, budget_round, budget, **fields):
    data = {"location": "Library", "identified_by": "document", "personal_code": ADULT,
            "district_id": str(budget.district_id), "age_checked": "y", "residence_checked": "y"}
    data.update(fields)
    return post_form(client, f"/voting/manage/{budget_round.id}/assisted", data)


def cast_in_session(client, budget, response, project):
    session_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    url = f"/voting/manage/assisted/{session_id}/ballot/{budget.id}"
    return post_form(client, url, {"project": str(project.id), "version": "", "action": "cast"})


# --- the identity code -------------------------------------------------------------------------


def test_identity_codes_are_checked_and_only_hashed(app):
    checked = parse_personal_code(" 131052-308t ")
    assert checked.birth_year == 1952 and len(checked.person_hash) == 64
    assert parse_personal_code("131052-308T").person_hash == checked.person_hash
    assert parse_personal_code(personal_code(date(2011, 1, 2))).birth_year == 2011
    assert parse_personal_code(personal_code(date(1899, 12, 31))).birth_year == 1899
    with pytest.raises(IdentityError, match="last character"):
        parse_personal_code("131052-308U")
    with pytest.raises(IdentityError, match="DDMMYYCZZZQ"):
        parse_personal_code("13105-308T")


def test_one_person_has_one_account(app):
    first, second = make_user(), make_user()
    person = parse_personal_code(ADULT)
    assert bind_person(first, person, "eid") is True
    assert first.birth_year == 1975
    with pytest.raises(IdentityError, match="another account"):
        bind_person(second, person, "eid")


# --- the three-ballot scenario -----------------------------------------------------------------


def test_same_teenager_at_two_pop_up_points_and_online_counts_once(app):
    budget_round = make_round(identity_policy=IdentityPolicy.VERIFIED)
    budget = budget_round.budgets[0]
    staff = [make_user(staff=True, locale="en", name=f"Staff {n}") for n in (1, 2)]
    _batch, plain = services.create_code_batch(staff[0], budget_round, "Pop-up", 4)
    db.session.commit()

    first_point, second_point = browser(app, staff[0]), browser(app, staff[1])
    response = open_session(first_point, budget_round, budget, identified_by="code", code=plain[0], personal_code=TEEN,
                            location="Library")
    assert response.status_code == 302
    assert cast_in_session(first_point, budget, response, budget.projects[0]).status_code == 302

    # The second pop-up point, a new code from the same batch, the same identity document.
    response = open_session(second_point, budget_round, budget, identified_by="code", code=plain[1], personal_code=TEEN,
                            location="Mall")
    assert response.status_code == 409 and "already voted" in page(response)

    # Online with an account identified electronically as the same person.
    resident = make_voter(budget.district, birth_year=2000, locale="en")
    bind_person(resident, parse_personal_code(TEEN), "eid")
    db.session.commit()
    own = browser(app, resident)
    url = f"/voting/{budget_round.id}/ballot/{budget.id}"
    response = post_form(own, url, {"project": str(budget.projects[1].id), "version": "", "action": "cast"},
                         form_url=f"/voting/{budget_round.id}/vote")
    assert response.status_code == 409

    ballot, = counted()
    assert ballot.channel is Channel.ASSISTED and ballot.identity_verified and ballot.age_band == "12-17"
    assert refusal_reasons() == ["identity_already_voted", "cross_channel_duplicate"]
    duplicates = page(browser(app, staff[0]).get(f"/voting/manage/{budget_round.id}/duplicates"))
    assert "The same person already voted (identity code)" in duplicates
    assert "The same voter already voted in another way" in duplicates

    # The identity code is nowhere in clear.
    _assert_not_stored(TEEN)


def _assert_not_stored(code):
    bare = code[:6] + code[7:]  # without the century sign
    for table in ("assisted_sessions", "audit_events", "ballots", "users", "register_entries", "voting_codes"):
        columns = [column["name"] for column in inspect(db.engine).get_columns(table)]
        for row in db.session.execute(text(f"SELECT * FROM {table}")):
            for column, value in zip(columns, row, strict=True):
                assert code not in str(value) and bare not in str(value), (table, column)


# --- verified rounds ---------------------------------------------------------------------------


def test_a_verified_round_refuses_self_declared_voters_online(app):
    budget_round = make_round(identity_policy=IdentityPolicy.VERIFIED)
    budget = budget_round.budgets[0]
    staff = make_user(staff=True)
    _batch, plain = services.create_code_batch(staff, budget_round, "Pop-up", 2)
    db.session.commit()
    resident = make_voter(budget.district, locale="en")
    own = browser(app, resident)
    vote_page = page(own.get(f"/voting/{budget_round.id}/vote"))
    assert "identity is checked" in vote_page
    assert f"/voting/{budget_round.id}/ballot/{budget.id}" not in vote_page
    with pytest.raises(services.VotingRefused) as refused:
        services.cast_ballot(services.account_voter(budget_round, resident), budget, {budget.projects[0].id: 1})
    assert refused.value.reason == "identity_required"
    db.session.rollback()  # the refusal's audit row (a view would commit it); SQLite lets one writer at a time

    response = post_form(browser(app), f"/voting/{budget_round.id}/code", {"code": plain[0]})
    assert response.status_code == 403 and "identity is checked" in page(response)
    db.session.rollback()
    assert counted() == []


def test_assisted_in_a_verified_round_needs_the_identity_code(app):
    budget_round = make_round(identity_policy=IdentityPolicy.VERIFIED)
    budget = budget_round.budgets[0]
    device = browser(app, make_user(staff=True, locale="en"))
    response = open_session(device, budget_round, budget, personal_code="", birth_year="1950")
    assert response.status_code == 422 and "write the personal identity code" in page(response)
    response = open_session(device, budget_round, budget, personal_code="131052-308U")
    assert response.status_code == 422 and "last character" in page(response)
    assert "131052-308U" in page(response)  # what was typed is kept
    assert db.session.execute(db.select(AssistedSession)).scalars().all() == []


# --- the register ------------------------------------------------------------------------------


def register_file(*lines, header="henkilötunnus;syntymävuosi;alue"):
    return io.BytesIO("\n".join((header, *lines)).encode())


def import_file(client, budget_round, data, letters=False):
    fields = {"file": (data, "register.csv")}
    if letters:
        fields["code_letters"] = "y"
    return post_form(client, f"/voting/manage/{budget_round.id}/register", fields)


def test_register_import_is_all_or_nothing_with_reasons_per_line(app):
    budget_round = make_round(identity_policy=IdentityPolicy.VERIFIED)
    first, second = (budget.district for budget in budget_round.budgets)
    device = browser(app, make_user(staff=True, locale="en"))
    response = import_file(device, budget_round, register_file(
        f"{ADULT};1975;{first.name['fi']}",
        "131052-308U;1952;" + first.name["fi"],  # wrong control character
        f"{OTHER};1988;Atlantis",  # a district without a budget in the round
        f"{ADULT};1975;{second.name['fi']}",  # the same person twice
        f"{TEEN};1990;{first.name['fi']}",  # the year does not match the code
    ))
    assert response.status_code == 422
    body = page(response)
    assert "Nothing was imported" in body
    for line, reason in ((3, "last character"), (4, "Atlantis"), (5, "already on line 2"), (6, "does not match")):
        assert f'<th scope="row" class="num">{line}</th><td>' in body and reason in body
    assert db.session.execute(db.select(RegisterEntry)).scalars().all() == []

    response = import_file(device, budget_round, register_file(
        f"{ADULT};1975;{first.name['fi']}", f"{OTHER};1988;{second.id}",
    ))
    assert response.status_code == 302
    entries = db.session.execute(db.select(RegisterEntry).order_by(RegisterEntry.id)).scalars().all()
    assert [(entry.birth_year, entry.district_id) for entry in entries] == [(1975, first.id), (1988, second.id)]
    assert entries[0].voter_key == codes.person_voter_key(budget_round, parse_personal_code(ADULT).person_hash)
    # Importing the same person again is refused, nothing added.
    response = import_file(device, budget_round, register_file(f"{ADULT};1975;{first.name['fi']}"))
    assert response.status_code == 422 and "already on the round" in page(response)
    assert len(db.session.execute(db.select(RegisterEntry)).scalars().all()) == 2
    _assert_not_stored(ADULT)


def test_register_decides_who_votes_and_where(app):
    budget_round = make_round(identity_policy=IdentityPolicy.VERIFIED)
    home, elsewhere = budget_round.budgets
    staff = make_user(staff=True, locale="en")
    device = browser(app, staff)
    response = import_file(device, budget_round, register_file(f"{ADULT};1975;{home.district.name['fi']}"), letters=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    header, letter = page(response).strip().splitlines()
    assert header == "henkilötunnus;äänestyskoodi"
    identifier, code_text = letter.split(";")
    assert identifier == ADULT and codes.looks_like_voting_code(code_text)
    code = db.session.execute(db.select(VotingCode)).scalar_one()
    assert code.bound_voter_key is not None and code.district_id == home.district_id

    # Someone not on the register is refused at the assisted session.
    response = open_session(device, budget_round, elsewhere, personal_code=OTHER)
    assert response.status_code == 403 and "not on the list" in page(response)

    # The letter votes as the person, in the district of the register, with their age band.
    voter_browser = browser(app)
    assert post_form(voter_browser, f"/voting/{budget_round.id}/code", {"code": code_text}).status_code == 302
    response = post_form(voter_browser, f"/voting/{budget_round.id}/ballot/{home.id}",
                         {"project": str(home.projects[0].id), "version": "", "action": "cast"},
                         form_url=f"/voting/{budget_round.id}/ballot/{home.id}")
    assert response.status_code == 302
    ballot, = counted()
    assert ballot.identity_verified and ballot.age_band == "45-64" and ballot.round_budget_id == home.id

    # The same person with the identity document at a pop-up point: refused, the letter counted.
    response = open_session(device, budget_round, home, personal_code=ADULT, district_id=str(elsewhere.district_id))
    assert response.status_code == 409
    assert refusal_reasons()[-1] == "identity_already_voted"
    assert len(counted()) == 1


def test_register_can_be_removed_only_before_voting_opens(app):
    budget_round = make_round(phase="cost_estimation", identity_policy=IdentityPolicy.VERIFIED)
    staff = make_user(staff=True, locale="en")
    device = browser(app, staff)
    district = budget_round.budgets[0].district
    assert import_file(device, budget_round, register_file(f"{ADULT};1975;{district.name['fi']}"), True).status_code == 200
    confirm_url = f"/voting/manage/{budget_round.id}/register/clear"
    assert "Remove the register?" in page(device.get(confirm_url))
    assert post_form(device, confirm_url, {}).status_code == 302
    assert db.session.execute(db.select(RegisterEntry)).scalars().all() == []
    assert db.session.execute(db.select(VotingCode)).scalars().all() == []
    actions = [event.action for event in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()]
    assert actions[-2:] == ["voting.register_imported", "voting.register_cleared"]


# --- low-threshold rounds ----------------------------------------------------------------------


def test_low_threshold_round_marks_self_declared_ballots(app):
    budget_round = make_round(identity_policy=IdentityPolicy.SELF_DECLARED)
    budget = budget_round.budgets[0]
    resident = make_voter(budget.district)
    services.cast_ballot(services.account_voter(budget_round, resident), budget, {budget.projects[0].id: 1})
    db.session.commit()
    device = browser(app, make_user(staff=True, locale="en"))
    response = open_session(device, budget_round, budget, personal_code="", birth_year="1950", identified_by="document")
    assert response.status_code == 422  # without the code, an account or a code identifies the resident
    _batch, plain = services.create_code_batch(make_user(staff=True), budget_round, "Pop-up", 1)
    db.session.commit()
    response = open_session(device, budget_round, budget, personal_code="", birth_year="1950",
                            identified_by="code", code=plain[0])
    assert cast_in_session(device, budget, response, budget.projects[1]).status_code == 302
    response = open_session(device, budget_round, budget, personal_code=OTHER)
    assert cast_in_session(device, budget, response, budget.projects[2]).status_code == 302
    assert [ballot.identity_verified for ballot in counted()] == [False, False, True]


def test_identifying_after_voting_does_not_give_a_second_ballot(app):
    budget_round = make_round(identity_policy=IdentityPolicy.SELF_DECLARED)
    budget = budget_round.budgets[0]
    resident = make_voter(budget.district)
    services.cast_ballot(services.account_voter(budget_round, resident), budget, {budget.projects[0].id: 1})
    bind_person(resident, parse_personal_code(ADULT), "eid")
    db.session.commit()
    with pytest.raises(services.VotingRefused) as refused:
        services.cast_ballot(services.account_voter(budget_round, resident), budget, {budget.projects[1].id: 1})
    assert refused.value.reason == "identity_already_voted"
