"""Home page and the health endpoints."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from smartcities.extensions import db

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    return render_template("web/home.html")


@bp.get("/healthz")
def healthz():
    """The process is up (no dependencies checked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database answers; load balancers send traffic only when it does."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not ready", never a stack trace
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
