"""rehearsals (`pavilion rehearse`) and the mark on their synthetic accounts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rehearsal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("created_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", server.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"]),
        sa.ForeignKeyConstraint(["forum_id"], ["forum.id"]),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rehearsal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rehearsal_forum_id"), ["forum_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rehearsal_expires_at"), ["expires_at"], unique=False)

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rehearsal_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_rehearsal_id"), ["rehearsal_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_user_rehearsal_id_rehearsal", "rehearsal", ["rehearsal_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint("fk_user_rehearsal_id_rehearsal", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_user_rehearsal_id"))
        batch_op.drop_column("rehearsal_id")

    with op.batch_alter_table("rehearsal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rehearsal_expires_at"))
        batch_op.drop_index(batch_op.f("ix_rehearsal_forum_id"))

    op.drop_table("rehearsal")
