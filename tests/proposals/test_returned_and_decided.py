"""A proposal the steering group returned for more information, and one with a published decision."""

import pytest

from pb.calls.models import CallStatus
from pb.extensions import db
from pb.proposals import services
from pb.proposals.models import ApplicantStatus, DecisionOutcome, Eligibility
from pb.proposals.services import ProposalRuleError
from tests.factories import make_call, make_proposal, make_user


@pytest.fixture
def reviewed(login):
    representative = make_user(locale="en")
    call = make_call("closed", status=CallStatus.IN_REVIEW,
                     appeal_text={"fi": "Oikaisu 14 päivässä.", "en": "Ask for a review within 14 days."})
    proposal = make_proposal(call, representative=representative, state="submitted", now=call.opens_at)
    proposal.eligibility = Eligibility.ELIGIBLE
    db.session.commit()
    login(representative)
    return representative, proposal


def test_closed_call_refuses_changes_until_the_proposal_is_returned(reviewed):
    representative, proposal = reviewed
    assert not proposal.can_edit(representative)
    with pytest.raises(ProposalRuleError):
        services.save_step(representative, proposal, "basics", {}, proposal.version_id)
    services.return_for_information(make_user(staff=True), proposal, "Who runs the evenings?")
    db.session.commit()
    assert proposal.can_edit(representative)
    assert proposal.applicant_status() is ApplicantStatus.RETURNED


def test_returned_proposal_is_changed_and_sent_again(client, reviewed):
    representative, proposal = reviewed
    services.return_for_information(make_user(staff=True), proposal, "Who runs the evenings?")
    db.session.commit()
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Who runs the evenings?" in page and "Change the proposal" in page
    step = client.get(f"/proposals/{proposal.id}/edit/basics").get_data(as_text=True)
    assert "The steering group asked for more information." in step and "Who runs the evenings?" in step
    services.save_step(representative, proposal, "goals", {"goals": [
        {"change": "More neighbours meet", "measure": "Count", "baseline": "0", "target": "30"}]}, proposal.version_id)
    services.submit(representative, proposal, proposal.version_id)
    db.session.commit()
    assert not proposal.is_returned and proposal.latest_version.number == 2
    assert not proposal.can_edit(representative)  # the call is closed again for it


def test_decision_with_reasons_conditions_and_appeal_text_on_the_proposal_page(client, reviewed):
    _representative, proposal = reviewed
    services.publish_decision(make_user(staff=True), proposal, DecisionOutcome.APPROVED_REDUCED, 3_000_00,
                              "Good plan; smaller budget.", "Report by May.")
    db.session.commit()
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    for text in ("Approved with a smaller amount", "Good plan; smaller budget.", "Report by May.",
                 "Ask for a review within 14 days."):
        assert text in page
    assert proposal.applicant_status() is ApplicantStatus.DECIDED
