"""Configuration from the environment.

Defaults make a fresh checkout work with nothing installed but Python: a SQLite
file in ``instance/``, jobs run inline, mail written to ``instance/outbox``.
Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY`` and ``MAIL_SERVER``.
"""

import os
import sys
from pathlib import Path

DEFAULT_SECRET_KEY = "insecure-development-key"
PACKAGE_DIR = Path(__file__).resolve().parent
# templates/, static/ and migrations/: at the top of a checkout; inside the package when installed
# from a wheel (setup.py copies them there).
INSTALLED = (PACKAGE_DIR / "templates").is_dir()
PROJECT_ROOT = PACKAGE_DIR if INSTALLED else PACKAGE_DIR.parent
# instance/ of the checkout; installed, Flask's place for an installed app's instance folder
# (<virtualenv>/var/pb-instance), never inside site-packages.
INSTANCE_PATH = Path(os.environ.get(
    "PB_INSTANCE_PATH", Path(sys.prefix) / "var" / "pb-instance" if INSTALLED else PROJECT_ROOT / "instance"))


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key():
    """SECRET_KEY from the environment, else from ``instance/secret_key`` (written by ``make run``)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = INSTANCE_PATH / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    return DEFAULT_SECRET_KEY


def _database_url():
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_PATH / 'pb.sqlite'}"
    # Heroku-style URLs; SQLAlchemy wants the psycopg 3 driver named.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    def __init__(self):
        self.SECRET_KEY = _secret_key()
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        # pre-ping: a pooled connection is tested (one round trip) before each request uses it, so a
        # restarted database costs no failed request. Off, the first request on a dead connection fails
        # and the pool is renewed: one round trip less per request (docs/capacity.md).
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": env_flag("PB_DATABASE_PRE_PING", True)}
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.RQ_QUEUE = os.environ.get("PB_RQ_QUEUE", "pb")

        self.INSTANCE_PATH = str(INSTANCE_PATH)
        self.OUTBOX_PATH = os.environ.get("PB_OUTBOX_PATH", str(INSTANCE_PATH / "outbox"))
        self.UPLOAD_PATH = os.environ.get("PB_UPLOAD_PATH", str(INSTANCE_PATH / "uploads"))
        self.MAX_CONTENT_LENGTH = int(os.environ.get("PB_MAX_UPLOAD_MB", "20")) * 1024 * 1024
        self.MAX_FORM_MEMORY_SIZE = 512 * 1024

        self.BABEL_DEFAULT_LOCALE = "fi"
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Helsinki"
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
        self.LANGUAGES = ("fi", "sv", "en")

        secure = env_flag("SESSION_COOKIE_SECURE", True)
        self.SESSION_COOKIE_SECURE = secure
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
        self.WTF_CSRF_TIME_LIMIT = 60 * 60 * 8

        self.RATELIMIT_ENABLED = env_flag("PB_RATELIMIT_ENABLED", True)
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # Redis down must not stop signing in: limits fall back to this process's memory (logged as
        # "Rate limit storage unreachable"), and any other storage error lets the request through, logged.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2} if self.REDIS_URL else {}
        self.RATELIMIT_HEADERS_ENABLED = True
        # Wrong passwords (login and account pages) per address and per account; right ones are not counted.
        self.LOGIN_RATE_LIMIT = os.environ.get("PB_LOGIN_RATE_LIMIT", "50 per 15 minutes;500 per day")
        self.LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("PB_LOGIN_ACCOUNT_RATE_LIMIT", "10 per 15 minutes")
        # Proxies in front of the app whose X-Forwarded-For/-Proto are believed (0: none, the socket's address).
        self.TRUSTED_PROXIES = int(os.environ.get("PB_TRUSTED_PROXIES", "0"))
        self.REGISTER_RATE_LIMIT = os.environ.get("PB_REGISTER_RATE_LIMIT", "5 per minute;50 per day")
        # Ballots per address (generous: a class votes from one address) and per voter (account or code).
        self.VOTING_RATE_LIMIT = os.environ.get("PB_VOTING_RATE_LIMIT", "600 per minute")
        self.VOTING_VOTER_RATE_LIMIT = os.environ.get("PB_VOTING_VOTER_RATE_LIMIT", "30 per minute")
        # Wrong voting codes and receipts per address (right ones are not counted), and entries of one code.
        self.VOTING_CODE_RATE_LIMIT = os.environ.get("PB_VOTING_CODE_RATE_LIMIT", "20 per minute;200 per hour")
        self.VOTING_CODE_PER_CODE_RATE_LIMIT = os.environ.get("PB_VOTING_CODE_PER_CODE_RATE_LIMIT", "10 per hour")

        self.MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
        self.MAIL_USE_TLS = env_flag("MAIL_USE_TLS", True)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "pb@localhost")

        self.EMAIL_TOKEN_MAX_AGE = int(os.environ.get("PB_EMAIL_TOKEN_HOURS", "48")) * 3600
        self.PASSWORD_RESET_MAX_AGE = 2 * 3600
        self.DEMO_PASSWORD = os.environ.get("PB_DEMO_PASSWORD", "demo-pass-2026")
        self.SITE_NAME = os.environ.get("PB_SITE_NAME", "Osallistu")
        # Ballot secrecy: no published figure shows a group of fewer ballots than this (age band, channel...),
        # and a budget with fewer ballots publishes its totals but not its ballots one by one.
        self.BALLOT_SECRECY_MIN_GROUP = int(os.environ.get("PB_BALLOT_SECRECY_MIN_GROUP", "5"))
        # The voter's pages show a round's state (open, closed early) as read at most this many seconds ago
        # in this process; the ballot itself always reads it afresh (pb.voting.services.round_cache).
        self.VOTING_ROUND_RECHECK_SECONDS = float(os.environ.get("PB_VOTING_ROUND_RECHECK_SECONDS", "1"))
        # Experience surveys: no figure shows a group of fewer answers than this, to anyone (staff too).
        self.SURVEY_MIN_GROUP = int(os.environ.get("PB_SURVEY_MIN_GROUP", "5"))
        # Links in mail sent by workers and the CLI, where there is no request to take the address from.
        self.PB_BASE_URL = os.environ.get("PB_BASE_URL", "http://127.0.0.1:5000")

        # Strong electronic identification through an OpenID Connect provider (pb.auth.eid): on only when
        # the issuer and the client id are set. The identity claim carries the personal identity code.
        self.EID_ISSUER = os.environ.get("EID_ISSUER") or None
        self.EID_CLIENT_ID = os.environ.get("EID_CLIENT_ID") or None
        self.EID_CLIENT_SECRET = os.environ.get("EID_CLIENT_SECRET") or None
        self.EID_SCOPE = os.environ.get("EID_SCOPE", "openid")
        self.EID_IDENTITY_CLAIM = os.environ.get("EID_IDENTITY_CLAIM", "personal_identity_code")
        self.EID_NAME = os.environ.get("EID_NAME", "")
        # Seconds to wait for the provider's answer before telling the person it cannot be reached.
        self.EID_TIMEOUT = float(os.environ.get("EID_TIMEOUT", "10"))
