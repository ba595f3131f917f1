"""Answers to an overlap flag given at the same moment: exactly one is saved, the others are told, none merged."""
from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from smartcities.audit.models import AuditEvent
from smartcities.errors import DomainError
from smartcities.extensions import db
from smartcities.overlap.models import OverlapFlag
from smartcities.projects import workflow
from test_permissions import flagged

ANSWERS = 6


def test_simultaneous_dismissals_save_exactly_one(app, make_user, make_project):
    reviewer_id = make_user("focal_point", country="TH").id
    flag_id = flagged(make_project(title="Canal flood sensors", status="submitted")).id
    start = threading.Barrier(ANSWERS)
    outcomes: dict[str, str] = {}

    def answer(n: int) -> None:
        reason = f"Reviewed by desk {n}: a different canal."
        with app.app_context():
            from smartcities.accounts.models import User
            reviewer, flag = db.session.get(User, reviewer_id), db.session.get(OverlapFlag, flag_id)
            start.wait()
            try:
                workflow.dismiss_flag(flag, reviewer, reason)
                db.session.commit()
                outcomes[reason] = "saved"
            except (StaleDataError, DomainError) as refused:  # lost the race: told, nothing written
                db.session.rollback()
                outcomes[reason] = type(refused).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(ANSWERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == ANSWERS
    winners = [reason for reason, outcome in outcomes.items() if outcome == "saved"]
    assert len(winners) == 1, outcomes
    db.session.expire_all()
    flag = db.session.get(OverlapFlag, flag_id)
    assert flag.status == "dismissed" and flag.dismissal_reason == winners[0] and flag.version == 2
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity_type == "overlap_flag", AuditEvent.entity_id == flag_id,
        AuditEvent.action == "dismissed")) == 1
