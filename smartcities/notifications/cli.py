"""`flask --app app webhooks add|list|remove` and `flask --app app worker [--once]`."""
from __future__ import annotations

import sys

import click

from smartcities.cli import transactional
from smartcities.notifications import webhooks, worker
from smartcities.notifications.models import PUBLIC_KINDS


@click.group("webhooks")
def webhooks_group() -> None:
    """Partner systems' endpoints for public events, signed per Standard Webhooks."""


@webhooks_group.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True, type=click.Choice(PUBLIC_KINDS),
              help="a public event to send (repeat for more)")
@click.option("--secret-stdin", is_flag=True, help="read the whsec_ signing secret from standard input")
@transactional
def webhooks_add(url: str, events: tuple[str, ...], secret_stdin: bool) -> None:
    """Register URL for the given events and print the endpoint's id (a new secret goes to stderr if none given)."""
    secret = sys.stdin.readline().strip() if secret_stdin else None
    endpoint = webhooks.add_endpoint(url, list(events), secret)
    click.echo(endpoint.id)
    if not secret_stdin:
        click.echo(f"secret: {endpoint.secret}", err=True)


@webhooks_group.command("list")
def webhooks_list() -> None:
    """One line per endpoint: id, state, events, URL."""
    for endpoint in webhooks.endpoints():
        state = "active" if endpoint.active else f"disabled ({endpoint.disabled_reason})"
        click.echo(f"{endpoint.id}\t{state}\t{','.join(endpoint.events)}\t{endpoint.url}")


@webhooks_group.command("remove")
@click.argument("endpoint_id", type=int)
@transactional
def webhooks_remove(endpoint_id: int) -> None:
    """Delete an endpoint and its delivery log."""
    webhooks.remove_endpoint(endpoint_id)
    click.echo(f"removed {endpoint_id}")


@click.command("worker")
@click.option("--once", is_flag=True, help="deliver what is due now, then exit")
def worker_command(once: bool) -> None:
    """Deliver e-mail and webhooks from the outbox, and the daily digests, until stopped."""
    worker.run(once=once, started=lambda message: click.echo(message, err=True))


COMMANDS = (webhooks_group, worker_command)
