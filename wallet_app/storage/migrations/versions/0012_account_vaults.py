"""Account vaults (issue 15): a vault is a Safe (owners and threshold on chain) or a plain account whose approvers and
threshold are in the governed policy, such as a cold vault whose key exists only as SLIP-39 shares."""

import sqlalchemy as sa
from alembic import op

revision = "0012_account_vaults"
down_revision = "0011_cold_vaults"


def upgrade() -> None:
    with op.batch_alter_table("vaults") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="safe"))


def downgrade() -> None:
    with op.batch_alter_table("vaults") as batch:
        batch.drop_column("kind")
