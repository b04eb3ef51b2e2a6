"""The `promoplan` command line."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from tortoise import Tortoise

from api.resolvers.failures import ErrorCode
from api.settings import Settings, SettingsError, load_settings
from db.config import tortoise_config
from db.migrate import apply_migrations

T = TypeVar("T")

cli = typer.Typer(help="Promoplan: GraphQL API for promotion agencies.", no_args_is_help=True)


class AgencyRole(StrEnum):
    ADMIN = "ADMIN"
    STAFF = "STAFF"


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"promoplan: {exc}", err=True)
        raise typer.Exit(2) from None


def _with_database(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        await apply_migrations(settings.database_url)
        await Tortoise.init(config=tortoise_config(settings.database_url, pool_size=2))
        try:
            return await work()
        finally:
            await Tortoise.close_connections()

    return asyncio.run(run())


@cli.command()
def migrate() -> None:
    """Apply pending database migrations."""
    settings = _settings()
    asyncio.run(apply_migrations(settings.database_url))
    typer.echo("Migrations applied.")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Apply pending migrations, then serve the API on /graphql."""
    from api import serving

    settings = _settings()
    asyncio.run(apply_migrations(settings.database_url))
    typer.echo(f"Serving on http://{host}:{port}/graphql")
    status = serving.serve(host, port, workers, serving.ServerOptions.of(settings))
    if status:
        raise typer.Exit(status)


@cli.command("create-user")
def create_user_command(
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[AgencyRole, typer.Option(help="ADMIN or STAFF.")],
) -> None:
    """Create an agency login; the password comes from PROMOPLAN_PASSWORD or a prompt."""
    from api.resolvers.failures import UserFailure
    from api.resolvers.users import NewUser, create_user
    from db.models.accounts import Role

    settings = _settings()
    password = os.environ.get("PROMOPLAN_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = _with_database(
            settings, lambda: create_user(NewUser(email, name, Role(role.value), password))
        )
    except UserFailure as failure:
        for problem in failure.failures:
            typer.echo(f"promoplan: {problem.field or 'input'}: {problem.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Created {user.role} {user.email}.")


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo data set into an empty database and print the demo logins."""
    from api.demo import DEMO_LOGINS, seed_demo

    settings = _settings()
    created = _with_database(settings, lambda: seed_demo(settings))
    typer.echo("Demo data loaded." if created else "Database has data; demo not loaded again.")
    typer.echo("Demo logins:")
    for login in DEMO_LOGINS:
        typer.echo(f"  {login.role:<8} {login.email}  password: {login.password}")


@cli.command()
def worker() -> None:
    """Deliver outbox mail in this process (for deployments with several API processes)."""
    from api.logs import configure_logging
    from api.notifications.worker import OutboxWorker

    settings = _settings()
    configure_logging(settings.log_level)

    async def run() -> None:
        delivery = OutboxWorker(settings)
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, delivery.stop)
        await delivery.run()

    _with_database(settings, run)


outbox_cli = typer.Typer(help="Pending and failed mail.", invoke_without_command=True)
cli.add_typer(outbox_cli, name="outbox")


@outbox_cli.callback()
def outbox_list(context: typer.Context) -> None:
    """List mail not yet sent: pending, being sent, and failed."""
    if context.invoked_subcommand is not None:
        return
    from db.models.notifications import MailStatus, OutboxMail

    async def unsent() -> list[OutboxMail]:
        return await OutboxMail.exclude(status=MailStatus.SENT).order_by("id")

    mails = _with_database(_settings(), unsent)
    if not mails:
        typer.echo("No pending or failed mail.")
    for mail in mails:
        typer.echo(f"{mail.id:>6}  {mail.status:<8} attempts={mail.attempts:<3} {mail.recipient}")
        typer.echo(f"        {mail.subject}")
        if mail.last_error:
            typer.echo(f"        last error: {mail.last_error}")


@outbox_cli.command("retry")
def outbox_retry(mail_id: Annotated[int, typer.Argument(help="The failed mail's ID.")]) -> None:
    """Queue a failed mail again; the worker sends it on its next round."""
    from api.notifications.worker import retry_failed

    if not _with_database(_settings(), lambda: retry_failed(mail_id)):
        typer.echo(f"promoplan: mail {mail_id} is not a failed mail.", err=True)
        raise typer.Exit(1)
    typer.echo(f"Mail {mail_id} queued again.")


@cli.command("generate-contacts")
def generate_contacts(
    plan: Annotated[str, typer.Option(help="The contact plan: its number or global ID.")],
    from_: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")],
    until: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="Last day (inclusive).")],
    purge_before: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Delete open entries before this day."),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Count only; write nothing.")] = False,
) -> None:
    """Create a plan's scheduled contacts for a period (for a nightly scheduler)."""
    from tortoise.transactions import in_transaction

    from api.resolvers.contact_generation import Counts, Generation, generate
    from api.resolvers.failures import UserFailure
    from db.models.planning import ContactPlan

    settings = _settings()
    run = Generation(
        from_=from_.date(),
        until=until.date(),
        purge_before=purge_before.date() if purge_before else None,
        dry_run=dry_run,
    )
    started = time.monotonic()

    async def work() -> tuple[ContactPlan, Counts]:
        row = await ContactPlan.get_or_none(pk=_plan_pk(plan))
        if row is None:
            raise UserFailure.of("plan", ErrorCode.NOT_FOUND, f"No contact plan {plan}.")
        bar = _ProgressBar("Scheduling calls") if sys.stdout.isatty() else None
        try:
            async with in_transaction():
                return row, await generate(row, run, bar)
        finally:
            if bar is not None:
                bar.close()

    try:
        row, counts = _with_database(settings, work)
    except UserFailure as failure:
        for problem in failure.failures:
            typer.echo(f"promoplan: {problem.field or 'input'}: {problem.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"plan {row.id} {row.name!r}: created {counts.created}, skipped {counts.skipped}, "
        f"purged {counts.purged}{' (dry run)' if dry_run else ''} "
        f"in {time.monotonic() - started:.1f} s"
    )


