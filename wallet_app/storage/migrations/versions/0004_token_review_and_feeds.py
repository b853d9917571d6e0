"""Token review (added and discovered tokens stay unreviewed until an administrator approves them) and price feeds
(NAV and FX feeds with their currency and staleness rule)."""

import sqlalchemy as sa
from alembic import op

revision = "0004_token_review_and_feeds"
down_revision = "0003_history"


def upgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        # Rows before this revision were entered by the demo seeding or an administrator: reviewed.
        batch.add_column(sa.Column("reviewed", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="registry"))
        batch.add_column(sa.Column("reviewed_by", sa.Text, nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("spam_reason", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("added_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "price_feeds",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("max_age_seconds", sa.Integer, nullable=False),
        sa.Column("reports_now", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("price_feeds")
    with op.batch_alter_table("tokens") as batch:
        for column in ("added_at", "spam_reason", "reviewed_at", "reviewed_by", "source", "reviewed"):
            batch.drop_column(column)
