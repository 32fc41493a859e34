"""Strong electronic identification through the municipality's OpenID Connect provider (such as Suomi.fi).

A signed-in resident proves at the provider who they are; the personal identity code in the provider's
signed ID token is checked and bound to the account as its keyed hash (:mod:`pb.auth.identity`). The code
itself is kept nowhere: not in the session, the logs, the audit log or a message.

Authlib's Flask client speaks the protocol: the authorization code flow with PKCE (S256), state and nonce,
the ID token's signature checked against the provider's published keys (JWKS) and its issuer and audience
against the settings. The flow also remembers which account started it, so that a browser that changed
hands (a library computer) cannot bind one person's identity to the next person's account.
"""

import logging
import time

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token, is_secure_transport
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from joserfc.errors import JoseError

from pb.access import Access, access
from pb.audit.services import record
from pb.auth.identity import IdentityError, bind_person, parse_personal_code
from pb.extensions import db
from pb.security import safe_next
from pb.transactions import commit

log = logging.getLogger(__name__)

bp = Blueprint("eid", __name__, url_prefix="/identify")

METHOD = "eid"
# The identification under way in this browser: {"state", "user" (account id), "next" (a local path)}.
FLOW_KEY = "eid_flow"
_CLIENTS_KEY = "pb.eid.clients"
METADATA_MAX_AGE = 24 * 3600  # seconds


def eid_enabled():
    """Whether strong electronic identification is configured (the provider's issuer and our client id)."""
    config = current_app.config
    return bool(config.get("EID_ISSUER") and config.get("EID_CLIENT_ID"))


def eid_name():
    """What the provider is called on the pages, e.g. "Suomi.fi"."""
    return current_app.config.get("EID_NAME") or _("electronic identification")


@bp.app_context_processor
def _template_helpers():
    return {"eid_enabled": eid_enabled, "eid_name": eid_name}


# -- why an identification failed: the reason is audited, the person reads the title and the message ------


