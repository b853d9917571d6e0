"""Account history: indexed token transfers, how far each token's logs were read, and the block hashes read."""

import sqlalchemy as sa
from alembic import op

revision = "0003_history"
down_revision = "0002_keys"


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("tx_hash", sa.String(66), primary_key=True),
        sa.Column("log_index", sa.Integer, primary_key=True),
        sa.Column("batch_index", sa.Integer, primary_key=True, server_default="0"),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("block_hash", sa.String(66), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("standard", sa.String(16), nullable=False),
        sa.Column("token_id", sa.Text, nullable=True),
        sa.Column("from_address", sa.String(42), nullable=False),
        sa.Column("to_address", sa.String(42), nullable=False),
        sa.Column("amount", sa.Text, nullable=False),
        sa.Column("block_time", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_transfers_block_number", "transfers", ["block_number"])
    op.create_index("ix_transfers_from_address", "transfers", ["from_address"])
    op.create_index("ix_transfers_to_address", "transfers", ["to_address"])
    op.create_table(
        "history_index_state",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("token", sa.String(42), primary_key=True),
        sa.Column("last_block", sa.BigInteger, nullable=False),
        sa.Column("last_hash", sa.String(66), nullable=False),
        sa.Column("accounts_digest", sa.String(64), nullable=False),
    )
    op.create_table(
        "history_blocks",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("block_number", sa.BigInteger, primary_key=True),
        sa.Column("block_hash", sa.String(66), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("history_blocks")
    op.drop_table("history_index_state")
    op.drop_index("ix_transfers_to_address", "transfers")
    op.drop_index("ix_transfers_from_address", "transfers")
    op.drop_index("ix_transfers_block_number", "transfers")
    op.drop_table("transfers")
