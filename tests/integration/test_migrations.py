"""The migrations create exactly what the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import server.models  # noqa: F401  (registers every table)
from server.migrate import include_name, upgrade


async def test_migrations_leave_nothing_for_autogenerate_to_add(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_async_engine(database_url)

    def diff(connection: Connection) -> list:
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, SQLModel.metadata)

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    await engine.dispose()

    assert differences == []
