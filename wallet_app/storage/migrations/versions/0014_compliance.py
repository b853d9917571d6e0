"""The compliance desk (issue 16): counterparties and their addresses with proofs of ownership, the challenges and
satoshi tests that prove them, the Travel Rule record bound to each transfer's safeTxHash, and every document Custos
issues (holding statements, storage reports, evidence manifests) kept with its SHA-256 digest."""

import sqlalchemy as sa
from alembic import op

revision = "0014_compliance"
down_revision = "0013_account_queue"


def upgrade() -> None:
    op.create_table(
        "counterparties",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("person", sa.String(8), nullable=False),
        sa.Column("given_names", sa.Text, nullable=False, server_default=""),
        sa.Column("id_type", sa.String(8), nullable=False),
        sa.Column("identifier", sa.Text, nullable=False),
        sa.Column("jurisdiction", sa.String(2), nullable=False),
        sa.Column("vasp", sa.Text, nullable=False, server_default=""),
        sa.Column("geo_address", sa.Text, nullable=False, server_default=""),
        sa.Column("birth_date", sa.String(10), nullable=False, server_default=""),
        sa.Column("birth_place", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(42), nullable=False),
    )
    op.create_table(
        "counterparty_addresses",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("address", sa.String(42), primary_key=True),
        sa.Column("counterparty_id", sa.Integer, sa.ForeignKey("counterparties.id"), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proof_kind", sa.String(16), nullable=True),
        sa.Column("proof", sa.Text, nullable=True),
        sa.Column("proven_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "ownership_challenges",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("nonce", sa.String(66), primary_key=True),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("counterparty_id", sa.Integer, sa.ForeignKey("counterparties.id"), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("asset", sa.String(42), nullable=False, server_default=""),
        sa.Column("amount", sa.String(78), nullable=False, server_default=""),
        sa.Column("vault", sa.String(42), nullable=False, server_default=""),
        sa.Column("start_block", sa.BigInteger, nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(42), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ownership_challenges_by_address", "ownership_challenges", ["chain_id", "address"])
    op.create_table(
        "travel_rule_records",
        sa.Column("chain_id", sa.BigInteger, primary_key=True),
        sa.Column("safe_tx_hash", sa.String(66), primary_key=True),
        sa.Column("safe", sa.String(42), nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("value_hkd", sa.String(78), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("record", sa.Text, nullable=True),
        sa.Column("digest", sa.String(66), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(42), nullable=False),
    )
    op.create_table(
        "issued_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain_id", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("issued_documents_by_time", "issued_documents", ["chain_id", "issued_at"])


def downgrade() -> None:
    op.drop_index("issued_documents_by_time", "issued_documents")
    op.drop_table("issued_documents")
    op.drop_table("travel_rule_records")
    op.drop_index("ownership_challenges_by_address", "ownership_challenges")
    op.drop_table("ownership_challenges")
    op.drop_table("counterparty_addresses")
    op.drop_table("counterparties")
