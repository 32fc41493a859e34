"""Every registered route against the role table.

Each view declares its level (pb/access.py). Here every route is requested as
each role of the demo data, and the answer must match the table: allowed roles
get the page (200, or a redirect), others a redirect to login (anonymous) or 403;
never 404 for a route that exists, never 5xx. Routes that also check the object
(is this user a representative of *this* organisation?) are listed in
OBJECT_LEVEL with the roles that may use them. A new route with a URL argument
this test does not know fails here until it is added to ``sample_arguments``.
"""

import re

import pytest

from pb.access import Access, allows
from pb.auth.models import User
from pb.demo import seed_demo
from pb.extensions import db
from tests.helpers import csrf_token

ROLES = {
    "anonymous": None,
    "resident": "resident@demo.pb",
    "org_member": "ngo@demo.pb",
    "steering_member": "steering@demo.pb",
    "staff": "staff@demo.pb",
    "admin": "admin@demo.pb",
}

# endpoint -> roles that pass the object-level check on the demo object used below.
_ORG_MANAGERS = {"org_member", "staff", "admin"}
_STEERING = {"steering_member", "staff", "admin"}
OBJECT_LEVEL = {
    "orgs.edit": _ORG_MANAGERS,
    "orgs.members": _ORG_MANAGERS,
    "orgs.invite": _ORG_MANAGERS,
    "orgs.change_role": _ORG_MANAGERS,
    "orgs.remove_member": _ORG_MANAGERS,
    "orgs.revoke_invitation": _ORG_MANAGERS,
    "orgs.leave": {"org_member"},
    "steering.show": {"steering_member", "staff", "admin"},
    # The demo NGO's draft, never sent: its representative edits it; its page promises that only the
    # applicants see it, so staff and admins may not (tests/proposals/test_draft_privacy.py).
    "proposals.show": {"org_member"},
    "proposals.version": {"org_member"},
    "proposals.download_attachment": {"org_member"},
    "proposals.screen": set(),
    "proposals.edit_step": {"org_member"},
    "proposals.attachments": {"org_member"},
    "proposals.preview": {"org_member"},
    "proposals.withdraw": {"org_member"},
    "proposals.coapplicants": {"org_member"},
    # Only the staff member who opened an assisted-voting session may use it (the demo's is staff@demo.pb's).
    "voting.assisted_session": {"staff"},
    "voting.assisted_ballot": {"staff"},
    "voting.assisted_close": {"staff"},
    # Review: the open call and the first demo member are the demo steering group's; the sample proposal is a
    # draft (nobody reviews it); the sample meeting is the decided demo call's signed one.
    **{endpoint: _STEERING for endpoint in (
        "review.call", "review.conflict_register", "review.ranking_table", "review.ranking_csv", "review.meeting_list",
        "review.pack", "review.pack_pdf", "review.meeting", "review.minutes", "review.minutes_pdf",
    )},
    **{endpoint: set() for endpoint in (
        "review.proposal", "review.declare", "review.reopen", "review.paper", "review.assign", "review.sign_minutes",
    )},
    **{endpoint: {"staff", "admin"} for endpoint in (
        "review.start_meeting", "review.decide", "review.close_meeting",
    )},
    # Agreements: the demo agreement is the demo NGO's (its representative is org_member); the sample report is
    # accepted, so nobody adds files to it any more.
    **{endpoint: _ORG_MANAGERS for endpoint in (
        "agreements.show", "agreements.version", "agreements.accept", "agreements.report", "agreements.printable",
        "agreements.comment", "agreements.attachment",
    )},
    "agreements.add_attachment": set(),
}

# Routes whose GET answers 404 by design for the sample arguments (e.g. a token that is not valid).
SAMPLE_NOT_FOUND = {
    "auth.verify_email",
    "auth.reset_password",
    "auth.confirm_email_change",
    "orgs.show_invitation",
    "voting.idea_image",  # no demo idea has a picture
    "proposals.version",  # the sample is a draft: no version sent yet
    "proposals.download_attachment",  # no such attachment
    "proposals.open_data",  # the sample call is still open
    "proposals.show_coapplicant_invitation",
    "implementation.unfollow_link",  # the sample token is not a valid unfollow link
    "implementation.photo",  # the sample update has no photo (photos: tests/implementation)
    "agreements.attachment",  # the demo report has no file (files: tests/agreements)
    "surveys.answer",  # the sample token is not a survey link (answers: tests/surveys)
    # Strong electronic identification is not configured in the test app (tests/auth/test_eid.py configures it).
    "eid.start",
    "eid.callback",
}


