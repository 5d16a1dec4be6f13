"""The `pavilion` command: serve, demo, migrations, imports and rehearsals."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlmodel.ext.asyncio.session import AsyncSession

# Every table on SQLModel.metadata: a command that writes a person (`roles grant`) runs in a
# process of its own, and a user's foreign keys name tables its own imports never load.
import server.models  # noqa: F401
from server.clock import SystemClock
from server.db import Database
from server.editor.changes import announce as announce_change
from server.editor.importer import ImportReport, import_program
from server.errors import DomainError, Invalid
from server.expo.importer import ShowroomReport, import_pack
from server.expo.media import MediaStore
from server.expo.packs import PackInvalid, read_pack
from server.logs import configure_logging
from server.marathon.models import HostIn, HubIn, PlanRequest
from server.marathon.planner import plan_relay
from server.marathon.views import plan_json
from server.migrate import upgrade
from server.people import service as people
from server.people.demo import DEMO_PASSWORD, create_demo_people
from server.people.models import GrantableRole, GrantIn, GrantPublic, RolesPublic, Withdrawn
from server.pushes import push_check
from server.realtime.bus import create_bus
from server.settings import Settings

app = typer.Typer(
    help="Pavilion: an open platform for hybrid industrial forums.", no_args_is_help=True
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
program_app = typer.Typer(help="Forum programs.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(program_app, name="program")
marathon_app = typer.Typer(help="The marathon of capitals.", no_args_is_help=True)
app.add_typer(marathon_app, name="marathon")
showrooms_app = typer.Typer(help="Virtual showrooms: content packs.", no_args_is_help=True)
app.add_typer(showrooms_app, name="showrooms")
roles_app = typer.Typer(
    help="Who organises, checks badges, moderates, speaks.", no_args_is_help=True
)
app.add_typer(roles_app, name="roles")
console = Console()

DEMO_FORUM = Path(__file__).resolve().parent / "program" / "demo" / "forum.yaml"
DEMO_SHOWROOMS = Path(__file__).resolve().parent.parent / "showrooms"


def _serve(settings: Settings) -> None:
    import uvicorn

    from server.app import create_app
    from server.realtime.frames import MAX_FRAME_BYTES

    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings, tune_gc=True),
        host=settings.host,
        port=settings.port,
        log_config=None,
        # Behind the reverse proxy, the client's address (sign-in throttling, logs) comes from
        # X-Forwarded-For, trusted only from these addresses.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # Room sockets refuse frames over 64 KiB (close 1009) before reading them whole.
        ws_max_size=MAX_FRAME_BYTES,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (PAVILION_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (PAVILION_PORT)")] = None,
) -> None:
    """Serve the API and the web UI."""
    _serve(Settings().served_at(host, port))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the database migrations (idempotent)."""
    settings = Settings()
    asyncio.run(upgrade(settings.database_url, revision))
    console.print(f"[green]database at {revision}[/green]: {_redact(settings.database_url)}")


async def _import_document(
    settings: Settings, document: object, *, cancel_missing: bool = False
) -> ImportReport:
    """Import in one transaction, then announce the change on the configured bus (with Redis,
    open program pages and the people told hear of it at once)."""
    db = Database(settings.database_url)
    bus = create_bus(settings.redis_url, check=push_check(settings))
    await bus.start()
    try:
        async with db.unit(bus) as session:
            report = await import_program(
                session,
                SystemClock(),
                document,
                public_url=settings.public_url,
                cancel_missing=cancel_missing,
            )
            if report.change is not None:
                announce_change(session, report.change)
        return report
    finally:
        await bus.close()
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
    if report.missing:
        cancelled = set(report.cancelled)
        console.print(
            "missing from the file: "
            + ", ".join(
                f"{slug} (cancelled now)" if slug in cancelled else slug for slug in report.missing
            )
        )


@program_app.command("import")
def program_import(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    cancel_missing: Annotated[
        bool,
        typer.Option(
            "--cancel-missing",
            help="Cancel the forum's sessions the file no longer has (the registered are told)",
        ),
    ] = False,
) -> None:
    """Import (or update in place) a forum program from a YAML file; sessions of the forum
    that the file no longer has are listed as missing."""
    settings = Settings()
    try:
        report = asyncio.run(
            _import_document(settings, _read_yaml(path), cancel_missing=cancel_missing)
        )
    except DomainError as exc:
        console.print(f"[red]{path}: {exc.message}[/red]")
        raise typer.Exit(2) from None
    _print_report(report)


