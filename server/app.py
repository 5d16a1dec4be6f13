"""The application factory: `create_app(settings)` builds everything; nothing is global."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match, Mount
from starlette.types import Scope

from server import __version__
from server.accounts.api import router as accounts_router
from server.accounts.hashing import Passwords
from server.accounts.service import user_for_token
from server.attendance.api import router as attendance_router
from server.attendance.badges import signing_key
from server.attendance.invites_api import router as invites_router
from server.attendance.sweeper import OfferSweeper
from server.clock import Clock, SystemClock
from server.db import Database
from server.editor.api import router as editor_router
from server.expo.analytics_api import router as stand_analytics_router
from server.expo.api import media_router as showroom_media_router
from server.expo.api import router as expo_router
from server.expo.contacts_api import router as contacts_router
from server.expo.leads import record_call
from server.expo.leads_api import router as leads_router
from server.expo.meetings_api import router as meetings_router
from server.expo.sweeper import RingSweeper
from server.gc_tuning import settle_collector
from server.headers import SecurityHeadersMiddleware
from server.health import router as health_router
from server.http_errors import install_error_handlers
from server.logs import AccessLogMiddleware
from server.looplag import LoopLagProbe
from server.mail.sweeper import MailSweeper
from server.mail.transport import FolderTransport, SmtpTransport, Transport
from server.marathon.api import router as marathon_router
from server.marathon.runner import MarathonRunner, relay_sessions
from server.metrics import Metrics, RequestMetrics
from server.metrics_api import router as metrics_router
from server.notices.api import router as notices_router
from server.notices.models import NoticeKind
from server.openapi import PavilionAPI
from server.people.api import router as people_router
from server.program.api import router as program_router
from server.program.cache import BoundedCache
from server.program.rendering import Prepared
from server.program.runner import ProgramRunner
from server.pushes import push_check
from server.realtime.admission import Bounded, HttpAdmission
from server.realtime.api import router as realtime_router
from server.realtime.bus import Bus, create_bus
from server.realtime.dispatch import Dispatcher
from server.realtime.endpoint import SocketEntry
from server.realtime.hub import Hub
from server.realtime.ice import is_turn
from server.realtime.limits import UserBuckets
from server.realtime.recheck import AccessRecheck
from server.rehearsals.api import router as rehearsals_router
from server.rehearsals.sweeper import RehearsalSweeper
from server.rooms.api import router as rooms_router
from server.rooms.api import rtc_router
from server.rooms.handlers import operations
from server.rooms.presence import Presence
from server.rooms.shared import SharedSnapshots
from server.rooms.snapshot import RoomPolicy
from server.rooms.tally import Tally
from server.settings import Settings
from server.stage.api import hls_router
from server.stage.api import router as stage_router
from server.stage.audience import HlsAudience
from server.stage.ingest import Stage, StageConfig
from server.stage.whip_http import WebRtcCors

log = logging.getLogger("pavilion.app")


def _watch(metrics: Metrics, db: Database, hub: Hub, stage: Stage, audience: HlsAudience) -> None:
    """Gauges read from their owners at scrape time (server/metrics.py)."""
    sockets, rooms = "Open room sockets", "Rooms with members on this node"
    metrics.watch("pavilion_ws_sockets", sockets, lambda: [((), float(hub.socket_count))])
    metrics.watch("pavilion_ws_rooms", rooms, lambda: [((), float(hub.room_count))])
    metrics.watch(
        "pavilion_db_pool_connections",
        "Database connections by state: checked_out (in use), idle, overflow; and the size",
        lambda: [((state,), float(n)) for state, n in db.pool_status().items()],
        ("state",),
    )
    writers = db.writers
    if writers is not None:
        metrics.watch(
            "pavilion_db_write_queue",
            "SQLite: transactions waiting for the writer slot",
            lambda: [((), float(writers.queued))],
        )

    def viewers() -> Iterator[tuple[tuple[str, ...], float]]:  # (session, kind), viewers
        for kind, counts in (("webrtc", stage.viewer_counts()), ("hls", audience.counts())):
            for session, n in counts.items():
                yield (str(session), kind), float(n)

    metrics.watch(
        "pavilion_stage_viewers",
        "Stage viewers per session on this node: webrtc (WHEP), hls (fetched the playlist "
        "in the last 30 s)",
        viewers,
        ("session", "kind"),
    )


class FrontendMount(Mount):
    """The web UI's files at `/`, but never for an API path: those are the routers' alone, so
    an unknown one answers 404 and a known one asked with a method it does not take 405 with
    its own `Allow` (the files would say `Allow: GET, HEAD` of any path)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path: str = scope.get("path", "")
        if path == "/api" or path.startswith("/api/"):
            return Match.NONE, {}
        return super().matches(scope)


