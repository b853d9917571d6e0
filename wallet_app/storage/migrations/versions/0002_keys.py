"""Keys of the profile (keystore files, HSM objects, watch-only addresses) and the record of key events."""

import sqlalchemy as sa
from alembic import op

revision = "0002_keys"
down_revision = "0001_foundation"


def upgrade() -> None:
    op.create_table(
        "keys",
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hsm_module", sa.Text, nullable=True),
        sa.Column("hsm_token", sa.Text, nullable=True),
        sa.Column("hsm_key_label", sa.Text, nullable=True),
        sa.Column("remembered", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "key_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("key_events")
    op.drop_table("keys")
