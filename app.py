"""WSGI entry point for `flask --app app` and gunicorn."""
from smartcities import create_app

app = create_app()
