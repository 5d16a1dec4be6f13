"""Configuration from PAVILION_* environment variables (and a .env file)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.mail.transport import SmtpTransport
from server.realtime.ice import ice_servers, is_turn
from server.secret_key import install_secret, weakness

Environment = Literal["demo", "dev", "test", "production"]

UNSPECIFIED_HOSTS = frozenset({"0.0.0.0", "::", ""})  # every interface: link to loopback


class Settings(BaseSettings):
    """Everything the app needs to start; `create_app(settings)` takes one of these."""

    model_config = SettingsConfigDict(env_prefix="PAVILION_", env_file=".env", extra="ignore")

    environment: Environment = "dev"
    database_url: str = "sqlite+aiosqlite:///./pavilion.db"
    redis_url: str | None = None
    # The database pool: connections kept open, extra ones opened under load, and how long a
    # unit of work may wait for one before it is refused with 503 `busy` (Retry-After).
    db_pool_size: int = Field(default=10, ge=1, le=500)
    db_pool_overflow: int = Field(default=10, ge=0, le=500)
    db_pool_timeout: float = Field(default=10.0, gt=0, le=120)
    # SQLite: how long a transaction may queue for the node's one writer slot before it is
    # refused with 503 `busy` (server/writers.py).
    db_write_wait: float = Field(default=10.0, gt=0, le=120)
    # Admission in front of the API: at most this many requests are worked on at once; the
    # rest wait in line (first come, first served), and one that would wait longer than
    # http_wait seconds is answered 503 `busy` with Retry-After at once. A burst of thousands
    # is served a few dozen at a time, each quickly, instead of all at once, each slowly.
    http_in_flight: int = Field(default=48, ge=1, le=10_000)
    http_wait: float = Field(default=10.0, gt=0, le=120)
    # How long a sign-in, sign-up or new password may queue for an Argon2 worker (one per
    # core) before it is refused with 503 `busy` (server/accounts/hashing.py).
    password_hash_wait: float = Field(default=10.0, gt=0, le=120)
    # Derives the badge signing key and signs visit tokens. Production must set it (and a
    # guessable one is refused); unset elsewhere, the install makes its own once and keeps it
    # in `secret_file` (server/secret_key.py). Empty means unset: there is no default.
    secret_key: str = ""
    public_url: str = "http://127.0.0.1:8000"
    allowed_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000", "http://localhost:8000"]
    )
    host: str = "127.0.0.1"
    # The bearer token a Prometheus scraper presents to /metrics. In production /metrics is
    # refused to anyone without it (or without an organiser's sign-in); elsewhere, unset, it
    # is open.
    metrics_token: str | None = None
    # Proxies whose X-Forwarded-For is believed ("*": any, for an app reachable only through
    # its proxy, as in docker-compose.yml).
    forwarded_allow_ips: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"
    frontend_dir: Path = Path(__file__).resolve().parent.parent / "frontend"
    media_dir: Path = Path("./media")
    # Rendered programs kept per node (0 turns the cache off, e.g. to measure rendering).
    program_cache_mb: int = Field(default=64, ge=0)
    # Whether this node runs the clock-driven jobs: moving marathon segments and every other
    # session through scheduled/live/ended, and passing on registration offers that ran out.
    # Safe on every node: each change is a conditional or locked update that only one node makes.
    marathon_runner: bool = True
    # Room sockets (/ws): sockets one person may hold per node, frames queued for a socket
    # before it counts as fallen behind (closed with 1013), and operations per second allowed
    # per socket and per person (bursts of twice that).
    ws_sockets_per_user: int = Field(default=8, ge=1)
    ws_outbox_frames: int = Field(default=1024, ge=8)
    # Bytes waiting to be sent to one socket before it counts as fallen behind (the bound of
    # the direct path under uvicorn; see server/realtime/connection.py).
    ws_outbox_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Admission in front of joins: at most this many room.join answered at once; the rest wait
    # in line, and one who would wait longer than ws_join_wait seconds is told `busy` with a
    # retry hint at once. A node holding ws_max_sockets sockets, or whose line of joins is
    # that long, sheds new sockets (close 1013 with the hint) instead of stalling everyone.
    ws_joins_in_flight: int = Field(default=32, ge=1, le=10_000)
    ws_join_wait: float = Field(default=5.0, gt=0, le=60)
    ws_max_sockets: int = Field(default=10_000, ge=1)
    ws_rate_per_socket: float = Field(default=20.0, gt=0)
    ws_rate_per_user: float = Field(default=40.0, gt=0)
    # STUN/TURN servers offered to WebRTC peers (JSON list of URLs, e.g.
    # ["stun:stun.example.org:3478", "turn:turn.example.org:3478"]); none: host candidates only.
    ice_servers: list[str] = Field(default_factory=list)
    # The secret shared with coturn (`--static-auth-secret`): each signed-in person gets TURN
    # credentials derived from it, valid for turn_credential_seconds (server/realtime/ice.py).
    # Needed when ice_servers names a turn: server.
    turn_secret: str | None = None
    turn_credential_seconds: int = Field(default=6 * 3600, ge=60, le=7 * 24 * 3600)
    # The stage's program format (DESIGN.md section 5): one H.264 encode per session at this
    # size, frame rate and bitrate (1280x720 suits a bigger screen; 640x360 costs a quarter).
    stage_width: int = Field(default=640, ge=160, le=1920, multiple_of=2)
    stage_height: int = Field(default=360, ge=90, le=1080, multiple_of=2)
    stage_fps: int = Field(default=30, ge=5, le=60)
    stage_bitrate: int = Field(default=1_000_000, ge=100_000, le=8_000_000)
    # Record each session's program to <media_dir>/stage/recordings/<session>/<UTC start>.mp4,
    # and write its live HLS playlist to <media_dir>/stage/hls/<session>/, served at
    # /hls/<session>/ to those who may attend. Closed sessions are in there: never serve
    # <media_dir>/stage as static files.
    # WebRTC viewers one node's stage serves (all sessions together). Past it, its sender loop
    # saturates and the speakers' own connections start failing (bench/stage.py); later
    # viewers get 503 and the page offers the HLS stream instead.
    stage_max_viewers: int = Field(default=100, ge=1)
    stage_record: bool = True
    stage_hls: bool = True

    # Outgoing mail (meeting invitations, account invitations): smtp://user:password@host:587
    # (STARTTLS), smtps://user:password@host:465 or smtp://host:25. Unset: each message is
    # written to <media_dir>/outbox/ as an .eml file instead (demo and development).
    smtp_url: str | None = None
    mail_from: str = "Pavilion <no-reply@pavilion.localhost>"

    # Showroom limits: upcoming meetings one visitor may hold at one stand; stand visits one
    # visitor (or one address without a visitor cookie) may open a minute; anonymous visitor
    # ids one address is given a day, past which its cookie-less visits count as one visitor
    # (server/expo/visitors.py).
    showroom_meetings_per_visitor: int = Field(default=2, ge=1, le=100)
    showroom_visits_per_minute: int = Field(default=30, ge=1, le=10_000)
    showroom_visitor_ids_per_day: int = Field(default=20, ge=1, le=100_000)
    # How long "talk to us now" rings a stand's staff before it counts as missed.
    contact_ring_seconds: int = Field(default=60, ge=5, le=600)
    # Room events kept per room for resuming (the Redis stream's MAXLEN, the memory ring).
    room_history: int = Field(default=2000, ge=10)
    # How often a room's counters (reactions, question and poll votes, presence) are pushed:
    # many votes in that time become one push.
    room_flush_seconds: float = Field(default=0.25, gt=0, le=10)
    # Check every push against the push registry (server/pushes.py) as it is published, and
    # append each that does not match its model to push_audit (JSON lines; the test suite
    # turns both on). Off in production: it costs an encoding and a validation per push.
    check_pushes: bool = False
    push_audit: Path | None = None

    @property
    def stage_media(self) -> Path:
        """The stage's recordings and HLS (never to be served as static files)."""
        return self.media_dir / "stage"

    @property
    def secret_file(self) -> Path:
        """Where an install outside production keeps the secret it made for itself."""
        return self.media_dir / "state" / "secret-key"

    @model_validator(mode="after")
    def _a_secret_of_this_install(self) -> Settings:
        if self.environment != "production":
            self.secret_key = self.secret_key or install_secret(self.secret_file)
            return self
        if not self.secret_key:
            raise ValueError(
                "PAVILION_SECRET_KEY must be set in production (e.g. the output of "
                "`openssl rand -base64 48`)"
            )
        if (why := weakness(self.secret_key)) is not None:
            raise ValueError(
                f"PAVILION_SECRET_KEY {why}: production needs a random value of at least 32 "
                "characters (e.g. the output of `openssl rand -base64 48`)"
            )
        return self

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_is_usable(cls, value: str | None) -> str | None:
        if value:
            SmtpTransport.from_url(value)  # raises, naming the variable
        return value

    def served_at(self, host: str | None = None, port: int | None = None) -> Settings:
        """These settings for a server bound to `host`:`port` (None: as set). The address its
        pages and mails link to (`public_url`) and the origins its room sockets accept follow
        the address, unless they were set (PAVILION_PUBLIC_URL, PAVILION_ALLOWED_ORIGINS):
        `pavilion demo --port 8101` links to :8101 and its pages' sockets are let in."""
        bound = self.model_copy(update={"host": host or self.host, "port": port or self.port})
        update: dict[str, Any] = {}
        seen = "127.0.0.1" if bound.host in UNSPECIFIED_HOSTS else bound.host
        seen = f"[{seen}]" if ":" in seen else seen  # an IPv6 address, as a URL writes it
        if "public_url" not in self.model_fields_set:
            update["public_url"] = f"http://{seen}:{bound.port}"
        if "allowed_origins" not in self.model_fields_set:
            update["allowed_origins"] = [
                f"http://{name}:{bound.port}"
                for name in dict.fromkeys([seen, "127.0.0.1", "localhost"])
            ]
        return bound.model_copy(update=update)

    @property
    def mail_outbox(self) -> Path:
        """Where messages go without PAVILION_SMTP_URL."""
        return self.media_dir / "outbox"

    @model_validator(mode="after")
    def _turn_needs_its_secret(self) -> Settings:
        if not self.turn_secret and any(is_turn(url) for url in self.ice_servers):
            raise ValueError(
                "PAVILION_TURN_SECRET must be set (coturn's --static-auth-secret) when "
                "PAVILION_ICE_SERVERS names a turn: server"
            )
        return self

    def ice_servers_for(self, user_id: int, now: datetime) -> list[dict[str, Any]]:
        """The STUN/TURN servers offered to one person's browser, with TURN credentials."""
        return ice_servers(
            self.ice_servers,
            secret=self.turn_secret,
            ttl_seconds=self.turn_credential_seconds,
            user_id=user_id,
            now=now,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
