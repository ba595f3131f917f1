"""`flask --app app …` commands: seed, plans, projects, users, overlap. Thin: parse, call a service, commit."""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from smartcities.accounts import services as accounts
from smartcities.accounts.models import ROLES
from smartcities.backup import BACKUP_COMMANDS
from smartcities.audit import services as audit
from smartcities.errors import DomainError, ValidationError
from smartcities.extensions import db
from smartcities.organisations.models import Organisation
from smartcities.organisations.services import merge_organisations
from smartcities.overlap.scratch import evaluate_files
from smartcities.plans.services import export_plans, import_plans
from smartcities.iati.importer import import_iati
from smartcities.projects import search_index
from smartcities.projects.importer import import_projects
from smartcities.reference import seed as seed_reference


def transactional(fn):
    """Commit on success; on a domain error roll back, print every problem and exit 1."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except DomainError as error:
            db.session.rollback()
            if isinstance(error, ValidationError):
                for name, message in error.errors.items():
                    click.echo(f"error: {name}: {message}", err=True)
                click.echo(f"{len(error.errors)} problem(s); nothing was written.", err=True)
            else:
                click.echo(f"error: {error.message}", err=True)
            sys.exit(1)
    return wrapper


@click.command("seed")
@transactional
def seed_command() -> None:
    """Load the ASCN reference data (countries, cities, focus areas, partners, plans). Idempotent."""
    report = seed_reference()
    total_changes = 0
    for label, tally in report.items():
        changes = tally["created"] + tally["updated"]
        total_changes += changes
        click.echo(f"{label:12} {tally['created']:4} created {tally['updated']:4} updated "
                   f"{tally['unchanged']:4} unchanged")
    click.echo("Reference data loaded." if total_changes else "Nothing to do: the reference data is up to date.")


@click.group("plans")
def plans_group() -> None:
    """National and city plans in the Plan file format."""


def _read_json(path: str):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise ValidationError("file", f"cannot read {path} as JSON: {exc}") from None


@plans_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@transactional
def plans_import(file: str) -> None:
    """Create or update plans from FILE.json (re-importing an id updates it)."""
    tally = import_plans(_read_json(file))
    click.echo(f"plans: {tally['created']} created, {tally['updated']} updated, {tally['unchanged']} unchanged")


@plans_group.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, writable=True))
def plans_export(file: str | None) -> None:
    """Write every plan as a Plan file to FILE (or standard output)."""
    text = json.dumps(export_plans(), ensure_ascii=False, indent=2) + "\n"
    if file:
        Path(file).write_text(text, encoding="utf-8")
        click.echo(f"wrote {file}", err=True)
    else:
        click.echo(text, nl=False)


@click.group("projects")
def projects_group() -> None:
    """Registered smart-city projects."""


@projects_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@transactional
def projects_import(file: str) -> None:
    """Import FILE.csv or FILE.geojson as published projects: every row, or none if any row is bad.

    A row whose id names a published project (as in the portal's own export) updates it; others are new.
    """
    def progress(rows):
        with click.progressbar(rows, label="Checking rows", file=sys.stderr, show_pos=True) as bar:
            yield from bar
    tally = import_projects(Path(file), progress=progress)
    if tally["created"] or tally["updated"]:  # one event for the run; each project has its own as well
        audit.record(audit.SYSTEM, "imported", None, {"file": [None, Path(file).name], "kind": [None, "projects"],
                                                      **{name: [None, count] for name, count in tally.items()}})
    click.echo(f"imported {sum(tally.values())} projects: {tally['created']} created, {tally['updated']} updated, "
               f"{tally['unchanged']} unchanged")


@projects_group.command("import-iati")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@transactional
def projects_import_iati(file: str) -> None:
    """Import the activities of an IATI activities FILE.xml (2.0x) that happen in an ASCN city, as published
    projects: all or nothing. An activity imported before (same iati-identifier) updates its project."""
    report = import_iati(Path(file))
    for identifier, reason in report.skipped.items():
        click.echo(f"skipped {identifier}: {reason}")
    for identifier, notes in report.notes.items():
        click.echo(f"note {identifier}: {'; '.join(notes)}")
    if report.created or report.updated:
        audit.record(audit.SYSTEM, "imported", None, {"file": [None, Path(file).name], "kind": [None, "iati"],
                                                      "created": [None, len(report.created)],
                                                      "updated": [None, len(report.updated)]})
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(report.reasons().items()))
    click.echo(f"kept {len(report.created) + len(report.updated) + len(report.unchanged)} activities: "
               f"{len(report.created)} created, {len(report.updated)} updated, {len(report.unchanged)} unchanged; "
               f"skipped {len(report.skipped)}" + (f" ({reasons})" if reasons else ""))


@projects_group.command("reindex-search")
@transactional
def projects_reindex_search() -> None:
    """Build every project's derived rows again, search index and stored GeoJSON Feature (after writing projects
    with SQL by hand)."""
    click.echo(f"indexed {search_index.rebuild(db.session.connection())} projects")


@click.group("users")
def users_group() -> None:
    """Accounts (there is no self-registration)."""


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--city", help="city slug or name (city officials)")
@click.option("--country", help="ISO2 code (focal points)")
@click.option("--organisation", help="organisation id or name (partners)")
@click.option("--name", "display_name", default="", help="display name")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@transactional
def users_create(email, role, city, country, organisation, display_name, password_stdin) -> None:
    """Create an account."""
    user = accounts.create_account(None, email, role, _password(password_stdin), display_name=display_name,
                                   city=city, country=country, organisation=organisation)
    click.echo(f"created {user.email} ({user.role})")


@users_group.command("set-password")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True)
@transactional
def users_set_password(email, password_stdin) -> None:
    """Set an account's password."""
    user = accounts.set_password(email, _password(password_stdin))
    click.echo(f"password changed for {user.email}")


