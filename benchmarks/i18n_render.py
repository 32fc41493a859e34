"""What the template translation callables cost per page (not a test).

``pb.i18n.init_app`` installs Jinja callables that look up the current locale's catalogue once
per request (remembered in ``g``) instead of Flask-Babel's ``gettext``, which finds the catalogue
again for every message. This renders real demo pages with each and prints the time per page, so
the choice can be checked on any machine:

    .venv/bin/python benchmarks/i18n_render.py [--requests 300]
"""

import argparse
import statistics
import tempfile
import time

import flask_babel

from pb.app import create_app
from pb.demo import seed_demo
from pb.extensions import db
from pb.i18n import install_template_callables

PAGES = ("/", "/calls/", "/voting/", "/help")


def _flask_babel_callables(app):
    app.jinja_env.install_gettext_callables(
        gettext=flask_babel.gettext, ngettext=flask_babel.ngettext,
        pgettext=flask_babel.pgettext, npgettext=flask_babel.npgettext, newstyle=True,
    )


def _time_pages(client, requests):
    per_page = {}
    for path in PAGES:
        client.get(path)  # warm the template cache
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        per_page[path] = statistics.median(samples) * 1000
    return per_page


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per page and variant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "TESTING": True, "SECRET_KEY": "benchmark", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/b.sqlite",
            "OUTBOX_PATH": f"{folder}/outbox", "RATELIMIT_ENABLED": False, "REDIS_URL": None,
        })
        with app.app_context():
            db.create_all()
            seed_demo("benchmark-pass-2026")
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
        pb_times = _time_pages(client, args.requests)
        _flask_babel_callables(app)
        babel_times = _time_pages(client, args.requests)
        install_template_callables(app)
    print(f"median time per page over {args.requests} requests (ms)")
    print(f"{'page':<12}{'pb callables':>14}{'Flask-Babel':>14}{'saved':>9}")
    for path in PAGES:
        saved = babel_times[path] - pb_times[path]
        print(f"{path:<12}{pb_times[path]:>14.2f}{babel_times[path]:>14.2f}{saved:>8.2f}")


if __name__ == "__main__":
    main()
