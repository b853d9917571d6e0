"""Tables of the profile database (SQLAlchemy Core). Migrations in `migrations/` create and change them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text

# The newest schema this code reads and writes; a test checks it is the head of the migration scripts.
SCHEMA_HEAD = "0001_foundation"

metadata = MetaData()

vaults = Table(
    "vaults",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("label", Text, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("standard", String(16), nullable=False),  # native, erc20, erc721, erc1155, erc3643
    Column("symbol", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("decimals", Integer, nullable=False),
    Column("role", Text, nullable=False, default=""),  # e.g. "nav-feed:<address>" hints for holdings
)

labels = Table(
    "labels",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("label", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # officer, investor, contract, counterparty
)
