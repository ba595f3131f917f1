"""The open-data API blueprint: JSON (views), GeoJSON and CSV (exports), the OpenAPI document and its docs page."""
from smartcities.api import docs, exports, openapi, views

bp = views.bp

__all__ = ["bp", "docs", "exports", "openapi", "views"]
