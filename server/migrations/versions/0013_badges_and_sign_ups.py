"""a badge's revocation record (who revoked it, who restored it and when); sign-ups that wait
for their address to be confirmed, and the sign-up and reset requests per address; who an
anonymous stand visit counts as, and the digest of the address it came from

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import server.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_mail_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account_mail_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_mail_request_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_mail_request_email"), ["email"], unique=False)

    op.create_table(
        "pending_signup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("organisation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", server.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", server.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("pending_signup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_signup_email"), ["email"], unique=False)

    with op.batch_alter_table("badge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("restored_at", server.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("restored_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_badge_revoked_by_user", "user", ["revoked_by"], ["id"])
        batch_op.create_foreign_key("fk_badge_restored_by_user", "user", ["restored_by"], ["id"])

    with op.batch_alter_table("standvisit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("visitor_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("client", sa.String(length=24), nullable=True))
        batch_op.create_index(batch_op.f("ix_standvisit_client"), ["client"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_standvisit_visitor_key"), ["visitor_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("standvisit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standvisit_visitor_key"))
        batch_op.drop_index(batch_op.f("ix_standvisit_client"))
        batch_op.drop_column("client")
        batch_op.drop_column("visitor_key")

    with op.batch_alter_table("pending_signup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_signup_email"))
    op.drop_table("pending_signup")
    with op.batch_alter_table("account_mail_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_mail_request_email"))
        batch_op.drop_index(batch_op.f("ix_account_mail_request_at"))
    op.drop_table("account_mail_request")

    with op.batch_alter_table("badge", schema=None) as batch_op:
        batch_op.drop_constraint("fk_badge_restored_by_user", type_="foreignkey")
        batch_op.drop_constraint("fk_badge_revoked_by_user", type_="foreignkey")
        batch_op.drop_column("restored_by")
        batch_op.drop_column("restored_at")
        batch_op.drop_column("revoked_by")
