"""Importing the register of residents in a real browser, with an axe-core scan of every page on the way:
a file with wrong lines is refused line by line (nothing imported), the fixed file is imported, and the
page that removes the register says what removing does."""

import pytest
from playwright.sync_api import expect

from pb.extensions import db
from pb.voting.models import IdentityPolicy, RegisterEntry
from tests.factories import PASSWORD, make_round, make_user
from tests.voting.test_identity import ADULT, OTHER

pytestmark = pytest.mark.browser


def test_register_import_refuses_line_by_line_then_imports(live_server, page, sign_in, assert_accessible, tmp_path):
    staff = make_user(staff=True, locale="en", email="register-staff@example.test")
    budget_round = make_round("cost_estimation", identity_policy=IdentityPolicy.VERIFIED,
                              name={"fi": "Kierros", "en": "Register round"})
    district = budget_round.budgets[0].district.name["fi"]
    round_id = budget_round.id
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(f"henkilötunnus;syntymävuosi;alue\n{ADULT};1975;{district}\n131052-308U;1952;{district}\n"
                     f"{OTHER};1988;Atlantis\n{ADULT};1975;{district}\n", encoding="utf-8")
    right = tmp_path / "right.csv"
    right.write_text(f"henkilötunnus;syntymävuosi;alue\n{ADULT};1975;{district}\n{OTHER};1988;{district}\n",
                     encoding="utf-8")
    sign_in(page, staff.email, PASSWORD)

    page.goto(live_server.url(f"/voting/manage/{round_id}"))
    page.get_by_role("link", name="Register of residents").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register of residents: Register round")
    assert_accessible(page)

    page.get_by_label("The register file (CSV)").set_input_files(str(wrong))
    page.get_by_role("button", name="Import").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was imported")
    table = page.get_by_role("table", name="Lines that need fixing")
    expect(table.get_by_role("row")).to_have_count(4)  # the header and lines 3, 4 and 5
    expect(table).to_contain_text("last character")
    expect(table).to_contain_text("Atlantis")
    expect(table).to_contain_text("already on line 2")
    assert_accessible(page)
    assert db.session.execute(db.select(RegisterEntry)).scalars().all() == []

    page.get_by_label("The register file (CSV)").set_input_files(str(right))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".flashes")).to_contain_text("2 residents were added to the register.")
    expect(page.get_by_role("table", name="Residents on the register by district")).to_contain_text("2")
    assert_accessible(page)

    page.get_by_role("link", name="Remove the whole register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove the register?")
    expect(page.get_by_role("main")).to_contain_text("(2 residents)")
    assert_accessible(page)
    page.get_by_role("link", name="Cancel, keep the register").click()
    db.session.expire_all()
    assert len(db.session.execute(db.select(RegisterEntry)).scalars().all()) == 2
