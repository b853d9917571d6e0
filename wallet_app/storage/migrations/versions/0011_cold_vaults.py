"""Cold vaults (issue 15) on an offline signer profile: the vault's address and label, its SLIP-39 share sets
(identifier, threshold, share count, pending, active or retired) and who holds which share and how it was handed over
(shown as words, or an encrypted file). Never a key, a share or a passphrase."""

import sqlalchemy as sa
from alembic import op

revision = "0011_cold_vaults"
down_revision = "0010_offline_signing"


def upgrade() -> None:
    op.create_table(
        "cold_vaults",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cold_share_sets",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("vault", sa.String(42), primary_key=True),
        sa.Column("identifier", sa.Integer, primary_key=True),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("share_count", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["chain_id", "vault"], ["cold_vaults.chain_id", "cold_vaults.address"]),
    )
    op.create_table(
        "cold_share_holders",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("vault", sa.String(42), primary_key=True),
        sa.Column("identifier", sa.Integer, primary_key=True),
        sa.Column("member_index", sa.Integer, primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("delivery", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(["chain_id", "vault", "identifier"],
                                ["cold_share_sets.chain_id", "cold_share_sets.vault", "cold_share_sets.identifier"]),
    )


def downgrade() -> None:
    op.drop_table("cold_share_holders")
    op.drop_table("cold_share_sets")
    op.drop_table("cold_vaults")
