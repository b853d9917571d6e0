"""Policy decisions: every transaction the policy checker decided on, with the decision and each rule's verdict."""

import sqlalchemy as sa
from alembic import op

revision = "0006_policy_decisions"
down_revision = "0005_policies"


def upgrade() -> None:
    op.create_table(
        "policy_decisions",
        # One id for the whole table (SQLite only autoincrements a lone integer primary key); listed per chain.
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("safe", sa.String(42), nullable=False),
        sa.Column("nonce", sa.String(78), nullable=False),
        sa.Column("safe_tx_hash", sa.String(66), nullable=False),
        sa.Column("intent_text", sa.Text, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("rules_json", sa.Text, nullable=False),
        sa.Column("policy_version", sa.Integer, nullable=True),
        sa.Column("policy_digest", sa.String(66), nullable=True),
        sa.Column("proposer", sa.String(42), nullable=True),
    )
    op.create_index("policy_decisions_by_chain", "policy_decisions", ["chain_id", "id"])
    op.create_index("policy_decisions_by_hash", "policy_decisions", ["chain_id", "safe_tx_hash"])


def downgrade() -> None:
    op.drop_index("policy_decisions_by_hash", table_name="policy_decisions")
    op.drop_index("policy_decisions_by_chain", table_name="policy_decisions")
    op.drop_table("policy_decisions")