class IdentificationFailed(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _explanation(reason):
    """(HTTP status, title, message) for a failure ``reason``."""
    name = eid_name()
    nothing_saved = _("Nothing was saved.")
    if reason == "cancelled":
        return 200, _("You cancelled the identification"), " ".join((
            nothing_saved, _("You can identify yourself later, or vote at a voting point with the help of staff.")))
    if reason == "bad_state":
        return 400, _("The identification could not be finished"), " ".join((
            _("The identification was too old, or it was started in another browser window or by another account."),
            nothing_saved, _("Start again from this page.")))
    if reason == "provider_unreachable":
        return 503, _("%(name)s cannot be reached at the moment", name=name), " ".join((
            nothing_saved, _("Try again in a moment.")))
    if reason == "claim_missing":
        return 502, _("The identification did not succeed"), " ".join((
            _("%(name)s did not tell us your personal identity code, so we could not identify you.", name=name),
            nothing_saved, _("Ask staff for help.")))
    if reason == "code_invalid":
        return 422, _("The identification did not succeed"), " ".join((
            _("The personal identity code that %(name)s sent is not valid.", name=name),
            nothing_saved, _("Ask staff for help.")))
    if reason == "already_bound":
        return 409, _("You are already identified on another account"), " ".join((
            _("This person is already identified on another account. Sign in with that account, "
              "or ask staff for help."), nothing_saved))
    if reason == "different_person":
        return 409, _("This account belongs to another person"), " ".join((
            _("This account is already identified as another person. Each person uses their own account."),
            nothing_saved))
    # "token_invalid" (the answer did not pass its checks) and "provider_error" (the provider refused).
    return 502, _("The identification did not succeed"), " ".join((
        _("We could not confirm the answer from %(name)s, so it was not used.", name=name),
        nothing_saved, _("Try again, or ask staff for help.")))


# Trying again gives the same answer: the person needs staff, or another account.
_FINAL_REASONS = frozenset(("claim_missing", "code_invalid", "already_bound", "different_person"))


def _failed(user, reason, next_path):
    """Nothing of the attempt is kept but an audit event with the reason; the page says what happened."""
    db.session.rollback()
    record(user, "auth.identification_failed", user, {"method": METHOD, "reason": reason})
    commit()
    log.info("electronic identification failed for account %s: %s", user.id, reason)
    status, title, message = _explanation(reason)
    return render_template(
        "auth/eid_failed.html",
        title=title,
        message=message,
        retry_url=url_for("eid.start", next=next_path),
        can_retry=reason not in _FINAL_REASONS,
        next_path=next_path,
    ), status


# -- the provider's client --------------------------------------------------------------------------------


def _client():
    """The app's Authlib client for the configured provider; discovery and keys are fetched once and kept
    (the keys again when the provider signs with a new one)."""
    config = current_app.config
    scope = config.get("EID_SCOPE") or "openid"
    if "openid" not in scope.split():
        scope = f"openid {scope}"  # without it there is no ID token and no nonce
    settings = (config["EID_ISSUER"], config["EID_CLIENT_ID"], config.get("EID_CLIENT_SECRET") or None, scope,
                float(config.get("EID_TIMEOUT") or 10))
    clients = current_app.extensions.setdefault(_CLIENTS_KEY, {})
    if settings not in clients:
        issuer, client_id, client_secret, scope, timeout = settings
        registry = OAuth(current_app._get_current_object())
        clients[settings] = registry.register(
            "eid",
            client_id=client_id,
            client_secret=client_secret,  # none: a public client, PKCE alone protects the code
            server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": scope, "code_challenge_method": "S256", "default_timeout": timeout},
        )
    return clients[settings]


def _provider_metadata(client):
    """The provider's discovery document, which must name the configured issuer (OpenID Connect Discovery 4.3)."""
    issuer = current_app.config["EID_ISSUER"]
    if not is_secure_transport(issuer):
        log.error("EID_ISSUER must be an https address (plain http only on this machine): %r", issuer)
        raise IdentificationFailed("provider_error")
    if time.time() - client.server_metadata.get("_loaded_at", 0) > METADATA_MAX_AGE:
        client.server_metadata.clear()  # read discovery and keys again: a worker process lives for weeks
    metadata = client.load_server_metadata()
    if metadata.get("issuer") != issuer:
        log.error("EID_ISSUER is %r but the provider's discovery document names %r", issuer, metadata.get("issuer"))
        raise IdentificationFailed("provider_error")
    return metadata


def _claims_options():
    """What the ID token must say besides its signature, nonce and times: who issued it, and for whom."""
    config = current_app.config
    return {
        "iss": {"essential": True, "value": config["EID_ISSUER"]},
        "aud": {"essential": True, "value": config["EID_CLIENT_ID"]},
    }


# -- the flow ---------------------------------------------------------------------------------------------


@bp.route("/start")
@access(Access.RESIDENT)
def start():
    if not eid_enabled():
        abort(404)
    user = current_user._get_current_object()
    next_path = safe_next(request.args.get("next"), fallback="auth.account")
    if user.person_hash:
        flash(_("Your account is already identified."), "info")
        return redirect(next_path)
    state = generate_token(32)
    try:
        client = _client()
        _provider_metadata(client)
        response = client.authorize_redirect(url_for("eid.callback", _external=True), state=state)
    except requests.RequestException as error:
        log.warning("electronic identification: the provider cannot be reached: %s", type(error).__name__)
        return _failed(user, "provider_unreachable", next_path)
    except IdentificationFailed as failure:
        return _failed(user, failure.reason, next_path)
    session[FLOW_KEY] = {"state": state, "user": user.id, "next": next_path}
    return response


@bp.route("/callback")
@access(Access.RESIDENT)
def callback():
    if not eid_enabled():
        abort(404)
    user = current_user._get_current_object()
    flow = session.pop(FLOW_KEY, None) or {}
    next_path = safe_next(flow.get("next"), fallback="auth.account")
    try:
        claims = _verified_claims(user, flow)
        personal_code = _personal_code(claims)
        if user.person_hash and user.person_hash != personal_code.person_hash:
            raise IdentificationFailed("different_person")
        try:
            changed = bind_person(user, personal_code, METHOD)
        except IdentityError:
            raise IdentificationFailed("already_bound") from None
    except IdentificationFailed as failure:
        return _failed(user, failure.reason, next_path)
    commit()
    if changed:
        flash(_("You are now identified with %(name)s. Your vote counts once, whichever way you vote.",
                name=eid_name()), "success")
    else:
        flash(_("Your account is already identified."), "info")
    return redirect(next_path)


def _verified_claims(user, flow):
    """The ID token's claims, once the answer belongs to this browser's flow for this account and the token
    passed every check (signature, issuer, audience, nonce, times); else :class:`IdentificationFailed`."""
    state = request.args.get("state")
    if not state or state != flow.get("state") or flow.get("user") != user.id:
        raise IdentificationFailed("bad_state")
    client = _client()
    error = request.args.get("error")
    if error:
        client.framework.clear_state_data(session, state)
        log.info("electronic identification: the provider answered %r", error[:100])
        raise IdentificationFailed("cancelled" if error == "access_denied" else "provider_error")
    try:
        _provider_metadata(client)
        token = client.authorize_access_token(claims_options=_claims_options())
        claims = token.get("userinfo")  # Authlib's name for the ID token's checked claims
        if not claims:
            raise IdentificationFailed("token_invalid")  # an answer without an ID token
        return _with_identity_claim(client, token, claims)
    except MismatchingStateError:
        raise IdentificationFailed("bad_state") from None
    except requests.RequestException as error:
        log.warning("electronic identification: the provider cannot be reached: %s", type(error).__name__)
        raise IdentificationFailed("provider_unreachable") from None
    except JoseError as error:
        # The error names the check that failed (a bad signature, a claim), never a claim's value.
        log.warning("electronic identification: the ID token was refused: %s", error.error)
        raise IdentificationFailed("token_invalid") from None
    except (AuthlibBaseError, ValueError) as error:
        log.warning("electronic identification: the provider refused the code: %s", type(error).__name__)
        raise IdentificationFailed("provider_error") from None


def _with_identity_claim(client, token, claims):
    """Some providers give the identity code only at their userinfo endpoint: asked there when the ID token
    lacks it, and used only if that answer is about the same subject."""
    name = current_app.config.get("EID_IDENTITY_CLAIM") or "personal_identity_code"
    if name in claims or "userinfo_endpoint" not in client.load_server_metadata():
        return claims
    userinfo = client.userinfo(token=token)
    if userinfo.get("sub") != claims.get("sub"):
        raise IdentificationFailed("token_invalid")
    return {**claims, name: userinfo.get(name)}


def _personal_code(claims):
    name = current_app.config.get("EID_IDENTITY_CLAIM") or "personal_identity_code"
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip():
        raise IdentificationFailed("claim_missing")
    try:
        return parse_personal_code(value)
    except IdentityError:
        raise IdentificationFailed("code_invalid") from None
