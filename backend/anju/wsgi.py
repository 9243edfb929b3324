"""The WSGI entry point for gunicorn: ``gunicorn anju.wsgi:app``."""

from anju import create_app

app = create_app()