@marathon_app.command("plan")
def marathon_plan(
    date: Annotated[str, typer.Option(help="The hub's local date, YYYY-MM-DD")],
    hub: Annotated[str, typer.Option(help="The hub's IANA zone, e.g. Europe/Moscow")],
    host: Annotated[
        list[str],
        typer.Option(
            help='A host as "City=Zone", optionally "City=Zone@09:00-21:00" or '
            '"City=Zone@09:00-21:00#1" (window, fixed position); repeat in any order',
        ),
    ],
    hub_window: Annotated[str, typer.Option(help="The hub's window")] = "08:00-23:00",
    segment: Annotated[int, typer.Option(help="Minutes per segment")] = 45,
    gap: Annotated[int, typer.Option(help="Handover minutes between segments")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the HTTP planner's JSON")] = False,
) -> None:
    """Plan a relay of capitals (nothing is stored): the most compact order and times."""
    try:
        request = PlanRequest(
            date=date,
            hub=HubIn(tz=hub, window=hub_window),
            gap_minutes=gap,
            hosts=[_host_option(text, segment, index) for index, text in enumerate(host)],
        )
        answer = plan_json(plan_relay(request.to_relay()))
    except (DomainError, ValidationError) as exc:
        console.print(f"[red]{_plan_error(exc)}[/red]")
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=2))
    else:
        _print_plan(answer)


def _host_option(text: str, minutes: int, index: int) -> HostIn:
    """`City=Zone[@window][#position]` as the planner's host."""
    city, equals, rest = text.partition("=")
    if not equals or not city.strip() or not rest:
        raise Invalid(
            f"--host {text!r}: expected City=Zone, e.g. Jakarta=Asia/Jakarta",
            field=f"hosts[{index}]",
        )
    rest, _, position = rest.partition("#")
    tz, _, window = rest.partition("@")
    try:
        return HostIn(
            city=city.strip(),
            tz=tz.strip(),
            minutes=minutes,
            window=window.strip() or "09:00-21:00",
            position=int(position) if position else None,
        )
    except (ValueError, ValidationError) as exc:
        raise Invalid(f"--host {text!r}: {_plan_error(exc)}", field=f"hosts[{index}]") from None


def _plan_error(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}"
    return str(exc)


def _print_plan(answer: dict[str, Any]) -> None:
    hub = answer["hub"]
    table = Table(
        title=f"Marathon on {answer['date']} · hub {hub['tz']} {hub['window']} · "
        f"{answer['gap_minutes']}-minute handovers"
    )
    for column in ("#", "city", "UTC", "local", "hub", "idle before"):
        # Times are never cut or wrapped on a narrow terminal: the city and the rest give way.
        table.add_column(column, no_wrap=column in {"#", "UTC", "local", "hub"})
    for s in answer["segments"]:
        table.add_row(
            str(s["position"]) + (" (fixed)" if s["fixed"] else ""),
            s["city"],
            f"{s['utc_start'][11:16]}–{s['utc_end'][11:16]}",
            _local_span(s),
            f"{s['hub_start'][11:16]}–{s['hub_end'][11:16]}",
            f"{s['idle_before_minutes']} min" if s["idle_before_minutes"] else "",
        )
    console.print(table)
    console.print(
        f"span {answer['span_minutes']} min, idle beyond handovers {answer['idle_minutes']} min"
    )


def _local_span(segment: dict[str, Any]) -> str:
    """`09:00–09:45 CEST`; across a clock change each end with its own: `02:05 CEST–02:05 CET`."""
    start, end = segment["local_start"][11:16], segment["local_end"][11:16]
    if segment["local_abbr"] == segment["local_end_abbr"]:
        return f"{start}–{end} {segment['local_abbr']}"
    return f"{start} {segment['local_abbr']}–{end} {segment['local_end_abbr']}"


async def _import_pack(settings: Settings, folder: Path, *, invite: bool) -> ShowroomReport:
    """Check the pack whole, then write it in one transaction, with a progress bar; `invite`:
    mail new staff accounts their link to choose a password."""
    pack = read_pack(folder)  # raises PackInvalid before anything is written
    db = Database(settings.database_url)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            tasks = {
                "media": bar.add_task("media", total=len(pack.media)),
                "stand": bar.add_task("stands", total=len(pack.stands)),
            }
            async with db.session() as session:
                report = await import_pack(
                    session,
                    SystemClock(),
                    pack,
                    MediaStore(settings.media_dir / "showrooms"),
                    lambda kind: bar.advance(tasks[kind]),
                    invite_from=settings.public_url if invite else None,
                )
                await session.commit()
        return report
    finally:
        await db.dispose()


