"""Policies: every version of the policy file with its state, and the EIP-712 approvals of the governance quorum."""

import sqlalchemy as sa
from alembic import op

revision = "0005_policies"
down_revision = "0004_token_review_and_feeds"


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("digest", sa.String(66), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("proposed_by", sa.String(42), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposer_signature", sa.String(132), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("supersedes", sa.String(66), nullable=True),
        sa.Column("quorum_reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(42), nullable=True),
        sa.Column("closed_signature", sa.String(132), nullable=True),
        sa.Column("closed_reason", sa.Text, nullable=False, server_default=""),
    )
    # At most one policy in force per chain, even with two desktops on a shared database.
    op.create_index("policies_one_active", "policies", ["chain_id"], unique=True,
                    sqlite_where=sa.text("state = 'active'"), postgresql_where=sa.text("state = 'active'"))
    op.create_table(
        "policy_approvals",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("digest", sa.String(66), primary_key=True),
        sa.Column("signer", sa.String(42), primary_key=True),
        sa.Column("signature", sa.String(132), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("policy_approvals")
    op.drop_index("policies_one_active", table_name="policies")
    op.drop_table("policies")
