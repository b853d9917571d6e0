"""The audit log (append-only, hash-chained, written in the same transaction as the change it records) and the
signing journal (every signature Custos produces, written before the signature leaves the signer)."""

import sqlalchemy as sa
from alembic import op

revision = "0007_audit_and_journal"
down_revision = "0006_policy_decisions"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),  # 1, 2, 3 ... no gaps
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("monotonic_ns", sa.BigInteger, nullable=False),
        sa.Column("host", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("actor_label", sa.Text, nullable=False, server_default=""),
        sa.Column("role", sa.Text, nullable=False, server_default=""),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("chain_id", sa.BigInteger, nullable=True),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.Column("prev_hash", sa.String(66), nullable=False),
        sa.Column("entry_hash", sa.String(66), nullable=False, unique=True),
        sa.Column("signature", sa.String(132), nullable=True),
    )
    op.create_index("audit_log_by_action", "audit_log", ["action", "seq"])
    op.create_table(
        "signing_journal",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("signer", sa.String(42), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("safe", sa.String(42), nullable=True),
        sa.Column("nonce", sa.String(78), nullable=True),
        sa.Column("digest", sa.String(66), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("signing_journal_by_nonce", "signing_journal", ["chain_id", "signer", "safe", "nonce"])


def downgrade() -> None:
    op.drop_index("signing_journal_by_nonce", "signing_journal")
    op.drop_table("signing_journal")
    op.drop_index("audit_log_by_action", "audit_log")
    op.drop_table("audit_log")
