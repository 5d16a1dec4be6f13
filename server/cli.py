"""The `pavilion` command: serve, demo, migrations and imports."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from server.clock import SystemClock
from server.db import Database
from server.errors import DomainError
from server.logs import configure_logging
from server.migrate import upgrade
from server.program.importer import ImportReport, import_program
from server.settings import Settings

app = typer.Typer(
    help="Pavilion: an open platform for hybrid industrial forums.", no_args_is_help=True
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
program_app = typer.Typer(help="Forum programs.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(program_app, name="program")
console = Console()

DEMO_FORUM = Path(__file__).resolve().parent / "program" / "demo" / "forum.yaml"


def _serve(settings: Settings) -> None:
    import uvicorn

    from server.app import create_app

    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (PAVILION_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (PAVILION_PORT)")] = None,
) -> None:
    """Serve the API and the web UI."""
    settings = Settings()
    _serve(settings.model_copy(update={k: v for k, v in {"host": host, "port": port}.items() if v}))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the database migrations (idempotent)."""
    settings = Settings()
    asyncio.run(upgrade(settings.database_url, revision))
    console.print(f"[green]database at {revision}[/green]: {_redact(settings.database_url)}")


async def _import_document(settings: Settings, document: object) -> ImportReport:
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            report = await import_program(session, SystemClock(), document)
            await session.commit()
            return report
    finally:
        await db.dispose()


def _read_yaml(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _print_report(report: ImportReport) -> None:
    table = Table(title=f"forum {report.forum}")
    for column in ("", "created", "updated", "unchanged"):
        table.add_column(column)
    kinds = sorted(set(report.created) | set(report.updated) | set(report.unchanged))
    for kind in kinds:
        table.add_row(
            kind,
            *(str(getattr(report, o).get(kind, 0)) for o in ("created", "updated", "unchanged")),
        )
    console.print(table)


@program_app.command("import")
def program_import(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import (or update in place) a forum program from a YAML file."""
    settings = Settings()
    try:
        report = asyncio.run(_import_document(settings, _read_yaml(path)))
    except DomainError as exc:
        console.print(f"[red]{path}: {exc.message}[/red]")
        raise typer.Exit(2) from None
    _print_report(report)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to serve on")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the demo and exit")] = False,
) -> None:
    """Migrate, load the demo forum, and serve it (SQLite and the in-process bus)."""
    os.environ.setdefault("PAVILION_ENVIRONMENT", "demo")
    # A person watches this terminal: readable lines, unless JSON was asked for.
    os.environ.setdefault("PAVILION_LOG_FORMAT", "text")
    settings = Settings()
    if settings.environment == "production":
        console.print("[red]refusing to load demo data into a production environment[/red]")
        raise typer.Exit(2)
    asyncio.run(upgrade(settings.database_url))
    _print_report(asyncio.run(_import_document(settings, _read_yaml(DEMO_FORUM))))
    if no_serve:
        return
    url = f"http://{settings.host}:{port}/"
    console.print(f"\n[bold]Pavilion demo[/bold] at [link={url}]{url}[/link]  (Ctrl+C to stop)\n")
    _serve(settings.model_copy(update={"port": port}))


def _redact(url: str) -> str:
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def main() -> None:
    app()