def _print_showroom_report(report: ShowroomReport) -> None:
    table = Table(title=f"pavilion {report.pavilion}")
    for column in ("", "created", "updated", "unchanged"):
        table.add_column(column)
    kinds = sorted(set(report.created) | set(report.updated) | set(report.unchanged))
    for kind in kinds:
        table.add_row(
            kind,
            *(str(getattr(report, o).get(kind, 0)) for o in ("created", "updated", "unchanged")),
        )
    console.print(table)
    if report.unlisted:
        console.print(f"unlisted (no longer in the pack): {', '.join(report.unlisted)}")
    if report.invited:
        console.print(
            f"invited (new staff accounts, mailed a link to choose a password): "
            f"{', '.join(report.invited)}",
            soft_wrap=True,  # addresses stay whole for copying
        )


@showrooms_app.command("import")
def showrooms_import(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A pack folder")],
    invite: Annotated[
        bool,
        typer.Option(
            help="Mail each new staff account a link to choose its password (PAVILION_SMTP_URL)"
        ),
    ] = True,
) -> None:
    """Check a content pack (pavilion.yaml, stands/*.yaml, media) and import it whole, or
    nothing of it; importing again updates in place."""
    settings = Settings()
    try:
        report = asyncio.run(_import_pack(settings, folder, invite=invite))
    except PackInvalid as exc:
        # One line per problem, never wrapped: `file:line` stays whole for an editor to open.
        message = f"[red]{folder}: nothing imported, {len(exc.problems)} problem(s):[/red]"
        console.print(message, soft_wrap=True)
        for problem in exc.problems:
            console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    _print_showroom_report(report)


async def _roles(settings: Settings, verb: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """Run a people-and-roles verb as the operator, on the configured database and bus (with
    Redis, open sockets on every node hear a withdrawal at once)."""
    db = Database(settings.database_url)
    bus = create_bus(settings.redis_url, check=push_check(settings))
    await bus.start()
    try:
        async with db.unit(bus) as session:
            return await verb(session)
    finally:
        await bus.close()
        await db.dispose()


def _print_roles(roles: RolesPublic) -> None:
    table = Table(title=f"roles in forum {roles.forum}")
    widest = max((len(g.user.email) for g in roles.grants), default=5)
    for column in ("id", "role", "name", "email", "session", "since"):
        # Addresses stay whole, for copying; the rest folds.
        table.add_column(column, overflow="fold", min_width=widest if column == "email" else None)
    for g in roles.grants:
        name = g.user.name + (" (invited)" if g.user.pending else "")
        session = f"{g.session.id} {g.session.title_en or g.session.title_ru}" if g.session else ""
        since = f"{g.granted_at:%Y-%m-%d %H:%M}" if g.granted_at else ""
        table.add_row(str(g.id), g.role.value, name, g.user.email, session, since)
    console.print(table)


@roles_app.command("list")
def roles_list(forum: Annotated[str, typer.Argument(help="The forum's slug")]) -> None:
    """Everyone holding a role over the forum or its sessions."""
    settings = Settings()

    async def verb(db: AsyncSession) -> RolesPublic:
        return await people.roles_of_forum(db, forum, None, operator=True)

    try:
        _print_roles(asyncio.run(_roles(settings, verb)))
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None


@roles_app.command("grant")
def roles_grant(
    forum: Annotated[str, typer.Argument(help="The forum's slug")],
    email: Annotated[str, typer.Argument(help="Their address; no account yet: they are invited")],
    role: Annotated[GrantableRole, typer.Argument(help="organiser, door, moderator or speaker")],
    session: Annotated[
        int | None, typer.Option(help="The session's id (moderator and speaker)")
    ] = None,
    name: Annotated[str, typer.Option(help="Their name, for a new account")] = "",
    language: Annotated[str, typer.Option(help="en or ru: the invitation's language")] = "ru",
) -> None:
    """Give a role by email (a new account gets a mail with a link to choose a password)."""
    settings = Settings()
    try:
        data = GrantIn(email=email, role=role, session=session, name=name, language=language)
    except ValidationError as exc:
        console.print(f"[red]{exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}[/red]")
        raise typer.Exit(2) from None

    async def verb(db: AsyncSession) -> GrantPublic:
        return await people.grant_role(
            db, SystemClock(), forum, None, data, public_url=settings.public_url, operator=True
        )

    try:
        given = asyncio.run(_roles(settings, verb))
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    console.print(f"role {given.id}: {given.user.email} is {given.role.value}")


@roles_app.command("withdraw")
def roles_withdraw(
    forum: Annotated[str, typer.Argument(help="The forum's slug")],
    grant: Annotated[int, typer.Argument(help="The role's id (see `pavilion roles list`)")],
) -> None:
    """Take a role back; it stops working at once."""
    settings = Settings()

    async def verb(db: AsyncSession) -> Withdrawn:
        return await people.withdraw_role(db, SystemClock(), forum, None, grant, operator=True)

    try:
        asyncio.run(_roles(settings, verb))
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    console.print(f"role {grant} withdrawn")


def demo_packs() -> list[Path]:
    """The demo's showroom packs: every folder of showrooms/ holding a pavilion.yaml."""
    return sorted(p.parent for p in DEMO_SHOWROOMS.glob("*/pavilion.yaml"))


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to serve on")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the demo and exit")] = False,
) -> None:
    """Migrate, load the demo forum, and serve it (SQLite and the in-process bus)."""
    os.environ.setdefault("PAVILION_ENVIRONMENT", "demo")
    # A person watches this terminal: readable lines, unless JSON was asked for.
    os.environ.setdefault("PAVILION_LOG_FORMAT", "text")
    settings = Settings().served_at(port=port)
    if settings.environment == "production":
        console.print("[red]refusing to load demo data into a production environment[/red]")
        raise typer.Exit(2)
    asyncio.run(upgrade(settings.database_url))
    _print_report(asyncio.run(_import_document(settings, _read_yaml(DEMO_FORUM))))
    _print_people(asyncio.run(_demo_people(settings)))
    for pack in demo_packs():
        # The demo's staff are made up: nobody to invite.
        _print_showroom_report(asyncio.run(_import_pack(settings, pack, invite=False)))
    if no_serve:
        return
    url = f"{settings.public_url.rstrip('/')}/"
    console.print(f"\n[bold]Pavilion demo[/bold] at [link={url}]{url}[/link]  (Ctrl+C to stop)")
    console.print(f"  marathon of capitals: {url}?forum=demo-forum&marathon=capitals\n")
    _serve(settings)


