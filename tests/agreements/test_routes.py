"""Agreement pages over HTTP: the whole journey (draft, indicators, acceptance by both sides, a late report,
return and acceptance, the instalment released, the story page), who sees what, and bad input refused
with a clear message and what was typed kept."""

from datetime import timedelta

from pb.agreements.models import Agreement, InstalmentStatus, ReportStatus, helsinki_today
from pb.agreements.services import drafting, reports
from pb.extensions import db
from tests.agreements.support import approved_proposal, coapplicant, in_force
from tests.factories import make_organisation, make_user
from tests.helpers import browser, post_form


def agreement_url(setup):
    return f"/agreements/{setup.agreement.id}"


def report_url(report):
    return f"/agreements/reports/{report.id}"


def report_data(setup, count="120", scale="4", spent="500", spent_on=None, action="save"):
    return {f"indicator_{setup.count.id}": count, f"indicator_{setup.scale.id}": scale,
            "narrative": "We held the party.", "spent_0": spent,
            "spent_on_0": (spent_on or helsinki_today()).isoformat(), "participants": "120",
            "target_group_participants": "30", "action": action}


def test_the_journey_from_approval_to_the_released_instalment_and_the_story(app):
    setup = approved_proposal()
    staff, grantee = browser(app, setup.staff), browser(app, setup.grantee)
    assert "Yard party" in staff.get("/agreements/manage").get_data(as_text=True)
    response = post_form(staff, f"/agreements/proposals/{setup.proposal.id}/create", {}, form_url="/agreements/manage")
    assert response.status_code == 302
    agreement = db.session.execute(db.select(Agreement)).scalar_one()
    url = f"/agreements/{agreement.id}"
    today = helsinki_today()
    assert post_form(staff, f"{url}/terms", {
        "conditions": "Food at most 1 000 €.", "schedule_kind": "dates",
        "fixed_dates": f"{(today - timedelta(days=3)):%d.%m.%Y}\n{(today + timedelta(days=60)):%d.%m.%Y}",
    }).status_code == 302
    for name, kind, extra in (("Participants", "count", {}), ("Satisfaction", "scale", {"scale_min": "1", "scale_max": "5"})):
        assert post_form(staff, f"{url}/indicators/new", {"name": name, "kind": kind, "target": "4",
                                                          "reported_by": "grantee", **extra}).status_code == 302
    assert post_form(staff, f"{url}/instalments/new", {"amount": "2000", "release_on": today.isoformat()}).status_code == 302
    assert post_form(staff, f"{url}/instalments/new", {"amount": "1000", "after_report_number": "1"}).status_code == 302
    assert post_form(staff, f"{url}/propose", {}, form_url=url).status_code == 302
    assert post_form(staff, f"{url}/versions/1/accept", {"side": "staff"}, form_url=url).status_code == 302
    page = grantee.get(url).get_data(as_text=True)
    assert "Accept for the grantee" in page and "Accept for the municipality" not in page
    assert post_form(grantee, f"{url}/versions/1/accept", {"side": "grantee"}, form_url=url).status_code == 302
    db.session.expire_all()
    assert agreement.is_in_force

    setup.agreement = agreement
    report = agreement.report_numbered(1)
    assert report.is_overdue()
    response = post_form(grantee, report_url(report), report_data(setup, action="submit"))
    assert response.status_code == 302
    response = post_form(staff, f"{report_url(report)}/comment", {"text": "Please add the spending.", "action": "return"},
                         form_url=report_url(report))
    assert response.status_code == 302
    assert "Please add the spending." in grantee.get(report_url(report)).get_data(as_text=True)
    assert post_form(grantee, report_url(report), report_data(setup, count="130", action="submit")).status_code == 302
    assert post_form(staff, f"{report_url(report)}/comment", {"text": "", "action": "accept"},
                     form_url=report_url(report)).status_code == 302
    db.session.expire_all()
    assert report.status is ReportStatus.ACCEPTED and len(report.submissions) == 2 and report.was_late
    instalment = agreement.instalments[1]
    assert post_form(staff, f"{url}/instalments/{instalment.id}/release", {}, form_url=url).status_code == 302
    db.session.expire_all()
    assert instalment.status is InstalmentStatus.RELEASED

    story = browser(app).get(f"/agreements/stories/{setup.proposal.id}").get_data(as_text=True)
    assert "Yard party" in story and "Kulmakunta ry" in story and "130" in story
    assert "Grantee Person" not in story and "Staff Person" not in story


def test_a_grantee_sees_only_their_own_agreements_and_reports(app):
    setup = in_force()
    report = setup.agreement.report_numbered(1)
    other = make_user(locale="en")
    make_organisation("ngo", representative=other)
    db.session.commit()
    stranger = browser(app, other)
    assert stranger.get(agreement_url(setup)).status_code == 403
    assert stranger.get(report_url(report)).status_code == 403
    assert stranger.get(f"{report_url(report)}/printable").status_code == 403
    assert "Yard party" not in stranger.get("/agreements/").get_data(as_text=True)
    # A report for someone else's agreement: refused, nothing saved.
    assert post_form(stranger, report_url(report), report_data(setup), form_url="/").status_code == 403
    db.session.expire_all()
    assert report.values == {}
    assert "Yard party" in browser(app, setup.grantee).get("/agreements/").get_data(as_text=True)
    anonymous = browser(app)
    assert "/auth/login" in anonymous.get(agreement_url(setup)).headers["Location"]
    assert anonymous.get(f"/agreements/stories/{setup.proposal.id}").status_code == 200


