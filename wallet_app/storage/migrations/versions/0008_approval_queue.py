"""The approval queue: Safe transactions proposed for a vault, the co-signers' signatures over them, and the executor
transactions signed to execute them (stored before they are broadcast)."""

import sqlalchemy as sa
from alembic import op

revision = "0008_approval_queue"
down_revision = "0007_audit_and_journal"

IN_FLIGHT = "state IN ('claimed', 'signed_for_execution', 'broadcast', 'mined', 'final', 'failed')"


def upgrade() -> None:
    op.create_table(
        "queue_items",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("safe_tx_hash", sa.String(66), primary_key=True),
        sa.Column("safe", sa.String(42), nullable=False),
        sa.Column("nonce", sa.String(78), nullable=False),
        sa.Column("version", sa.String(24), nullable=False),
        sa.Column("to_address", sa.String(42), nullable=False),
        sa.Column("value", sa.String(78), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("operation", sa.Integer, nullable=False),
        sa.Column("safe_tx_gas", sa.String(78), nullable=False),
        sa.Column("base_gas", sa.String(78), nullable=False),
        sa.Column("gas_price", sa.String(78), nullable=False),
        sa.Column("gas_token", sa.String(42), nullable=False),
        sa.Column("refund_receiver", sa.String(42), nullable=False),
        sa.Column("proposer", sa.String(42), nullable=False),
        sa.Column("proposer_signature", sa.String(132), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("state_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ready_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(64), nullable=True),
        sa.Column("claimed_by", sa.Text, nullable=True),
        sa.Column("claim_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("executor", sa.String(42), nullable=True),
        sa.Column("exec_tx_hash", sa.String(66), nullable=True),
        sa.Column("mined_block", sa.BigInteger, nullable=True),
        sa.Column("mined_block_hash", sa.String(66), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("queue_items_by_nonce", "queue_items", ["chain_id", "safe", "nonce"])
    op.create_index("queue_items_one_in_flight", "queue_items", ["chain_id", "safe", "nonce"], unique=True,
                    sqlite_where=sa.text(IN_FLIGHT), postgresql_where=sa.text(IN_FLIGHT))
    op.create_table(
        "queue_signatures",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("safe_tx_hash", sa.String(66), primary_key=True),
        sa.Column("owner", sa.String(42), primary_key=True),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Text, nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["chain_id", "safe_tx_hash"], ["queue_items.chain_id", "queue_items.safe_tx_hash"]),
    )
    op.create_table(
        "queue_broadcasts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("safe_tx_hash", sa.String(66), nullable=False),
        sa.Column("executor", sa.String(42), nullable=False),
        sa.Column("eoa_nonce", sa.BigInteger, nullable=False),
        sa.Column("raw_tx", sa.Text, nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("gas", sa.BigInteger, nullable=False),
        sa.Column("max_fee_per_gas", sa.String(78), nullable=False),
        sa.Column("max_priority_fee_per_gas", sa.String(78), nullable=False),
        sa.Column("replaces", sa.Integer, nullable=True),
        sa.Column("claim_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["chain_id", "safe_tx_hash"], ["queue_items.chain_id", "queue_items.safe_tx_hash"]),
        sa.UniqueConstraint("chain_id", "tx_hash", name="queue_broadcasts_tx_hash"),
    )
    op.create_index("queue_broadcasts_by_item", "queue_broadcasts", ["chain_id", "safe_tx_hash", "id"])
    op.create_index("queue_broadcasts_by_eoa_nonce", "queue_broadcasts", ["chain_id", "executor", "eoa_nonce"])


def downgrade() -> None:
    op.drop_table("queue_broadcasts")
    op.drop_table("queue_signatures")
    op.drop_table("queue_items")