def sample_arguments():
    """Demo objects used to fill URL arguments, by argument name."""
    from pb.agreements.models import Agreement
    from pb.calls.models import CallComment, Criterion, FundingCall
    from pb.districts.models import District
    from pb.implementation.models import ImplementationUpdate, ProjectImplementation
    from pb.orgs.models import Membership, Organisation, OrganisationKind
    from pb.proposals.models import Proposal
    from pb.review.models import ConflictDeclaration, Decision
    from pb.steering.models import SteeringGroup, SteeringMember
    from pb.tally.models import TallyRun
    from pb.surveys.models import Survey, SurveyInstrument, SurveyPhase
    from pb.voting.models import AssistedSession, BudgetRound, Idea, Project, RoundPhase

    def first(model, *criteria):
        return db.session.execute(db.select(model).where(*criteria).order_by(model.id).limit(1)).scalar_one()

    ngo = first(Organisation, Organisation.kind == OrganisationKind.NGO)
    open_call = next(call for call in db.session.execute(db.select(FundingCall)).scalars() if call.is_accepting_proposals())
    draft = first(Proposal, Proposal.title == "Lähiön lukupiiri")
    voting_round = first(BudgetRound, BudgetRound.phase == RoundPhase.VOTING)
    published_run = first(TallyRun, TallyRun.published_at.is_not(None))
    resident = first(User, User.email == "resident@demo.pb")
    decision = first(Decision)
    agreement = first(Agreement)
    return {
        "proposal_id": draft.id,
        "step": "basics",
        "attachment_id": 999_999,
        "coapplicant_id": _demo_coapplicant(draft).id,
        "number": 1,
        "round_id": voting_round.id,
        "round_budget_id": published_run.round_budget_id,
        "run_id": published_run.id,
        "budget_id": voting_round.budget_for(resident.district_id).id,
        "idea_id": first(Idea).id,
        "project_id": first(Project).id,
        "funded_project_id": first(ProjectImplementation).project_id,
        "update_id": first(ImplementationUpdate, ImplementationUpdate.photo_stored_name.is_(None)).id,
        "session_id": first(AssistedSession).id,
        "district_id": first(District).id,
        "org_id": ngo.id,
        "membership_id": first(Membership, Membership.organisation_id == ngo.id).id,
        "invitation_id": _demo_invitation(ngo).id,
        "group_id": first(SteeringGroup).id,
        "member_id": first(SteeringMember).id,
        "call_id": open_call.id,
        "criterion_id": first(Criterion, Criterion.call_id == open_call.id).id,
        "comment_id": first(CallComment, CallComment.call_id == open_call.id).id,
        "kind": "ngo",
        "role": "staff",
        "change": "grant",
        "direction": "up",
        "action": "close",
        "user_id": first(User, User.email == "resident@demo.pb").id,
        "token": "not-a-valid-token",
        "job_id": "no-such-job",
        "meeting_id": decision.meeting_id,
        "item_id": decision.id,
        "conflict_id": first(ConflictDeclaration).id,
        "agreement_id": agreement.id,
        "funded_proposal_id": agreement.proposal_id,
        "indicator_id": agreement.indicators[0].id,
        "instalment_id": agreement.instalments[0].id,
        "report_id": agreement.reports[0].id,
        "report_file_id": 999_999,
        "survey_id": first(Survey, Survey.phase == SurveyPhase.BEFORE).id,  # the demo's closed survey
        "instrument_id": first(SurveyInstrument).id,
        "item_key": "belong",
    }


def _demo_invitation(organisation):
    from pb.orgs.models import Invitation

    invitation = Invitation(organisation=organisation, email="invited@example.test")
    db.session.add(invitation)
    db.session.commit()
    return invitation


def _demo_coapplicant(proposal):
    from pb.proposals.models import CoApplicant

    coapplicant = CoApplicant(proposal=proposal, email="partner@example.test")
    db.session.add(coapplicant)
    db.session.commit()
    return coapplicant


@pytest.fixture
def demo(app):
    seed_demo(app.config["DEMO_PASSWORD"])
    return app.config["DEMO_PASSWORD"]


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def test_every_view_declares_its_access_level(app):
    undeclared = [
        rule.endpoint for rule in routes(app) if not hasattr(app.view_functions[rule.endpoint], "access_level")
    ]
    assert undeclared == []


def _signed_in_client(app, email, password):
    client = app.test_client()
    if email:
        token = csrf_token(client, "/auth/login")
        response = client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})
        assert response.status_code == 302, f"demo login failed for {email}"
    return client


def _expected(rule, role_name, user):
    level = app_view(rule).access_level
    if role_name in OBJECT_LEVEL.get(rule.endpoint, {role_name}) and allows(level, user or _Anonymous()):
        return "allowed"
    if user is None and level is not Access.PUBLIC:
        return "login"
    return "forbidden"


class _Anonymous:
    is_authenticated = False


_APP = {}


def app_view(rule):
    return _APP["app"].view_functions[rule.endpoint]


def _build(rule, arguments):
    missing = [name for name in rule.arguments if name not in arguments]
    assert not missing, f"{rule.endpoint}: add sample values for {missing} to sample_arguments()"
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(arguments[name]), path)
    return path


def test_role_by_route_table(app, demo):
    _APP["app"] = app
    arguments = sample_arguments()
    failures = []
    for role_name, email in ROLES.items():
        client = _signed_in_client(app, email, demo)
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar_one() if email else None
        for rule in sorted(routes(app), key=lambda r: r.rule):
            path = _build(rule, arguments)
            expected = _expected(rule, role_name, user)
            if "GET" in rule.methods:
                response = client.get(path)
                status = response.status_code
                if expected == "allowed":
                    ok = status in (200, 302) or (status == 404 and rule.endpoint in SAMPLE_NOT_FOUND)
                elif expected == "login":
                    ok = status == 302 and "/auth/login" in response.headers.get("Location", "")
                else:
                    ok = status == 403
            else:
                if expected == "allowed":
                    continue  # posting empty forms as allowed users would change demo state; covered per domain
                token = csrf_token(client, "/")
                response = client.post(path, data={"csrf_token": token})
                status = response.status_code
                if expected == "login":
                    ok = status == 302 and "/auth/login" in response.headers.get("Location", "")
                else:
                    ok = status == 403
            if not ok or status >= 500:
                failures.append(f"{role_name:16} {sorted(rule.methods - {'HEAD', 'OPTIONS'})} {path} -> {status}, expected {expected}")
    assert not failures, "\n".join(failures)
