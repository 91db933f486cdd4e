"""WSGI entry point: ``flask --app wsgi ...`` and ``gunicorn wsgi:app``."""
from portal.app import create_app

app = create_app()
