"""docker-compose.yml, deploy/Caddyfile and the Dockerfile describe DESIGN.md section 7's topology.

Docker cannot run here, so these tests read the files: compose's variable interpolation is
reproduced for the forms the file uses, and the app's environment is fed to the real `Settings`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy.engine import make_url

from server.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
CADDYFILE = ROOT / "deploy" / "Caddyfile"
DOCKERFILE = ROOT / "Dockerfile"

SECRETS = {
    "POSTGRES_PASSWORD": "pg-password-0123456789",
    "PAVILION_SECRET_KEY": "q3Xv8Lm2Rt7Wz5Kp9Bn4Hc6Jd1Fg0SaE",
    "TURN_SECRET": "turn-secret-0123456789",
}

# `$$` (a literal dollar) or `${NAME}`, `${NAME-default}`, `${NAME:-default}`, `${NAME:?error}`...
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})"
)
_REQUIRED = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*):\?[^}]+\}")


class MissingVariable(Exception):
    """Compose would refuse to start: a `${NAME:?...}` variable is unset or empty."""


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Substitute variables the way `docker compose` does (the forms used in our file)."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"]
        current = env.get(name)
        unset = current is None if op in ("-", "?") else not current
        if op and op.endswith("-") and unset:
            return str(arg)
        if op and op.endswith("?") and unset:
            raise MissingVariable(f"{name}: {arg}")
        return current or ""

    return _VARIABLE.sub(replace, value)


def interpolate_tree(node: Any, env: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolate_tree(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    return node


def load_compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def service(name: str) -> dict[str, Any]:
    services = load_compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name!r}"
    return services[name]


def environment_of(svc: Mapping[str, Any]) -> dict[str, str]:
    """A service's `environment`, whichever of compose's two spellings it uses."""
    environment = svc.get("environment", {})
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def command_of(svc: Mapping[str, Any]) -> list[str]:
    command = svc.get("command", [])
    return command.split() if isinstance(command, str) else [str(arg) for arg in command]


def published_ports(svc: Mapping[str, Any]) -> set[str]:
    """Short-syntax port mappings as `published/protocol`, e.g. {"3478/udp", "80/tcp"}."""
    ports = set()
    for mapping in svc.get("ports", []):
        spec, _, protocol = str(mapping).partition("/")
        ports.add(f"{spec.split(':')[0]}/{protocol or 'tcp'}")
    return ports


def options_of(command: list[str]) -> dict[str, str]:
    return dict(arg.removeprefix("--").partition("=")[::2] for arg in command if "=" in arg)


def networks_of(svc: Mapping[str, Any]) -> set[str]:
    return set(svc.get("networks", ["default"]))


def app_settings(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str]) -> Settings:
    """The `Settings` an app replica would build from its compose environment."""
    for name in [name for name in os.environ if name.startswith("PAVILION_")]:
        monkeypatch.delenv(name)
    for name, value in interpolate_tree(environment_of(service("app")), env).items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_compose_defines_every_service_of_the_production_topology() -> None:
    services = load_compose()["services"]

    missing = {"app", "postgres", "redis", "coturn", "proxy"} - set(services)
    unbuildable = [name for name, svc in services.items() if not ("image" in svc or "build" in svc)]

    assert (missing, unbuildable) == (set(), [])


def test_app_runs_two_replicas_behind_the_proxy() -> None:
    app, proxy = service("app"), service("proxy")

    assert app["deploy"]["replicas"] == 2
    assert "ports" not in app, "replicas are reached through the proxy, never published directly"
    assert proxy["image"].startswith("caddy:")
    assert {"80/tcp", "443/tcp"} <= published_ports(proxy)
    assert f"./{CADDYFILE.relative_to(ROOT)}:/etc/caddy/Caddyfile:ro" in proxy["volumes"]


def test_app_connects_to_the_postgres_service_with_asyncpg() -> None:
    env = interpolate_tree(environment_of(service("app")), SECRETS)
    postgres = interpolate_tree(environment_of(service("postgres")), SECRETS)

    url = make_url(env["PAVILION_DATABASE_URL"])

    assert (url.drivername, url.host, url.port) == ("postgresql+asyncpg", "postgres", 5432)
    assert (url.username, url.password, url.database) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    )


def test_app_uses_the_redis_service_as_its_bus() -> None:
    url = urlsplit(environment_of(service("app"))["PAVILION_REDIS_URL"])

    assert (url.scheme, url.hostname, url.port) == ("redis", "redis", 6379)
    assert "redis" in load_compose()["services"]


def test_app_secret_key_comes_from_a_required_variable() -> None:
    secret = environment_of(service("app"))["PAVILION_SECRET_KEY"]

    match = _REQUIRED.fullmatch(secret)

    assert match is not None, f"{secret!r} could fall back to a default"
    assert match["name"] == "PAVILION_SECRET_KEY"


def test_the_documented_secrets_are_all_compose_needs_to_start() -> None:
    header = COMPOSE.read_text(encoding="utf-8").split("\n\n")[0]

    interpolated = interpolate_tree(load_compose(), SECRETS)

    assert interpolated["services"]["app"]["deploy"]["replicas"] == 2
    assert all(f"{name}=..." in header for name in SECRETS)


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_compose_refuses_to_start_without_each_secret(secret: str) -> None:
    env = {name: value for name, value in SECRETS.items() if name != secret}

    with pytest.raises(MissingVariable, match=rf"^{secret}:"):
        interpolate_tree(load_compose(), env)


def test_app_environment_builds_production_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = app_settings(monkeypatch, SECRETS)

    assert settings.environment == "production"
    assert settings.database_url == (
        "postgresql+asyncpg://pavilion:pg-password-0123456789@postgres:5432/pavilion"
    )
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.secret_key == SECRETS["PAVILION_SECRET_KEY"]
    assert (settings.public_url, settings.allowed_origins) == (
        "https://localhost",
        ["https://localhost"],
    )
    assert settings.log_format == "json"
    # No SMTP server named: mail goes to the outbox folder.
    assert (settings.smtp_url, settings.mail_from) == ("", "Pavilion <no-reply@localhost>")
    # Browsers are offered the compose file's own coturn, with credentials from its secret.
    assert settings.turn_secret == SECRETS["TURN_SECRET"]
    assert settings.ice_servers == [
        "stun:localhost:3478",
        "turn:localhost:3478?transport=udp",
    ]


def test_public_url_and_allowed_origins_follow_the_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = app_settings(monkeypatch, {**SECRETS, "DOMAIN": "forum.example.org"})

    assert (settings.public_url, settings.allowed_origins) == (
        "https://forum.example.org",
        ["https://forum.example.org"],
    )


def test_every_pavilion_variable_is_a_settings_field() -> None:
    prefix = Settings.model_config.get("env_prefix")
    used = {
        name.lower()
        for path in (COMPOSE, DOCKERFILE)
        for name in re.findall(r"\bPAVILION_([A-Z0-9_]+)", path.read_text(encoding="utf-8"))
    }

    assert prefix == "PAVILION_"
    assert used, "expected the deployment files to configure the app"
    assert used - set(Settings.model_fields) == set()


def test_app_waits_for_healthy_postgres_and_redis() -> None:
    depends_on = service("app")["depends_on"]

    assert depends_on == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }


def test_migrations_run_once_before_any_replica_starts() -> None:
    migrate, app = service("migrate"), service("app")

    assert command_of(migrate) == ["pavilion", "db", "upgrade"]
    assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert command_of(app) == ["pavilion", "serve"]
    assert environment_of(migrate) == environment_of(app)


def test_app_postgres_and_redis_have_health_checks() -> None:
    def probe(name: str) -> str:
        return " ".join(service(name)["healthcheck"]["test"])

    assert "/healthz" in probe("app")
    assert "pg_isready" in probe("postgres")
    assert "redis-cli ping" in probe("redis")


def test_postgres_and_redis_keep_their_data_in_named_volumes() -> None:
    declared = set(load_compose().get("volumes", {}))

    def mounts(name: str) -> dict[str, str]:
        return dict(volume.split(":")[1::-1] for volume in service(name)["volumes"])

    postgres, redis = mounts("postgres"), mounts("redis")

    assert (service("postgres")["image"], service("redis")["image"]) == ("postgres:16", "redis:7")
    assert {postgres["/var/lib/postgresql/data"], redis["/data"]} <= declared
    assert command_of(service("redis"))[-2:] == ["--appendonly", "yes"]


def test_coturn_uses_a_required_shared_secret_and_publishes_its_relay_range() -> None:
    coturn = service("coturn")
    command = command_of(coturn)
    options = options_of(command)

    assert coturn["image"].split(":")[0] == "coturn/coturn"
    assert "--use-auth-secret" in command
    assert options["realm"]
    secret = _REQUIRED.fullmatch(options["static-auth-secret"])
    assert secret is not None and secret["name"] == "TURN_SECRET"
    relay = "{0}-{1}:{0}-{1}".format(options["min-port"], options["max-port"])
    assert {"3478/udp", "3478/tcp"} <= published_ports(coturn)
    assert f"{relay}/udp" in coturn["ports"]


def test_coturn_cannot_relay_into_the_database_network() -> None:
    coturn = networks_of(service("coturn"))

    assert coturn & networks_of(service("postgres")) == set()
    assert coturn & networks_of(service("redis")) == set()
    assert coturn & networks_of(service("app")) != set(), "TURN must reach the app's stage"


def test_caddyfile_proxies_to_the_app_service_on_port_8000() -> None:
    caddyfile = CADDYFILE.read_text(encoding="utf-8")
    static = re.search(r"^\s*reverse_proxy\s+(?P<name>[\w.-]+):(?P<port>\d+)", caddyfile, re.M)
    dynamic = re.search(r"^\s*dynamic\s+a\s+(?P<name>[\w.-]+)\s+(?P<port>\d+)", caddyfile, re.M)

    upstream = static or dynamic

    assert upstream is not None, "the Caddyfile has no reverse_proxy upstream"
    assert (upstream["name"], upstream["port"]) == ("app", "8000")
    assert re.search(r"^\s*lb_policy\s+\w+", caddyfile, re.M)
    assert re.search(r"^\s*EXPOSE\s+8000\s*$", DOCKERFILE.read_text(encoding="utf-8"), re.M)


def test_image_runs_unprivileged_migrates_then_serves_and_checks_its_health() -> None:
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
    cmd = re.findall(r"^CMD\s+(.+)$", dockerfile, re.M)

    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "pip install -c requirements.lock ." in dockerfile
    assert re.search(r"^HEALTHCHECK\b.*\\\n.*/healthz", dockerfile, re.M)
    assert cmd == ['["sh", "-c", "pavilion db upgrade && exec pavilion serve"]']


PROMETHEUS = ROOT / "deploy" / "prometheus.yml"


def test_the_monitoring_profile_scrapes_every_replica_with_the_metrics_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prometheus = service("prometheus")
    config = yaml.safe_load(PROMETHEUS.read_text(encoding="utf-8"))
    (job,) = config["scrape_configs"]
    secret = load_compose()["secrets"]["metrics_token"]
    token = "metrics-token-0123456789"

    settings = app_settings(monkeypatch, {**SECRETS, "METRICS_TOKEN": token})

    # Optional: `docker compose up` alone starts no Prometheus.
    assert prometheus["profiles"] == ["monitoring"]
    assert f"./{PROMETHEUS.relative_to(ROOT)}:/etc/prometheus/prometheus.yml:ro" in (
        prometheus["volumes"]
    )
    # Every replica, each on its own: the service name resolves to one address per replica.
    assert job["dns_sd_configs"] == [
        {"names": ["app"], "type": "A", "port": 8000, "refresh_interval": "30s"}
    ]
    assert job["metrics_path"] == "/metrics"
    # The token the scraper presents is the one the app expects.
    assert job["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    assert prometheus["secrets"] == ["metrics_token"] and secret == {"environment": "METRICS_TOKEN"}
    assert settings.metrics_token == token
    # Published on this host's loopback only.
    assert prometheus["ports"] == ["127.0.0.1:9090:9090"]


def test_without_a_metrics_token_production_keeps_metrics_for_organisers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = app_settings(monkeypatch, SECRETS)

    assert (settings.environment, settings.metrics_token) == ("production", "")
