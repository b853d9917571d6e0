"""Foundation schema: vaults, the token registry and address labels."""

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "vaults",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("standard", sa.String(16), nullable=False),
        sa.Column("symbol", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("decimals", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "labels",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    for table in ("labels", "tokens", "vaults"):
        op.drop_table(table)
