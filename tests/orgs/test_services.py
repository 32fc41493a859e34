"""Organisation services and predicates, called directly."""

import pytest
from itsdangerous import URLSafeTimedSerializer

from pb.extensions import db
from pb.orgs import services
from pb.orgs.models import MemberRole, OrganisationKind
from pb.orgs.services import OrganisationRuleError
from pb.transactions import commit
from tests.factories import make_district, make_organisation
from tests.orgs.support import audit_actions, audit_events, english_request, user


def _profile(**values):
    profile = dict.fromkeys(services.PROFILE_FIELDS)
    profile.update(values)
    return profile


def test_creator_becomes_representative_and_creation_is_audited(app):
    creator = user()
    with english_request(app):
        organisation = services.create_organisation(
            creator, OrganisationKind.NGO, _profile(name="Kulmakunta ry", business_id="1572860-0", email="a@b.fi")
        )
        db.session.commit()
    assert organisation.membership_of(creator).role is MemberRole.REPRESENTATIVE
    assert organisation.can_manage(creator)
    (event,) = audit_events("orgs.created")
    assert event.actor_id == creator.id
    assert event.subject_type == "Organisation" and event.subject_id == str(organisation.id)


def test_duplicate_business_id_is_a_rule_error_not_an_integrity_error(app):
    make_organisation(business_id="1572860-0")
    with english_request(app), pytest.raises(services.DuplicateBusinessId, match="already registered"):
        services.create_organisation(user(), OrganisationKind.NGO, _profile(name="Copy", business_id="1572860-0"))


def test_updating_keeps_own_business_id_and_records_changed_fields(app):
    representative = user()
    organisation = make_organisation(business_id="1572860-0", representative=representative)
    profile = {name: getattr(organisation, name) for name in services.PROFILE_FIELDS}
    profile["description"] = "We plant trees."
    with english_request(app):
        assert services.update_organisation(representative, organisation, profile) == ["description"]
        assert services.update_organisation(representative, organisation, profile) == []
    assert [event.details for event in audit_events("orgs.updated")] == [{"fields": ["description"]}]


def test_resident_group_contacts_are_replaced_on_update(app):
    representative = user()
    group = make_organisation("resident_group", representative=representative, district=make_district())
    profile = _profile(**{name: getattr(group, name) for name in services.PROFILE_FIELDS})
    contacts = [{"name": "Maija", "email": None, "phone": "040 123 4567"}]
    with english_request(app):
        assert services.update_organisation(representative, group, profile, contacts) == ["contacts"]
    db.session.commit()
    assert [(c.name, c.phone) for c in group.contacts] == [("Maija", "040 123 4567")]


def test_view_and_manage_predicates():
    representative, member, staff, outsider = user(), user(), user(staff=True), user()
    organisation = make_organisation(representative=representative, members=[member])
    assert [organisation.can_manage(u) for u in (representative, member, staff, outsider)] == [True, False, True, False]
    assert [organisation.can_view_private(u) for u in (representative, member, staff, outsider)] == [
        True,
        True,
        True,
        False,
    ]


def test_last_representative_cannot_be_demoted_removed_or_leave(app):
    representative, member = user(), user()
    organisation = make_organisation(representative=representative, members=[member])
    only = organisation.membership_of(representative)
    with english_request(app):
        with pytest.raises(OrganisationRuleError, match="at least one representative"):
            services.change_member_role(representative, only, MemberRole.MEMBER)
        with pytest.raises(OrganisationRuleError, match="at least one representative"):
            services.remove_member(representative, only)
        with pytest.raises(OrganisationRuleError, match="at least one representative"):
            services.leave_organisation(representative, organisation)
        # With a second representative, the first may step down.
        other = organisation.membership_of(member)
        assert services.change_member_role(representative, other, MemberRole.REPRESENTATIVE)
        assert services.change_member_role(representative, only, MemberRole.MEMBER)
        db.session.commit()
    assert audit_actions("orgs.member_role_changed") == ["orgs.member_role_changed"] * 2