def mail_transport(settings: Settings) -> Transport:
    """SMTP when PAVILION_SMTP_URL is set, else .eml files in the media folder's outbox."""
    if settings.smtp_url:
        return SmtpTransport.from_url(settings.smtp_url)
    return FolderTransport(settings.mail_outbox)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    bus: Bus | None = None,
    tune_gc: bool = False,
) -> FastAPI:
    """Build the Pavilion app for these settings; the lifespan opens and closes its resources.

    `tune_gc` (what `pavilion serve` asks for; see server/gc_tuning.py): the process is the
    app's alone, so the garbage collector may be set for a long-running server."""
    metrics = Metrics()
    db = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        pool_overflow=settings.db_pool_overflow,
        pool_timeout=settings.db_pool_timeout,
        write_wait=settings.db_write_wait,
        metrics=metrics,
    )
    passwords = Passwords(metrics, max_wait=settings.password_hash_wait)
    the_bus = bus or create_bus(
        settings.redis_url,
        history_size=settings.room_history,
        state_file=settings.media_dir / "state" / "memory-bus.json",
        check=push_check(settings),
    )
    the_clock = clock or SystemClock()
    hub = Hub(
        the_bus,
        sockets_per_user=settings.ws_sockets_per_user,
        max_replay=settings.ws_outbox_frames // 2,
        metrics=metrics,
    )
    tally = Tally(db, the_bus, interval=settings.room_flush_seconds)
    stage = Stage(
        StageConfig(
            # The stage's own peers need no relay (the server is reachable; coturn relays the
            # browsers' side), and TURN's credentials are per person: STUN only here.
            ice_servers=[url for url in settings.ice_servers if not is_turn(url)],
            width=settings.stage_width,
            height=settings.stage_height,
            fps=settings.stage_fps,
            bitrate=settings.stage_bitrate,
            max_viewers=settings.stage_max_viewers,
            recordings=settings.stage_media / "recordings" if settings.stage_record else None,
            hls=settings.stage_media / "hls" if settings.stage_hls else None,
        ),
        clock=the_clock,
        publish=the_bus.publish,
    )
    presence = Presence(db, hub)
    tally.also.append(presence.flush)
    shared = SharedSnapshots(db, metrics)
    hub.membership_listeners.append(shared.forget_unless(hub.has_members))
    policy = RoomPolicy(the_clock, the_bus, shared, presence)
    joins = Bounded("ws_join", settings.ws_joins_in_flight, settings.ws_join_wait, metrics)
    recheck = AccessRecheck(hub, db, policy, user_for_token, the_clock)
    dispatcher = Dispatcher(
        db,
        the_clock,
        hub,
        policy,
        operations(tally, stage.end_guest, record_call),
        joins=joins,
        vouch=recheck.vouch,
    )
    runner = MarathonRunner(db, the_clock, the_bus) if settings.marathon_runner else None
    # Every other session of the program goes live and ends on the clock (same switch).
    program_runner = (
        ProgramRunner(db, the_clock, the_bus, others=relay_sessions())
        if settings.marathon_runner
        else None
    )
    sweeper = OfferSweeper(db, the_clock, the_bus) if settings.marathon_runner else None
    rings = RingSweeper(db, the_clock, the_bus)
    rehearsals = RehearsalSweeper(db, the_clock, hub)
    mail = MailSweeper(db, the_clock, mail_transport(settings), settings.mail_from, metrics=metrics)
    probe = LoopLagProbe(metrics)
    audience = HlsAudience()
    _watch(metrics, db, hub, stage, audience)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info("pavilion starting", extra={"environment": settings.environment})
        await the_bus.start()
        probe.start()
        tally.start()
        recheck.start()
        if not settings.smtp_url:
            # In production nobody reads that folder: say so louder.
            level = logging.WARNING if settings.environment == "production" else logging.INFO
            log.log(level, "mail goes to %s (PAVILION_SMTP_URL sends it)", settings.mail_outbox)
        for task in (runner, program_runner, sweeper, rings, mail, rehearsals):
            if task is not None:
                task.start()
        if tune_gc:
            settle_collector()
        yield
        for task in (runner, program_runner, sweeper, rings, mail, rehearsals):
            if task is not None:
                await task.stop()
        await recheck.stop()
        await tally.stop()
        await probe.stop()
        await stage.close()
        await hub.close()
        await the_bus.close()
        await db.dispose()
        passwords.close()

    app = PavilionAPI(
        title="Pavilion",
        version=__version__,
        summary="An open platform for hybrid industrial forums.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.passwords = passwords
    app.state.loop_lag = probe
    app.state.hls_audience = audience
    app.state.db = db
    app.state.clock = the_clock
    app.state.marathon_runner = runner
    app.state.program_runner = program_runner
    app.state.ring_sweeper = rings
    app.state.mail_sweeper = mail
    app.state.badge_key = signing_key(settings.secret_key)
    app.state.bus = the_bus
    app.state.hub = hub
    app.state.tally = tally
    app.state.stage = stage
    app.state.dispatcher = dispatcher
    app.state.identify = user_for_token  # who holds a socket's token (server/realtime/person.py)
    app.state.room_policy = policy
    app.state.notice_kinds = frozenset(kind.value for kind in NoticeKind)
    app.state.user_buckets = UserBuckets(settings.ws_rate_per_user, settings.ws_rate_per_user * 2)
    cache_bytes = settings.program_cache_mb * 1024 * 1024
    app.state.program_responses = BoundedCache[bytes](cache_bytes, len)
    app.state.program_prepared = BoundedCache[Prepared](cache_bytes, lambda p: p.weight)
    install_error_handlers(app)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(
        HttpAdmission,
        bounded=Bounded("http", settings.http_in_flight, settings.http_wait, metrics),
    )
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(WebRtcCors, origins=[*settings.allowed_origins, settings.public_url])
    app.add_middleware(SocketEntry)  # outermost: it needs the server's own `send`
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(program_router)
    app.include_router(marathon_router)
    app.include_router(accounts_router)
    app.include_router(attendance_router)
    app.include_router(invites_router)
    app.include_router(rooms_router)
    app.include_router(rtc_router)
    app.include_router(realtime_router)
    app.include_router(stage_router)
    app.include_router(hls_router)
    app.include_router(expo_router)
    app.include_router(contacts_router)
    app.include_router(meetings_router)
    app.include_router(leads_router)
    app.include_router(stand_analytics_router)
    app.include_router(rehearsals_router)
    app.include_router(people_router)
    app.include_router(editor_router)
    app.include_router(notices_router)
    app.include_router(showroom_media_router)
    # /ws is served by SocketEntry (server/realtime/endpoint.py), before any route.
    if settings.frontend_dir.is_dir():
        frontend = StaticFiles(directory=settings.frontend_dir, html=True)
        app.router.routes.append(FrontendMount("/", app=frontend, name="frontend"))
    return app
