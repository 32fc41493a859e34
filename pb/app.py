"""Application factory: config -> extensions -> blueprints -> CLI."""

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from pb.config import DEFAULT_SECRET_KEY, PROJECT_ROOT, Config

# Each domain's routes module (or routes package) defines its blueprint ``bp``.
BLUEPRINTS = (
    "pb.public.routes",
    "pb.auth.routes",
    "pb.auth.eid",
    "pb.districts.routes",
    "pb.orgs.routes",
    "pb.steering.routes",
    "pb.calls.routes",
    "pb.voting.routes",
    "pb.proposals.routes",
    "pb.tally.routes",
    "pb.review.routes",
    "pb.implementation.routes",
    "pb.agreements.routes",
    "pb.surveys.routes",
    "pb.impact.routes",
    "pb.admin.audit_log",
    "pb.admin.routes",
)


# Each domain that stores something about a person registers how to export and erase it.
PERSONAL_DATA_MODULES = (
    "pb.orgs.personal_data",
    "pb.steering.personal_data",
    "pb.proposals.personal_data",
    "pb.voting.personal_data",
    "pb.calls.personal_data",
    "pb.review.personal_data",
    "pb.implementation.personal_data",
    "pb.agreements.personal_data",
)


class InsecureConfigError(RuntimeError):
    pass


def create_app(config=None):
    """Build the app. ``config`` is a mapping that overrides values read from the environment."""
    app = Flask(
        "pb",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=Config().INSTANCE_PATH,
    )
    app.config.from_object(Config())
    if config:
        app.config.update(config)
    _refuse_insecure_secret(app)
    _trust_proxies(app)
    logging.basicConfig(level=logging.INFO)

    _init_extensions(app)
    _register_blueprints(app)
    app.jinja_env.filters["dict_without_none"] = lambda mapping: {k: v for k, v in mapping.items() if v is not None}

    from pb import cli

    cli.register(app)
    return app


def _refuse_insecure_secret(app):
    if app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY and not (app.debug or app.testing):
        raise InsecureConfigError(
            "SECRET_KEY is the built-in development key. Set SECRET_KEY in the environment "
            "(or run with --debug for local development)."
        )


def _trust_proxies(app):
    """Behind PB_TRUSTED_PROXIES proxies, the client's address and scheme are theirs to tell (X-Forwarded-For,
    X-Forwarded-Proto), so rate limits and HSTS see the real client; with 0 those headers are ignored."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _init_extensions(app):
    from pb import i18n, models_registry, money, security, transactions
    from pb.extensions import csrf, db, limiter, login_manager, mail, migrate
    from pb.public import errors

    db.init_app(app)
    models_registry.import_all()
    transactions.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    money.init_app(app)
    security.init_app(app)
    errors.init_app(app)


def _register_blueprints(app):
    import importlib

    for name in BLUEPRINTS:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
    for name in PERSONAL_DATA_MODULES:
        importlib.import_module(name)
