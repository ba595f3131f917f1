"""`flask --app app documents add (FILE | --url URL) --title T (--plan ID | --city SLUG | --country ISO2 |
--project ID) [--language xx] [--category A01] [--date YYYY-MM-DD]`: prints the new document's id."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from smartcities.cli import transactional
from smartcities.documents import services
from smartcities.errors import ValidationError


@click.group("documents")
def documents_group() -> None:
    """The document library: files and links attached to plans, cities, countries and projects."""


def _option_errors(error: ValidationError) -> ValidationError:
    """The service's field names as the command's options (document_date is --date, file the FILE argument)."""
    names = {"document_date": "--date", "file": "FILE", "url": "--url", "title": "--title",
             "language": "--language", "category": "--category", "plan": "--plan", "city": "--city",
             "country": "--country", "project": "--project"}
    return ValidationError({names.get(name, name): message for name, message in error.errors.items()})


@documents_group.command("add")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--url", help="a link instead of a file (http:// or https://)")
@click.option("--title", required=True, help="the document's title")
@click.option("--plan", "plan", help="attach to the plan with this id (e.g. th-bangkok-bma)")
@click.option("--city", help="attach to the city with this slug")
@click.option("--country", help="attach to the country with this ISO 3166-1 alpha-2 code")
@click.option("--project", help="attach to the project with this id")
@click.option("--language", default="en", show_default=True, help="ISO 639-1 language code")
@click.option("--category", help="IATI document category code (A01…A12, B01…B18)")
@click.option("--date", "document_date", help="the document's date, YYYY-MM-DD")
@transactional
def documents_add(file: str | None, url: str | None, title: str, plan: str | None, city: str | None,
                  country: str | None, project: str | None, language: str, category: str | None,
                  document_date: str | None) -> None:
    """Attach FILE (or --url) to one plan, city, country or project and print the new document's id."""
    try:
        targets = [(kind, value) for kind, value in (("plan", plan), ("city", city), ("country", country),
                                                     ("project", project)) if value is not None]
        if len(targets) != 1:
            raise ValidationError("--plan", "give exactly one of --plan, --city, --country or --project")
        if (file is None) == (url is None):
            raise ValidationError("FILE", "give either a FILE or --url, not both and not neither")
        target = services.find_target(*targets[0])
        fields = services.Fields(title, language, category, document_date)
        if url is not None:
            document = services.add_document(target, fields, url=url)
        else:
            document = services.add_document(target, fields, upload=_read(Path(file)))
    except ValidationError as error:
        raise _option_errors(error) from None
    click.echo(document.id)


def _read(path: Path) -> services.Upload:
    limit = current_app.config["DOCUMENTS_MAX_BYTES"]
    try:
        if path.stat().st_size > limit:
            raise ValidationError("file", f"is larger than {limit // (1024 * 1024)} MB")
        return services.Upload(path.read_bytes(), path.name)
    except OSError as error:
        raise ValidationError("file", f"cannot read {path}: {error.strerror}") from None


COMMANDS = (documents_group,)