def _plan_pk(value: str) -> int:
    from strawberry.relay import GlobalID, GlobalIDValueError

    if value.isdigit():
        return int(value)
    try:
        return int(GlobalID.from_id(value).node_id)
    except (GlobalIDValueError, ValueError):
        return 0


class _ProgressBar:
    """A terminal progress bar that learns its length from the first report."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = typer.progressbar(length=max(total, 1), label=self.label)
            self.bar.__enter__()
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@cli.command("export-schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL)."""
    from api.graphql import sdl

    sys.stdout.write(sdl())


@cli.command("schema-check")
def schema_check(
    against: Annotated[
        str, typer.Option(help="Git revision whose schema.graphql clients were built against.")
    ] = "HEAD~1",
    schema_file: Annotated[Path, typer.Option(help="The schema file in the repository.")] = Path(
        "schema.graphql"
    ),
) -> None:
    """Fail on a breaking schema change whose removed parts were not deprecated first."""
    from api.graphql import sdl
    from api.schema_check import breaking, schema_changes

    current = sdl()
    if schema_file.read_text() != current:
        typer.echo(f"promoplan: {schema_file} is stale: run `make schema`.", err=True)
        raise typer.Exit(1)
    shown = subprocess.run(
        ["git", "show", f"{against}:{schema_file.as_posix()}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        typer.echo(f"promoplan: no {schema_file} at {against}: {shown.stderr.strip()}", err=True)
        raise typer.Exit(2)
    changes = schema_changes(shown.stdout, current)
    for change in changes:
        typer.echo(str(change))
    if refused := breaking(changes):
        typer.echo(f"promoplan: {len(refused)} breaking change(s) against {against}.", err=True)
        raise typer.Exit(1)
    typer.echo(f"No breaking changes against {against}.")


@cli.command("documents")
def documents(
    write: Annotated[
        bool, typer.Option(help="Rebuild the manifest from the client documents first.")
    ] = False,
    clients: Annotated[Path, typer.Option(help="Folder of the clients' .graphql files.")] = Path(
        "../shared/clients"
    ),
) -> None:
    """Print the trusted documents' manifest: operation name → sha256 hash."""
    from api import trusted_documents

    if write:
        manifest = trusted_documents.build_manifest(clients)
        if not manifest:
            typer.echo(f"promoplan: no operations found in {clients}", err=True)
            raise typer.Exit(1)
        trusted_documents.MANIFEST_FILE.write_text(trusted_documents.manifest_json(manifest))
    manifest = json.loads(trusted_documents.MANIFEST_FILE.read_text())
    typer.echo(json.dumps({name: f"sha256:{e['hash']}" for name, e in manifest.items()}, indent=2))


def main() -> None:
    cli()
