"""Applying Alembic migrations from code (`pavilion db upgrade`, the demo, and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

from server.db import sqlite_pragmas

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """What Alembic compares with the models: not the FTS5 index's own tables (searchfts and
    its shadows), which no model describes (see server/expo/search.py)."""
    return not (type_ == "table" and name is not None and name.startswith("searchfts"))


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` up to `revision` (idempotent)."""
    engine = create_async_engine(database_url)
    if engine.dialect.name == "sqlite":
        # The database file turns to WAL here, before the app's connections race to do it.
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    config = alembic_config(database_url)

    def run(connection: object) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    await engine.dispose()