def test_invitation_round_trip(app, outbox):
    representative, invitee = user(), user(email="new.member@example.test")
    organisation = make_organisation(representative=representative)
    with english_request(app):
        invitation, sent_again = services.invite_member(
            representative, organisation, " New.Member@example.test ", MemberRole.MEMBER
        )
        assert not sent_again and invitation.email == "new.member@example.test"
        token = services.invitation_token(invitation)
        db.session.commit()
        assert services.invitation_from_token(token) is invitation
        services.accept_invitation(invitee, invitation)
        db.session.commit()
        with pytest.raises(OrganisationRuleError, match="already accepted"):
            services.accept_invitation(invitee, invitation)
    assert organisation.membership_of(invitee).role is MemberRole.MEMBER
    assert audit_actions("orgs.") == ["orgs.member_invited", "orgs.invitation_accepted"]


def test_inviting_again_reuses_the_open_invitation(app, outbox):
    representative = user()
    organisation = make_organisation(representative=representative)
    with english_request(app):
        first, _ = services.invite_member(representative, organisation, "x@example.test", MemberRole.MEMBER)
        second, sent_again = services.invite_member(
            representative, organisation, "x@example.test", MemberRole.REPRESENTATIVE
        )
        commit()
    assert sent_again and first is second and second.role is MemberRole.REPRESENTATIVE
    assert len(outbox.messages()) == 2


def test_member_cannot_be_invited_again(app):
    representative, member = user(), user()
    organisation = make_organisation(representative=representative, members=[member])
    with english_request(app), pytest.raises(OrganisationRuleError, match="already a member"):
        services.invite_member(representative, organisation, member.email, MemberRole.MEMBER)


def test_accepting_promotes_an_existing_member_but_never_demotes(app, outbox):
    representative, member = user(), user()
    organisation = make_organisation(representative=representative, members=[member])
    from pb.orgs.models import Invitation

    with english_request(app):
        promote = Invitation(email=member.email, role=MemberRole.REPRESENTATIVE)
        demote = Invitation(email=representative.email, role=MemberRole.MEMBER)
        organisation.invitations.extend([promote, demote])
        db.session.flush()
        services.accept_invitation(member, promote)
        services.accept_invitation(representative, demote)
    assert organisation.membership_of(member).role is MemberRole.REPRESENTATIVE
    assert organisation.membership_of(representative).role is MemberRole.REPRESENTATIVE


def test_wrong_account_and_revoked_invitations_are_refused(app, outbox):
    representative, stranger = user(), user()
    organisation = make_organisation(representative=representative)
    with english_request(app):
        invitation, _ = services.invite_member(representative, organisation, "someone@example.test", MemberRole.MEMBER)
        with pytest.raises(OrganisationRuleError, match="sent to someone@example.test"):
            services.accept_invitation(stranger, invitation)
        services.revoke_invitation(representative, invitation)
        with pytest.raises(OrganisationRuleError, match="cancelled"):
            services.accept_invitation(stranger, invitation)
        with pytest.raises(OrganisationRuleError, match="already been used or cancelled"):
            services.revoke_invitation(representative, invitation)
    assert not organisation.is_member(stranger)


def test_tokens_expire_after_14_days_and_are_bound_to_their_purpose(app, outbox, monkeypatch):
    import time
    from types import SimpleNamespace

    import itsdangerous.timed

    representative = user()
    organisation = make_organisation(representative=representative)
    with english_request(app):
        invitation, _ = services.invite_member(representative, organisation, "late@example.test", MemberRole.MEMBER)
        for days, valid in ((13, True), (15, False)):
            signed_at = time.time() - days * 24 * 3600
            monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda at=signed_at: at))
            token = services.invitation_token(invitation)
            monkeypatch.undo()
            if valid:
                assert services.invitation_from_token(token) is invitation
            else:
                with pytest.raises(services.InvitationLinkError, match="more than 14 days old") as expired:
                    services.invitation_from_token(token)
                assert expired.value.expired

        other_purpose = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="pb.auth.verify").dumps(
            {"invitation": invitation.id, "email": invitation.email}
        )
        with pytest.raises(services.InvitationLinkError, match="not valid"):
            services.invitation_from_token(other_purpose)
        token = services.invitation_token(invitation)
        with pytest.raises(services.InvitationLinkError, match="not valid"):
            services.invitation_from_token(token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))
