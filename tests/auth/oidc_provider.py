"""A minimal OpenID Connect provider for the tests of strong electronic identification (pb.auth.eid).

It serves discovery, an authorization endpoint that approves at once (or answers as the test asks: the
person cancels), a token endpoint that checks the client's secret, the code's redirect URI and the PKCE
verifier before returning an RS256-signed ID token, the public keys (JWKS) and a userinfo endpoint. It runs
over real HTTP on 127.0.0.1 in a thread, so the app's Authlib client talks to it as to a real provider.

What the next identification returns is set on the provider by each test (``id_claims``, ``deny``,
``signing``...); :meth:`LocalProvider.reset` puts the defaults back.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "pb-test-client"
CLIENT_SECRET = "pb-test-secret"
KEY_ID = "provider-key-1"


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class LocalProvider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})
        # Same key id, another key: what a forger without the provider's private key can sign with.
        self.foreign_key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})
        self.client_id, self.client_secret = CLIENT_ID, CLIENT_SECRET
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="oidc-provider", daemon=True)
        self.reset()

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def reset(self):
        # Claims of the person who identifies next (besides iss, sub, aud, exp, iat, nonce).
        self.id_claims = {}
        # Claims the userinfo endpoint tells about that person (its "sub" is the ID token's unless set here).
        self.userinfo_claims = {}
        # Registered claims replaced in the next ID token; a value of None leaves the claim out.
        self.id_token_overrides = {}
        self.deny = False  # the person cancels at the provider
        self.signing = "valid"  # or "tampered" (payload changed after signing), "foreign_key"
        self.token_error = None  # the token endpoint refuses with this OAuth error
        self.discovery_overrides = {}
        self.discovery_requests = 0
        self.authorization_requests = []  # query arguments of each authorization request
        self.token_requests = []  # form of each token request
        self._codes = {}
        self._access_tokens = {}

    # -- endpoints ----------------------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        handler = {
            "/.well-known/openid-configuration": self._discovery,
            "/authorize": self._authorize,
            "/token": self._token,
            "/jwks": self._jwks,
            "/userinfo": self._userinfo,
        }.get(request.path)
        response = handler(request) if handler else Response("not found", status=404)
        return response(environ, start_response)

    def _json(self, data, status=200):
        return Response(json.dumps(data), status=status, mimetype="application/json")

    def _discovery(self, request):
        self.discovery_requests += 1
        return self._json({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            **self.discovery_overrides,
        })

    def _authorize(self, request):
        args = request.args.to_dict()
        self.authorization_requests.append(args)
        redirect_uri = args.get("redirect_uri", "")
        problems = [
            name for name, ok in (
                ("client_id", args.get("client_id") == self.client_id),
                ("response_type", args.get("response_type") == "code"),
                ("scope", "openid" in args.get("scope", "").split()),
                ("redirect_uri", redirect_uri.startswith("http")),
                ("state", bool(args.get("state"))),
                ("nonce", bool(args.get("nonce"))),
                ("code_challenge", args.get("code_challenge_method") == "S256" and bool(args.get("code_challenge"))),
            ) if not ok
        ]
        if problems:
            return Response(f"invalid authorization request: {problems}", status=400)
        if self.deny:
            answer = {"error": "access_denied", "error_description": "The user cancelled", "state": args["state"]}
        else:
            code = secrets.token_urlsafe(24)
            self._codes[code] = args
            answer = {"code": code, "state": args["state"]}
        return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(answer)}"})

    def _token(self, request):
        form = request.form.to_dict()
        self.token_requests.append(form)
        if self.token_error:
            return self._json({"error": self.token_error}, status=400)
        auth = request.authorization
        if not auth or (auth.username, auth.password) != (self.client_id, self.client_secret):
            return self._json({"error": "invalid_client"}, status=401)
        authorization = self._codes.pop(form.get("code"), None)  # a code works once
        if (
            authorization is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != authorization["redirect_uri"]
            or _b64url(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
            != authorization["code_challenge"]
        ):
            return self._json({"error": "invalid_grant"}, status=400)
        access_token = secrets.token_urlsafe(24)
        self._access_tokens[access_token] = authorization
        return self._json({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self._id_token(authorization),
        })

    def _id_token(self, authorization):
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "person-1",
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "nonce": authorization["nonce"],
            **self.id_claims,
        }
        for name, value in self.id_token_overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        header = {"alg": "RS256", "kid": KEY_ID}
        if self.signing == "foreign_key":
            return jwt.encode(header, claims, self.foreign_key)
        token = jwt.encode(header, claims, self.key)
        if self.signing == "tampered":
            head, _payload, signature = token.split(".")
            changed = {**claims, **{name: "131052-308T" for name in self.id_claims}, "sub": "person-2"}
            return ".".join((head, _b64url(json.dumps(changed).encode()), signature))
        return token

    def _jwks(self, request):
        return self._json(KeySet([self.key]).as_dict(private=False))

    def _userinfo(self, request):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self._access_tokens:
            return self._json({"error": "invalid_token"}, status=401)
        return self._json({"sub": "person-1", **self.userinfo_claims})