def test_co_applicants_only_with_the_rights_given(app):
    setup = in_force()
    report = setup.agreement.report_numbered(1)
    reader, editor = browser(app, coapplicant(setup, "view")), browser(app, coapplicant(setup, "edit"))
    page = reader.get(report_url(report)).get_data(as_text=True)
    assert "Send the report" not in page
    assert post_form(reader, report_url(report), report_data(setup), form_url="/").status_code == 403
    assert "Accept for the grantee" not in reader.get(agreement_url(setup)).get_data(as_text=True)
    assert post_form(editor, report_url(report), report_data(setup)).status_code == 302
    assert "Accept for the grantee" not in editor.get(agreement_url(setup)).get_data(as_text=True)


def test_an_indicator_value_of_the_wrong_kind_and_future_spending_are_refused_with_the_input_kept(app):
    setup = in_force()
    report = setup.agreement.report_numbered(1)
    grantee = browser(app, setup.grantee)
    future = helsinki_today() + timedelta(days=3)
    response = post_form(grantee, report_url(report), report_data(setup, count="about fifty", spent_on=future))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write a whole number, 0 or more" in page and "cannot be dated in the future" in page
    assert 'value="about fifty"' in page and "We held the party." in page
    db.session.expire_all()
    assert report.values == {} and report.narrative == ""


def test_a_second_acceptance_of_a_replaced_version_is_refused(app):
    setup = in_force()
    drafting.save_indicator(setup.staff, setup.agreement, {"name": "Volunteers", "kind": "count", "reported_by": "grantee"})
    from pb.agreements.services import versions

    versions.propose(setup.staff, setup.agreement)
    db.session.commit()
    grantee = browser(app, setup.grantee)
    url = agreement_url(setup)
    response = post_form(grantee, f"{url}/versions/1/accept", {"side": "grantee"}, form_url=url)
    assert response.status_code == 409
    assert "replaced by a newer version" in response.get_data(as_text=True)
    assert "This version has been replaced" in grantee.get(f"{url}/versions/1").get_data(as_text=True)
    assert post_form(grantee, f"{url}/versions/2/accept", {"side": "grantee"}, form_url=url).status_code == 302


def test_an_instalment_over_the_remaining_grant_is_refused_with_the_amount_kept(app):
    setup = approved_proposal()
    agreement = drafting.create_agreement(setup.staff, setup.proposal)
    db.session.commit()
    staff = browser(app, setup.staff)
    response = post_form(staff, f"/agreements/{agreement.id}/instalments/new",
                         {"amount": "3500", "release_on": helsinki_today().isoformat()})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "more than the remaining grant" in page and 'value="3500"' in page
    assert not agreement.instalments


def test_staff_enter_a_paper_report_and_print_the_form(app):
    setup = in_force()
    report = setup.agreement.report_numbered(1)
    staff = browser(app, setup.staff)
    page = staff.get(report_url(report)).get_data(as_text=True)
    assert "on the grantee's behalf" in page
    assert post_form(staff, report_url(report), report_data(setup, action="submit")).status_code == 302
    db.session.expire_all()
    assert report.channel.value == "paper" and report.status is ReportStatus.SUBMITTED
    printable = staff.get(f"{report_url(report)}/printable").get_data(as_text=True)
    assert "Participants" in printable and "Sound" in printable


def test_residents_see_only_the_public_story(app):
    setup = in_force()
    reports.save(setup.grantee, setup.agreement.report_numbered(1),
                 {str(setup.count.id): "77", str(setup.scale.id): "4"}, "Done.", [], submit=True)
    db.session.commit()
    resident = browser(app, make_user(locale="en"))
    assert resident.get(agreement_url(setup)).status_code == 403
    story = resident.get(f"/agreements/stories/{setup.proposal.id}").get_data(as_text=True)
    assert "77" not in story  # only accepted reports count on the public page
    assert resident.get("/agreements/manage").status_code == 403


def test_the_proposal_page_link_leads_to_the_agreement_or_the_story(app):
    setup = in_force()
    url = f"/agreements/proposals/{setup.proposal.id}"
    grantee = browser(app, setup.grantee)
    assert f"/agreements/proposals/{setup.proposal.id}" in grantee.get(f"/proposals/{setup.proposal.id}").get_data(as_text=True)
    assert grantee.get(url).headers["Location"].endswith(agreement_url(setup))
    resident = browser(app, make_user(locale="en"))
    assert resident.get(url).headers["Location"].endswith(f"/agreements/stories/{setup.proposal.id}")
