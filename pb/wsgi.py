"""WSGI entry point of the installed package: ``gunicorn 'pb.wsgi:app'``, from any folder.

The same app serves ``flask --app pb.wsgi:app db upgrade`` and the other ``flask`` commands.
"""

from pb.app import create_app

app = create_app()
