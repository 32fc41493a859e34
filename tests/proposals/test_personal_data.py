"""The account's data export and erasure reach proposals, co-applicant rows and call comments."""

from pb.auth import services as accounts
from pb.calls.models import CallComment
from pb.extensions import db
from pb.proposals import services
from pb.proposals.models import CoApplicant, CoApplicantRight, Proposal
from pb.transactions import commit
from tests.factories import make_call, make_proposal, make_user


def test_export_lists_proposals_coapplicant_rows_and_comments(app):
    rep = make_user("rep@example.test")
    partner = make_user("partner@example.test")
    proposal = make_proposal(representative=rep, title="Oma hakemus")
    call = make_call("upcoming")
    db.session.add(CallComment(call=call, author=partner, body="Kysymys kriteereistä"))
    db.session.commit()
    with app.test_request_context():
        row, _ = services.invite_coapplicant(rep, proposal, partner.email, CoApplicantRight.VIEW, "Seura")
        services.accept_coapplicant(partner, row)
        commit()
        mine = accounts.export_data(rep)
        theirs = accounts.export_data(partner)
    assert [(p["proposal_id"], p["title"], p["status"]) for p in mine["proposals_created"]] == [
        (proposal.id, "Oma hakemus", "draft")
    ]
    (invitation,) = theirs["proposal_co_applicant_invitations"]
    assert invitation["proposal_id"] == proposal.id and invitation["partner"] == "Seura"
    assert invitation["accepted_at"] is not None
    assert [c["body"] for c in theirs["call_comments"]] == ["Kysymys kriteereistä"]


def test_erasure_removes_coapplicant_rows_and_keeps_the_proposal(app):
    rep = make_user()
    partner = make_user("partner@example.test")
    invited_only = "later@example.test"
    proposal = make_proposal(representative=rep)
    with app.test_request_context():
        row, _ = services.invite_coapplicant(rep, proposal, partner.email, CoApplicantRight.EDIT)
        services.accept_coapplicant(partner, row)
        services.invite_coapplicant(rep, proposal, invited_only, CoApplicantRight.VIEW)
        commit()
        accounts.delete_account(partner)
        commit()
    emails = db.session.execute(db.select(CoApplicant.email)).scalars().all()
    assert emails == [invited_only]
    assert db.session.get(Proposal, proposal.id) is not None
