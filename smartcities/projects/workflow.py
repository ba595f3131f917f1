"""The review workflow: draft → submitted → published → archived, submitted → returned → draft; and flag answers."""
from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from smartcities.accounts.permissions import can, require
from smartcities.audit import services as audit
from smartcities.database import utcnow
from smartcities.errors import DomainError, ValidationError
from smartcities.extensions import db
from smartcities.matching import suggestions
from smartcities.notifications import events
from smartcities.overlap.models import OverlapFlag
from smartcities.projects.models import Project
from smartcities.overlap import services as overlap
from smartcities.organisations.services import publish_partners
from smartcities.projects import revisions
from smartcities.projects.services import snapshot, touch

# move -> (the statuses it starts from, the status it leads to); nothing else moves a project.
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": (("draft",), "submitted"),
    "publish": (("submitted",), "published"),
    "return": (("submitted",), "returned"),
    "reopen": (("returned",), "draft"),
    "archive": (("published",), "archived"),
}
MAX_TEXT = 4000


class JustificationRequired(ValidationError):
    """Submitting with an open high-severity flag needs a written justification for each such flag."""


def allowed_moves(project: Project, user) -> list[str]:
    """The moves this user may make on the project now (the buttons to show)."""
    moves = [move for move, (sources, _target) in MOVES.items()
             if project.status in sources and can(user, move, project)]
    revision = project.open_revision if project.status == "published" else None
    if revision is not None and revision.status == "pending":
        moves += [move for move in ("publish", "return") if can(user, move, project)]
    return moves


def _move(project: Project, user, move: str, change: Callable[[], None] | None = None) -> None:
    """Check who and from where, apply the move (and `change`), and record it with before/after values."""
    require(user, move, project)
    sources, target = MOVES[move]
    if project.status not in sources:
        raise DomainError(_("A %(status)s project cannot be moved this way (%(move)s).",
                            status=project.status, move=move))
    before = snapshot(project)
    project.status = target
    if change is not None:
        change()
    touch(project, user)
    db.session.flush()
    audit.record(project, move, user, audit.diff(before, snapshot(project)))


def submit(project: Project, user, justifications: dict[int, str]) -> None:
    """Submit for review after re-running the overlap check; `justifications` maps flag ids to written answers."""
    require(user, "submit", project)
    if project.status not in MOVES["submit"][0]:
        raise DomainError(_("A %(status)s project cannot be submitted.", status=project.status))
    # keeps the ids of flags that still apply; a flag on a project the submitter may not see is the
    # reviewer's to weigh (the focal point sees both), so it cannot block the submitter
    flags = overlap.visible_flags(overlap.refresh_flags(project), user)
    answers = {flag_id: text.strip() for flag_id, text in justifications.items() if text.strip()}
    missing = {f"justification-{flag.id}": _("Explain why this project does not repeat “%(subject)s”.",
                                              subject=flag.subject)
               for flag in flags if flag.needs_justification and flag.id not in answers}
    if missing:
        raise JustificationRequired(missing)
    for flag in flags:
        if flag.status == "open" and flag.id in answers:
            justify_flag(flag, user, answers[flag.id])
    _move(project, user, "submit", lambda: setattr(project, "review_comment", None))
    events.project_event("project.submitted", project, user)


def justify_flag(flag: OverlapFlag, user, justification: str) -> None:
    """The city's written answer to a flag; the flag counts as acknowledged from then on."""
    require(user, "justify_flag", flag)
    db.session.refresh(flag, with_for_update=True)  # read the status under the row lock that the write needs
    before = {"status": flag.status, "justification": flag.justification}
    overlap.acknowledge_flag(flag, user, justification)
    db.session.flush()
    audit.record(flag, "acknowledged", user,
                 audit.diff(before, {"status": flag.status, "justification": flag.justification}))


def dismiss_flag(flag: OverlapFlag, user, reason: str) -> None:
    """A reviewer's decision that a flag is not an overlap, with the reason."""
    require(user, "dismiss_flag", flag)
    db.session.refresh(flag, with_for_update=True)
    before = {"status": flag.status, "dismissal_reason": flag.dismissal_reason}
    overlap.dismiss_flag(flag, user, reason)
    db.session.flush()
    audit.record(flag, "dismissed", user,
                 audit.diff(before, {"status": flag.status, "dismissal_reason": flag.dismissal_reason}))


def publish(project: Project, user) -> None:
    """Make a submitted project public, or publish the pending revision of a published one."""
    if project.status == "published":
        revisions.publish(project, user)
        return
    def stamp() -> None:
        project.published_at = utcnow()
        project.review_comment = None
    _move(project, user, "publish", stamp)
    publish_partners(project)
    events.project_event("project.published", project, user)
    suggestions.queue(project)


def return_project(project: Project, user, comment: str) -> None:
    """Send a submitted project (or a published one's pending revision) back to its city with a comment."""
    if project.status == "published":
        revisions.return_revision(project, user, comment)
        return
    text = (comment or "").strip()
    require(user, "return", project)
    if not text or len(text) > MAX_TEXT:
        raise ValidationError("comment", _("Write a comment for the city (at most %(n)d characters).", n=MAX_TEXT))
    _move(project, user, "return", lambda: setattr(project, "review_comment", text))
    events.project_event("project.returned", project, user, text)


def reopen(project: Project, user) -> None:
    """Take a returned project back to draft without editing it."""
    _move(project, user, "reopen")


def archive(project: Project, user) -> None:
    """Retire a published project from the public registry."""
    _move(project, user, "archive")
    events.project_event("project.archived", project, user)
