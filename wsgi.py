"""WSGI entry point in the checkout: ``gunicorn wsgi:app`` (installed: ``gunicorn 'pb.wsgi:app'``)."""

from pb.wsgi import app  # noqa: F401