@app.command()
def rehearse(
    url: Annotated[str, typer.Argument(help="The deployment, e.g. https://forum.example.org")],
    token: Annotated[
        str, typer.Option(envvar="PAVILION_TOKEN", help="An organiser's bearer token")
    ],
    attendees: Annotated[int, typer.Option(min=2, max=5000, help="Rehearsal accounts")] = 100,
    minutes: Annotated[int, typer.Option(min=1, max=180, help="How long the audience stays")] = 10,
    session: Annotated[
        int | None, typer.Option(help="The session rehearsed (default: the marathon's live one)")
    ] = None,
    forum: Annotated[
        str | None, typer.Option(help="The forum's slug (default: the one the token organises)")
    ] = None,
    webrtc: Annotated[
        int | None,
        typer.Option(help="Attendees watching over WebRTC (default: 1 in 20, at most 10)"),
    ] = None,
    ramp: Annotated[
        float | None, typer.Option(help="Seconds to bring everyone in (default: a fifth of it)")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Where the HTML report goes (default: ./rehearsal-*.html)")
    ] = None,
    seconds: Annotated[
        float | None, typer.Option(hidden=True, min=1, help="Duration in seconds (tests)")
    ] = None,
) -> None:
    """Dress rehearsal: a synthetic audience against your deployment, then a capacity report.
    Its accounts, and everything they did, are removed at the end (even on Ctrl-C)."""
    from server.rehearse.runner import Options
    from server.rehearse.runner import rehearse as run_rehearsal

    options = Options(
        url=url,
        token=token,
        attendees=attendees,
        seconds=seconds if seconds is not None else minutes * 60.0,
        session=session,
        forum=forum,
        webrtc=webrtc,
        report=report,
        ramp=ramp,
    )
    raise typer.Exit(asyncio.run(run_rehearsal(options, console)))


async def _demo_people(settings: Settings) -> dict[str, str]:
    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            return await create_demo_people(session, SystemClock(), "demo-forum")
    finally:
        await db.dispose()


def _print_people(people: dict[str, str]) -> None:
    table = Table(title=f"demo accounts (password: {DEMO_PASSWORD})")
    table.add_column("email")
    table.add_column("can")
    for email, what in people.items():
        table.add_row(email, what)
    console.print(table)


def _redact(url: str) -> str:
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def main() -> None:
    app()
