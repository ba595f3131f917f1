"""The open-data API blueprint: JSON (views), GeoJSON and CSV (exports), the home map (map), OpenAPI and docs."""
from smartcities.api import docs, exports, map, openapi, views

bp = views.bp

__all__ = ["bp", "docs", "exports", "map", "openapi", "views"]
