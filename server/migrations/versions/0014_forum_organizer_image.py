"""a forum's organiser (name in both languages, URL) and picture, for the JSON-LD export

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("forum", schema=None) as batch_op:
        for name in ("organizer_en", "organizer_ru"):
            batch_op.add_column(
                sa.Column(
                    name, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
                )
            )
        for name in ("organizer_url", "image_url"):
            batch_op.add_column(
                sa.Column(name, sa.String(length=500), nullable=False, server_default="")
            )


def downgrade() -> None:
    with op.batch_alter_table("forum", schema=None) as batch_op:
        for name in ("image_url", "organizer_url", "organizer_ru", "organizer_en"):
            batch_op.drop_column(name)
