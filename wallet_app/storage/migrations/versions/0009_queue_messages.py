"""Safe messages in the approval queue: a holding statement's EIP-712 typed data that a vault's owners sign (keyed by
its SafeMessage hash, no nonce), the unsigned statement it belongs to, and the owners' signatures."""

import sqlalchemy as sa
from alembic import op

revision = "0009_queue_messages"
down_revision = "0008_approval_queue"


def upgrade() -> None:
    op.create_table(
        "queue_messages",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("message_hash", sa.String(66), primary_key=True),
        sa.Column("safe", sa.String(42), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("typed_data", sa.Text, nullable=False),
        sa.Column("attachment", sa.Text, nullable=False),
        sa.Column("proposer", sa.String(42), nullable=False),
        sa.Column("proposer_signature", sa.String(132), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("queue_messages_by_safe", "queue_messages", ["chain_id", "safe", "proposed_at"])
    op.create_table(
        "queue_message_signatures",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("message_hash", sa.String(66), primary_key=True),
        sa.Column("owner", sa.String(42), primary_key=True),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Text, nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["chain_id", "message_hash"],
                                ["queue_messages.chain_id", "queue_messages.message_hash"]),
    )


def downgrade() -> None:
    op.drop_table("queue_message_signatures")
    op.drop_index("queue_messages_by_safe", table_name="queue_messages")
    op.drop_table("queue_messages")
