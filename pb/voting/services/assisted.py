"""Assisted voting: staff help one resident vote on a staff device, after checking an identity document.

Staff record the personal identity code from the document, so the resident votes as the same person
(``codes.person_voter_key``) as on every other channel: a second ballot at another pop-up point, with
another code, or online after electronic identification, is refused. Only a low-threshold round lets
staff help a resident who has no Finnish identity code; that ballot is marked as not verified.
"""

from flask_babel import gettext as _

from pb.audit.services import record
from pb.auth.identity import parse_personal_code
from pb.auth.models import find_by_email
from pb.extensions import db
from pb.models_base import utcnow
from pb.voting import codes
from pb.voting.models import AssistedSession, Ballot, Channel, EligibilityMode, IdentityPolicy, age_band
from pb.voting.services.eligibility import (
    Voter,
    code_district,
    is_old_enough,
    person_voter,
    same_person_message,
    too_young_message,
)
from pb.voting.services.errors import RoundRuleError, closed_message, refuse_ballot
from pb.voting.services.voting_codes import check_code


def open_assisted_session(staff, budget_round, *, location, identified_by, district_id, age_checked,
                          residence_checked, personal_code=None, birth_year=None, email=None, code_text=None,
                          now=None):
    """Staff start helping one resident. ``personal_code`` is the identity code from the document.

    ``identified_by`` says what else the resident brought: "document" (nothing else), "account"
    (the email of their account) or "code" (a voting code or code letter, which is then used up).
    Without ``personal_code`` (low-threshold rounds only) the account or code is the identity and
    ``birth_year`` is what staff read from the document.
    """
    now = now or utcnow()

    def refuse(reason, message, status=409):
        refuse_ballot(reason, message, budget_round, channel=Channel.ASSISTED, actor=staff, status=status)

    if not budget_round.is_voting_open(now):
        refuse("voting_closed", closed_message())
    if not (age_checked and residence_checked):
        raise RoundRuleError(_("Check the resident's age and home district from an identity document first."),
                             field="residence_checked" if age_checked else "age_checked")
    person = parse_personal_code(personal_code) if personal_code else None
    if person is None and budget_round.identity_policy is IdentityPolicy.VERIFIED:
        raise RoundRuleError(_("In this round every voter's identity is checked: write the personal identity code."),
                             field="personal_code")
    if person is None and identified_by == "document":
        raise RoundRuleError(_("Without a personal identity code, identify the resident by an account or a voting code."),
                             field="identified_by")

    own_keys, code = set(), None
    if identified_by == "account":
        user = find_by_email(email or "")
        if user is None or not user.is_active:
            raise RoundRuleError(_("No account has this email address. Use a voting code instead."), field="email")
        if person is not None and user.person_hash not in (None, person.person_hash):
            raise RoundRuleError(_("This account belongs to another person than the identity document shows."),
                                 field="email")
        own_keys.add(codes.voter_key(budget_round, codes.account_identity(user)))
    elif identified_by == "code":
        code = check_code(budget_round, code_text, now, channel=Channel.ASSISTED)
        district = code_district(code)
        if (district is not None and district != district_id
                and budget_round.eligibility is not EligibilityMode.ANY_ONE_DISTRICT):
            refuse("forged_district", _("This code is for another district than the one the resident lives in."), 403)
        if person is not None and code.bound_voter_key not in (None, codes.person_voter_key(budget_round, person.person_hash)):
            refuse("code_of_another_person", _("This code letter was sent to another person. It cannot be used for this resident."), 403)
        own_keys.add(code.voter_key or codes.voter_key(budget_round, codes.code_identity(code)))

    if person is not None:
        voter = person_voter(budget_round, person.person_hash, Channel.ASSISTED, person.birth_year, district_id, now,
                             other_keys=own_keys)
        if voter.problem is not None:
            refuse(*voter.problem, status=403)
        key, district_id, band, old_enough = voter.key, voter.district_id, voter.age_band, voter.old_enough
    else:
        key = own_keys.pop()
        band, old_enough = age_band(birth_year, now.year), is_old_enough(budget_round, birth_year, now.year)
    if not old_enough:
        refuse("too_young", too_young_message(budget_round), 403)
    if person is not None and _has_voted(budget_round, {key, *own_keys}):
        refuse("identity_already_voted", same_person_message())

    session = AssistedSession(
        round_id=budget_round.id, staff_id=staff.id, location=location, age_checked=True, residence_checked=True,
        district_id=district_id, age_band=band, identified_by=identified_by, voter_key=key,
        identity_verified=person is not None, code_id=code.id if code is not None else None, opened_at=now,
    )
    db.session.add(session)
    db.session.flush()
    record(staff, "voting.assisted_opened", session, {"round_id": budget_round.id, "location": location})
    return session


def _has_voted(budget_round, keys):
    query = db.select(Ballot.id).where(Ballot.round_id == budget_round.id, Ballot.voter_key.in_(sorted(keys)))
    return db.session.execute(query.limit(1)).first() is not None


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
        verified=session.identity_verified,
    )


def close_assisted_session(staff, session, now=None):
    session.closed_at = now or utcnow()
    db.session.flush()
    record(staff, "voting.assisted_closed", session, {"round_id": session.round_id})
