"""Assisted voting: staff help one resident vote on a staff device, after checking age and residence."""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.auth.models import find_by_email
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import codes
from pb.voting.models import AssistedSession, Ballot, Channel, EligibilityMode, age_band
from pb.voting.services.eligibility import Voter, code_district, is_old_enough, too_young_message
from pb.voting.services.errors import RoundRuleError, closed_message, refuse_ballot
from pb.voting.services.voting_codes import check_code


def open_assisted_session(staff, budget_round, *, location, identified_by, email=None, code_text=None,
                          birth_year, district_id, age_checked, residence_checked, now=None):
    """Staff start helping one resident. Checks age and residence; the resident then votes here."""
    now = now or utcnow()
    if not budget_round.is_voting_open(now):
        refuse_ballot("voting_closed", closed_message(), budget_round, channel=Channel.ASSISTED, actor=staff)
    if not (age_checked and residence_checked):
        raise RoundRuleError(_("Check the resident's age and home district from an identity document first."))
    if not is_old_enough(budget_round, birth_year, now.year):
        refuse_ballot(
            "too_young",
            too_young_message(budget_round),
            budget_round, channel=Channel.ASSISTED, actor=staff, status=403,
        )
    if identified_by == "account":
        user = find_by_email(email or "")
        if user is None or not user.is_active:
            raise RoundRuleError(_("No account has this email address. Use a voting code instead."))
        key = codes.voter_key(budget_round, codes.account_identity(user))
    else:
        code = check_code(budget_round, code_text, now, channel=Channel.ASSISTED)
        district = code_district(code)
        if (district is not None and district != district_id
                and budget_round.eligibility is not EligibilityMode.ANY_ONE_DISTRICT):
            refuse_ballot(
                "forged_district",
                _("This code is for another district than the one the resident lives in."),
                budget_round, channel=Channel.ASSISTED, actor=staff, status=403,
            )
        key = codes.voter_key(budget_round, codes.code_identity(code))
    session = AssistedSession(
        round_id=budget_round.id, staff_id=staff.id, location=location, age_checked=True, residence_checked=True,
        district_id=district_id, age_band=age_band(birth_year, now.year), identified_by=identified_by,
        voter_key=key, opened_at=now,
    )
    if identified_by != "account":
        session.code_id = code.id
    db.session.add(session)
    db.session.flush()
    record(staff, "voting.assisted_opened", session, {"round_id": budget_round.id, "location": location})
    return session


def assisted_voter(session):
    owned = db.session.execute(db.select(Ballot.id).filter_by(assisted_session_id=session.id)).scalars().all()
    return Voter(
        key=session.voter_key,
        channel=Channel.ASSISTED,
        district_id=session.district_id,
        age_band=session.age_band,
        code_id=session.code_id,
        session_id=session.id,
        owned_ballot_ids=frozenset(owned),
    )


def close_assisted_session(staff, session, now=None):
    session.closed_at = now or utcnow()
    db.session.flush()
    record(staff, "voting.assisted_closed", session, {"round_id": session.round_id})
