"""people with emails and accounts, who granted a role, invitations that are mailed and can be
revoked, notices and the kinds a person does not want by mail

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import server.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("mailed", sa.Boolean(), nullable=False),
        sa.Column("created_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", server.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "key"),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("grant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("granted_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("granted_at", server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key("fk_grant_granted_by_user", "user", ["granted_by"], ["id"])

    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invited_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("name", sa.String(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("language", sa.String(length=2), nullable=False, server_default="ru")
        )
        batch_op.add_column(
            sa.Column("sent_at", server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("revoked_at", server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key("fk_invite_invited_by_user", "user", ["invited_by"], ["id"])

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email", sa.String(length=254), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("photo_url", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "bio_en", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column(
                "bio_ru", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
        batch_op.create_index(batch_op.f("ix_person_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key("fk_person_user_id_user", "user", ["user_id"], ["id"])

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_off", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("mail_off")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint("fk_person_user_id_user", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_person_user_id"))
        batch_op.drop_index(batch_op.f("ix_person_email"))
        for column in ("bio_ru", "bio_en", "photo_url", "user_id", "email"):
            batch_op.drop_column(column)

    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_constraint("fk_invite_invited_by_user", type_="foreignkey")
        for column in ("revoked_at", "sent_at", "language", "name", "invited_by"):
            batch_op.drop_column(column)

    with op.batch_alter_table("grant", schema=None) as batch_op:
        batch_op.drop_constraint("fk_grant_granted_by_user", type_="foreignkey")
        batch_op.drop_column("granted_at")
        batch_op.drop_column("granted_by")

    op.drop_table("notice")
