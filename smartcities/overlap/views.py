"""`POST /api/v1/overlap-check`: the overlap check for partner systems and the project form."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from smartcities.errors import ValidationError
from smartcities.extensions import csrf, limiter
from smartcities.overlap.services import check_payload

bp = Blueprint("overlap", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # changes nothing; a signed-in asker's cookie only widens what they may already see


@bp.post("/overlap-check")
@limiter.limit(lambda: current_app.config["OVERLAP_RATE_LIMIT"])  # per client address; 429 with Retry-After
def overlap_check():
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON reader goes (silent covers only ValueError)
        payload = None
    if payload is None:
        raise ValidationError("body", "send a JSON object with Content-Type: application/json")
    return jsonify(check_payload(payload, current_user))
