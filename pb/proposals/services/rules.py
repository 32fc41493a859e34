"""The rules a proposal must follow, shared by the forms and the submit check: the budget limits
of the call, the districts and organisations that may apply, and what keeps a proposal from being sent."""

from flask_babel import gettext as _

from pb.districts.models import District
from pb.extensions import db
from pb.money import money
from pb.orgs.models import MemberRole, Membership, Organisation
from pb.proposals.services.common import clock, closed_message, kind_error


def budget_problems(call, requested_cents, cofunding_cents):
    """Translated sentences for a budget the call's limits do not allow; empty when it fits."""
    problems = []
    if requested_cents > call.max_grant_cents:
        problems.append(
            _(
                "You ask for %(amount)s, but one grant from this call can be at most %(max)s.",
                amount=money(requested_cents),
                max=money(call.max_grant_cents),
            )
        )
    elif requested_cents < call.min_grant_cents:
        problems.append(
            _(
                "You ask for %(amount)s, but one grant from this call must be at least %(min)s.",
                amount=money(requested_cents),
                min=money(call.min_grant_cents),
            )
        )
    percent = call.cofunding_percent
    total = requested_cents + cofunding_cents
    if percent and cofunding_cents * 100 < percent * total:
        if percent >= 100:
            needed = total
        else:
            needed = -(-percent * requested_cents // (100 - percent))  # rounded up to the cent
        problems.append(
            _(
                "Your own funding must be at least %(percent)s %% of all the costs. With what you ask for, "
                "your own funding must be at least %(needed)s. Now it is %(own)s.",
                percent=percent,
                needed=money(needed),
                own=money(cofunding_cents),
            )
        )
    return problems


def district_choices(call):
    """The districts a proposal to ``call`` may name: the call's, or all for a municipality-wide call."""
    if not call.whole_municipality:
        return list(call.districts)
    return db.session.execute(db.select(District).order_by(District.id)).scalars().all()


def eligible_organisations(user, call):
    """Organisations ``user`` represents whose kind may apply to ``call``."""
    kinds = set(call.eligible_kinds)
    rows = db.session.execute(
        db.select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id, Membership.role == MemberRole.REPRESENTATIVE)
        .order_by(db.func.lower(Organisation.name), Organisation.id)
    ).scalars().all()
    return [organisation for organisation in rows if organisation.kind.value in kinds]


def submit_problems(proposal, now=None):
    """What keeps the working copy from being sent, as translated sentences; empty when it can be sent."""
    return [message for _step, message in submit_problems_by_step(proposal, now)]


def submit_problems_by_step(proposal, now=None):
    """``[(step, sentence)]``: what keeps the working copy from being sent, each with the step of the form
    that fixes it (None when no step can: the call's dates, the applicant's kind)."""
    now = now or clock()
    call = proposal.call
    problems = []
    if not (proposal.is_returned or call.is_accepting_proposals(now)):
        problems.append((None, closed_message(call, now)))
    if proposal.kind is None:
        problems.append((None, _("Choose the association or group that applies. Staff can help with this.")))
    elif proposal.kind.value not in call.eligible_kinds:
        problems.append((None, kind_error(proposal.kind)))
    if not proposal.title.strip():
        problems.append(("basics", _("Give the proposal a name (step 1).")))
    if not proposal.summary.strip():
        problems.append(("basics", _("Write the summary in plain language (step 1).")))
    if not proposal.description.strip():
        problems.append(("basics", _("Describe the activity (step 1).")))
    if not call.whole_municipality and not proposal.districts:
        problems.append(("basics", _("Choose the districts where the activity takes place (step 1).")))
    allowed = {district.id for district in district_choices(call)}
    if any(district.id not in allowed for district in proposal.districts):
        problems.append(("basics", _("Choose only districts that this call covers (step 1).")))
    if proposal.start_date is None or proposal.end_date is None:
        problems.append(("basics", _("Give the start and end dates of the activity (step 1).")))
    if not proposal.budget_lines:
        problems.append(("budget", _("Add at least one cost to the budget (step 2).")))
    else:
        problems.extend(
            ("budget", _("Budget (step 2): %(problem)s", problem=problem))
            for problem in budget_problems(call, proposal.requested_cents, proposal.cofunding_cents)
        )
    if not proposal.goals:
        problems.append(("goals", _("Add at least one goal (step 3).")))
    return problems
