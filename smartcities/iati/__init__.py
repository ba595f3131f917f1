"""IATI 2.03: the published projects as IATI activities (export.py builds them, views.py serves them)."""
from smartcities.iati.views import bp

__all__ = ["bp"]
