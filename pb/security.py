"""HTTP security headers, applied to every response, the cap on form size, and safe redirects."""

import unicodedata
from urllib.parse import urlsplit

from flask import Request, current_app, request, url_for

from pb.i18n import CachedFormTranslations

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

HSTS = "max-age=31536000; includeSubDomains"

# Longer than any address of the site; a longer target is garbage.
MAX_NEXT_LENGTH = 2000

# Control, format, surrogate, private-use and unassigned characters, line and paragraph separators: what
# could split a header (CR, LF), hide a character (an RTL override) or fail to encode (a lone surrogate).
_UNPRINTABLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def _printable(text):
    return not any(unicodedata.category(char) in _UNPRINTABLE for char in text)


def safe_next(target, fallback="public.home"):
    """Only same-site relative paths are followed after a form (no open redirect, no header injection)."""
    if isinstance(target, str) and len(target) <= MAX_NEXT_LENGTH and _printable(target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(fallback)


def _served_over_https(app):
    """Production is served over HTTPS: SESSION_COOKIE_SECURE says so (the default), or this request came
    over HTTPS (itself, or through a trusted proxy: PB_TRUSTED_PROXIES). Not in debug mode, where it
    would pin localhost to HTTPS for a year."""
    return app.config["SESSION_COOKIE_SECURE"] or (request.is_secure and not app.debug)


class FormLimitedRequest(CachedFormTranslations, Request):
    """Caps url-encoded form bodies at MAX_FORM_MEMORY_SIZE (and reads WTForms' messages once).

    Since Werkzeug 3.1.9 that setting only limits multipart text parts, so a form
    without a file (url-encoded) could be as large as MAX_CONTENT_LENGTH (meant for
    uploads). Capping the whole body gives the 413 page before anything is parsed.
    """

    @property
    def max_content_length(self):
        limit = super().max_content_length
        if self._max_content_length is None and current_app and self.mimetype == "application/x-www-form-urlencoded":
            form_limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
            if form_limit is not None:
                return form_limit if limit is None else min(limit, form_limit)
        return limit

    @max_content_length.setter
    def max_content_length(self, value):
        self._max_content_length = value


def init_app(app):
    app.request_class = FormLimitedRequest

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if _served_over_https(app):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
