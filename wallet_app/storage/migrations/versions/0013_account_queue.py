"""The approval queue of account vaults (issue 15): a row per proposed transfer (the unsigned EIP-1559 transaction,
keyed by its signing hash, with its vault and nonce), the approvers' EIP-712 approvals of it, and once the cold
ceremony has signed it, the signed transaction and what the chain made of it."""

import sqlalchemy as sa
from alembic import op

revision = "0013_account_queue"
down_revision = "0012_account_vaults"


def upgrade() -> None:
    op.create_table(
        "account_queue_items",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("tx_hash", sa.String(66), primary_key=True),
        sa.Column("vault", sa.String(42), nullable=False),
        sa.Column("nonce", sa.String(78), nullable=False),
        sa.Column("unsigned_tx", sa.Text, nullable=False),
        sa.Column("proposer", sa.String(42), nullable=False),
        sa.Column("proposer_signature", sa.String(132), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("state_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_tx", sa.Text, nullable=True),
        sa.Column("sent_tx_hash", sa.String(66), nullable=True),
        sa.Column("mined_block", sa.BigInteger, nullable=True),
        sa.Column("mined_block_hash", sa.String(66), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("account_queue_by_nonce", "account_queue_items", ["chain_id", "vault", "nonce"])
    op.create_table(
        "account_queue_approvals",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("tx_hash", sa.String(66), primary_key=True),
        sa.Column("approver", sa.String(42), primary_key=True),
        sa.Column("signature", sa.String(132), nullable=False),
        sa.Column("policy_digest", sa.String(66), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.Text, nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["chain_id", "tx_hash"],
                                ["account_queue_items.chain_id", "account_queue_items.tx_hash"]),
    )


def downgrade() -> None:
    op.drop_table("account_queue_approvals")
    op.drop_index("account_queue_by_nonce", "account_queue_items")
    op.drop_table("account_queue_items")
