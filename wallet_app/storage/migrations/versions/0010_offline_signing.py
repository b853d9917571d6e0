"""Offline signing: paired offline signers' keys (kind offline: the device and the key origin it declared), the
vaults an air-gapped signer profile signs for, anchored once by the officer (address, Safe version, owners,
threshold), and on the online side the sign requests sent to offline signers, so that an answer is accepted only for
a request this profile made."""

import sqlalchemy as sa
from alembic import op

revision = "0010_offline_signing"
down_revision = "0009_queue_messages"


def upgrade() -> None:
    op.add_column("keys", sa.Column("offline_device", sa.Text, nullable=True))
    op.add_column("keys", sa.Column("offline_path", sa.Text, nullable=True))
    op.add_column("keys", sa.Column("offline_fingerprint", sa.BigInteger, nullable=True))
    op.create_table(
        "offline_vaults",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("owners", sa.Text, nullable=False),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("anchored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("anchored_how", sa.String(16), nullable=False),
        sa.Column("last_change_nonce", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "offline_requests",
        sa.Column("request_id", sa.String(36), primary_key=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject_hash", sa.String(66), nullable=False),
        sa.Column("safe", sa.String(42), nullable=False),
        sa.Column("owner", sa.String(42), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("offline_requests_by_subject", "offline_requests", ["chain_id", "subject_hash"])


def downgrade() -> None:
    op.drop_index("offline_requests_by_subject", table_name="offline_requests")
    op.drop_table("offline_requests")
    op.drop_table("offline_vaults")
    op.drop_column("keys", "offline_fingerprint")
    op.drop_column("keys", "offline_path")
    op.drop_column("keys", "offline_device")
