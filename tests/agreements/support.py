"""Builders for agreement tests: an approved proposal with its published decision, and an agreement in force."""

from dataclasses import dataclass
from datetime import timedelta

from pb.agreements.models import IndicatorKind, helsinki_today
from pb.agreements.services import drafting, versions
from pb.extensions import db
from pb.proposals.models import CoApplicant, CoApplicantRight, DecisionOutcome
from pb.proposals.services.decisions import publish_decision
from tests.factories import make_call, make_organisation, make_proposal, make_user

GRANT = 3_000_00


@dataclass
class Setup:
    staff: object
    grantee: object
    proposal: object
    agreement: object = None

    @property
    def count(self):
        return self.agreement.indicators[0]

    @property
    def scale(self):
        return self.agreement.indicators[1]


def approved_proposal():
    """A sent proposal (budget lines 2 000 € + 1 500 €) approved with 3 000 € and a condition, decision published."""
    staff = make_user(staff=True, name="Staff Person", locale="en")
    grantee = make_user(name="Grantee Person", locale="en")
    organisation = make_organisation("ngo", name="Kulmakunta ry", representative=grantee)
    call = make_call("closed")
    proposal = make_proposal(call, organisation=organisation, state="submitted", title="Yard party",
                             lines=(("Sound", 2_000_00), ("Food", 1_500_00)))
    publish_decision(staff, proposal, DecisionOutcome.APPROVED_REDUCED, GRANT, "Good plan.", "Food at most 1 000 €.")
    db.session.commit()
    return Setup(staff, grantee, proposal)


def indicator_values(kind=IndicatorKind.COUNT, **values):
    base = {"name": "Participants", "measure": "People at the events", "unit": "people", "baseline": "0",
            "target": "150", "kind": kind.value, "scale_min": None, "scale_max": None, "reported_by": "grantee"}
    base.update(values)
    return base


def draft(setup, due=(10, 100)):
    """The agreement with two indicators (a count, a scale 1-5), reports due ``due`` days from today,
    and two instalments: 2 000 € from yesterday and 1 000 € when report 2 is accepted."""
    today = helsinki_today()
    agreement = drafting.create_agreement(setup.staff, setup.proposal)
    drafting.set_terms(setup.staff, agreement, agreement.conditions, "dates",
                       fixed_dates=[today + timedelta(days=d) for d in due])
    drafting.save_indicator(setup.staff, agreement, indicator_values())
    drafting.save_indicator(setup.staff, agreement, indicator_values(
        IndicatorKind.SCALE, name="Satisfaction", unit="", target="4", scale_min=1, scale_max=5))
    drafting.add_instalment(setup.staff, agreement, 2_000_00, release_on=today - timedelta(days=1))
    drafting.add_instalment(setup.staff, agreement, 1_000_00, after_report_number=len(due))
    setup.agreement = agreement
    db.session.commit()
    return setup


def in_force(setup=None, due=(10, 100)):
    setup = draft(setup or approved_proposal(), due)
    version = versions.propose(setup.staff, setup.agreement)
    versions.accept(setup.staff, version, "staff")
    versions.accept(setup.grantee, version, "grantee")
    db.session.commit()
    return setup


def coapplicant(setup, right):
    user = make_user(locale="en")
    db.session.add(CoApplicant(proposal=setup.proposal, email=user.email, right=CoApplicantRight(right),
                               user_id=user.id, accepted_at=setup.proposal.submitted_at))
    db.session.commit()
    return user