@users_group.command("deactivate")
@click.option("--email", required=True)
@transactional
def users_deactivate(email) -> None:
    """Stop an account from signing in (its history is kept)."""
    user = accounts.deactivate(email)
    click.echo(f"deactivated {user.email}")


@click.group("organisations")
def organisations_group() -> None:
    """Funding partners and stakeholders."""


@organisations_group.command("merge")
@click.argument("from_id", type=int)
@click.argument("into_id", type=int)
@transactional
def organisations_merge(from_id: int, into_id: int) -> None:
    """Fold organisation FROM_ID (a duplicate) into INTO_ID, keeping every participation and the history."""
    source, target = (db.session.get(Organisation, n) for n in (from_id, into_id))
    missing = [str(n) for n, found in ((from_id, source), (into_id, target)) if found is None]
    if missing:
        raise ValidationError("id", f"no organisation with id {', '.join(missing)}")
    merged = merge_organisations(source, target, None)
    click.echo(f"merged {from_id} into {merged.id} ({merged.name})")


@click.group("overlap")
def overlap_group() -> None:
    """The overlap check."""


@overlap_group.command("evaluate")
@click.argument("plans_file", metavar="PLANS.json", type=click.Path(exists=True, dir_okay=False))
@click.argument("cases_file", metavar="CASES.json", type=click.Path(exists=True, dir_okay=False))
@transactional
def overlap_evaluate(plans_file: str, cases_file: str) -> None:
    """Precision, recall and F1 of the overlap check on labelled cases (plans loaded into a scratch database)."""
    report = evaluate_files(_read_json(plans_file), _read_json(cases_file))
    click.echo(f"{'category':40} {'cases':>5} {'precision':>9} {'recall':>7} {'F1':>6}   tp  fp  fn")
    rows = sorted(report["categories"].items()) + [("overall", report["overall"])]
    for name, m in rows:
        click.echo(f"{name:40} {m['cases']:5} {m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:6.3f} "
                   f"{m['tp']:4} {m['fp']:3} {m['fn']:3}")
    for miss in report.get("misses", []):
        click.echo(f"  miss {miss['id']}: expected {sorted(miss['expected'])}, flagged {sorted(miss['got'])}")


COMMANDS = (seed_command, plans_group, projects_group, users_group, organisations_group, overlap_group,
            *BACKUP_COMMANDS)
