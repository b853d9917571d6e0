"""Tables of the profile database (SQLAlchemy Core). Migrations in `migrations/` create and change them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# The newest schema this code reads and writes; a test checks it is the head of the migration scripts.
SCHEMA_HEAD = "0014_compliance"

metadata = MetaData()

vaults = Table(
    "vaults",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("label", Text, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    # safe (owners and threshold on chain) or account (a plain account, approvers in the policy; 0012)
    Column("kind", String(16), nullable=False, server_default="safe"),
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
    # Review (0004): tokens added by address or discovered from Transfer events stay unreviewed (never priced from
    # a registry hint, shown apart) until an administrator approves them.
    Column("reviewed", Boolean, nullable=False, default=True),
    Column("source", String(16), nullable=False, default="registry"),  # registry, added, discovered
    Column("reviewed_by", Text, nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("spam_reason", Text, nullable=False, default=""),  # why Custos flags it as likely spam; "" when not
    Column("added_at", DateTime(timezone=True), nullable=True),
)

# Price feeds (0004): AggregatorV3 feeds the profile trusts. kind "nav": a token's NAV per unit in `currency`
# (linked from the token's role "nav-feed:<address>"); kind "fx": HKD per one unit of `currency`. An answer older
# than `max_age_seconds` at the snapshot's block is stale; `reports_now` marks a feed whose updatedAt is always the
# block time, so its age says nothing.
price_feeds = Table(
    "price_feeds",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("currency", String(8), nullable=False),
    Column("max_age_seconds", Integer, nullable=False),
    Column("reports_now", Boolean, nullable=False, default=False),
    Column("label", Text, nullable=False, default=""),
)

labels = Table(
    "labels",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("label", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # officer, investor, contract, counterparty
)

keys = Table(
    "keys",
    metadata,
    Column("address", String(42), primary_key=True),
    Column("kind", String(16), nullable=False),  # keystore, hsm, watch, offline
    Column("label", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("hsm_module", Text, nullable=True),
    Column("hsm_token", Text, nullable=True),
    Column("hsm_key_label", Text, nullable=True),
    Column("remembered", Boolean, nullable=False, default=False),  # its unlock secret is in the OS keyring
    # A paired offline signer's key (kind offline, 0010): the device's name and the key origin it declared.
    Column("offline_device", Text, nullable=True),
    Column("offline_path", Text, nullable=True),
    Column("offline_fingerprint", BigInteger, nullable=True),
)

# Append-only record of what happened to keys (created, imported, exported, deleted, ...), written in the same
# transaction as the change. The hash-chained, signed audit log of later work absorbs it.
key_events = Table(
    "key_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(32), nullable=False),
    Column("address", String(42), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("label", Text, nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

# Account history (0003): token transfers touching the profile's accounts, decoded from the logs of registry tokens.
# Amounts and token ids are uint256, kept as decimal text. A TransferBatch log gives one row per id (`batch_index`).
transfers = Table(
    "transfers",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("tx_hash", String(66), primary_key=True),
    Column("log_index", Integer, primary_key=True),
    Column("batch_index", Integer, primary_key=True, default=0),
    Column("block_number", BigInteger, nullable=False, index=True),
    Column("block_hash", String(66), nullable=False),
    Column("token", String(42), nullable=False),
    Column("standard", String(16), nullable=False),
    Column("token_id", Text, nullable=True),
    Column("from_address", String(42), nullable=False, index=True),
    Column("to_address", String(42), nullable=False, index=True),
    Column("amount", Text, nullable=False),
    Column("block_time", BigInteger, nullable=False),  # the block's timestamp, seconds since the epoch
)

# How far the logs of each registry token have been read, and for which set of accounts.
history_index_state = Table(
    "history_index_state",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("token", String(42), primary_key=True),
    Column("last_block", BigInteger, nullable=False),
    Column("last_hash", String(66), nullable=False),
    Column("accounts_digest", String(64), nullable=False),
)

# Hashes of the blocks the index read, re-checked before each sync to notice a reorganisation.
history_blocks = Table(
    "history_blocks",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("block_number", BigInteger, primary_key=True),
    Column("block_hash", String(66), nullable=False),
)

# Policies (0005): every version of the policy file, proposed, approved, in force or closed, with the EIP-712
# signatures that approved it (wallet_app/policy/approval_typed_data.py). Rows are not trusted: loading the policy
# in force recomputes the text's digest and re-verifies every signature against the governance vault's owners.
# `supersedes` is the digest of the policy in force when this one was proposed (signed as `previousDigest`).
# state: proposed, approved (quorum reached, a loosening change waiting for `effective_at`), active, superseded
# (was in force, replaced), rejected (by a signed rejection, or stale: the policy it was to replace was replaced).
policies = Table(
    "policies",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("digest", String(66), primary_key=True),  # 0x + keccak-256 of the UTF-8 text, lowercase hex
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("proposed_by", String(42), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("proposer_signature", String(132), nullable=False),  # 0x + r||s||v of a PolicyApproval
    Column("state", String(16), nullable=False),
    Column("supersedes", String(66), nullable=True),
    Column("quorum_reached_at", DateTime(timezone=True), nullable=True),
    Column("effective_at", DateTime(timezone=True), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_by", String(42), nullable=True),  # who rejected it; None when stale or superseded
    Column("closed_signature", String(132), nullable=True),  # the PolicyRejection signature
    Column("closed_reason", Text, nullable=False, default=""),
    Index("policies_one_active", "chain_id", unique=True, sqlite_where=text("state = 'active'"),
          postgresql_where=text("state = 'active'")),
)

policy_approvals = Table(
    "policy_approvals",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("digest", String(66), primary_key=True),
    Column("signer", String(42), primary_key=True),
    Column("signature", String(132), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),  # whole seconds; signed as `signedAt`
)

# Policy decisions (0006): every transaction the policy checker decided on (wallet_app/policy/decision_store.py): the
# SafeTx hash it was decided for, the intent in words, the decision and each rule's verdict as JSON, and the policy
# (version and digest) it was decided under (None when no policy was in force: then it is a deny). Append-only.
policy_decisions = Table(
    "policy_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("safe", String(42), nullable=False),
    Column("nonce", String(78), nullable=False),  # uint256 as decimal text
    Column("safe_tx_hash", String(66), nullable=False),
    Column("intent_text", Text, nullable=False),
    Column("decision", String(16), nullable=False),  # allow, deny, escalate
    Column("rules_json", Text, nullable=False),  # [{"id", "verdict", "reason"}, ...]
    Column("policy_version", Integer, nullable=True),
    Column("policy_digest", String(66), nullable=True),
    Column("proposer", String(42), nullable=True),
    Index("policy_decisions_by_chain", "chain_id", "id"),
    Index("policy_decisions_by_hash", "chain_id", "safe_tx_hash"),
)

# Audit log (0007): every action by every user, append-only and hash-chained: entry_hash = keccak256 of the canonical
# JSON of the entry's fields and prev_hash (wallet_app/audit/). `seq` has no gaps; the first entry's prev_hash is 32
# zero bytes. Written in the same database transaction as the change it records. `signature`: the actor's signature
# over entry_hash for signing actions.
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("monotonic_ns", BigInteger, nullable=False),
    Column("host", Text, nullable=False),
    Column("actor", Text, nullable=False),  # an address of the profile, or "system"
    Column("actor_label", Text, nullable=False, default=""),
    Column("role", Text, nullable=False, default=""),
    Column("action", String(48), nullable=False),
    Column("chain_id", BigInteger, nullable=True),
    Column("subject", Text, nullable=False, default=""),
    Column("detail", Text, nullable=False, default="{}"),  # canonical JSON, no secrets
    Column("prev_hash", String(66), nullable=False),
    Column("entry_hash", String(66), nullable=False, unique=True),
    Column("signature", String(132), nullable=True),
    Index("audit_log_by_action", "action", "seq"),
)

# Signing journal (0007, SC-7): a row per signature Custos is asked for, written before the signature leaves the
# signer (state requested -> released | failed). A request to sign another digest at a (signer, safe, nonce) that
# already has one is refused and raised as an incident (A11).
signing_journal = Table(
    "signing_journal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("signer", String(42), nullable=False),
    Column("kind", String(24), nullable=False),  # safe_tx, policy_approval, token_approval, audit_entry, ...
    Column("safe", String(42), nullable=True),
    Column("nonce", String(78), nullable=True),
    Column("digest", String(66), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Index("signing_journal_by_nonce", "chain_id", "signer", "safe", "nonce"),
)

# Approval queue (0008, wallet_app/queue/): a row per proposed SafeTx with its raw fields (uint256 as decimal text, data
# as 0x hex). Rows are untrusted: loading recomputes the safeTxHash from the fields (a mismatch quarantines the item),
# re-verifies the proposer's signature of the proposal record and every co-signer's signature against the vault's
# current owners. `state` follows wallet_app/queue/states.py; at most one item per (vault, nonce) is claimed or later.
QUEUE_IN_FLIGHT = "state IN ('claimed', 'signed_for_execution', 'broadcast', 'mined', 'final', 'failed')"

queue_items = Table(
    "queue_items",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("safe_tx_hash", String(66), primary_key=True),
    Column("safe", String(42), nullable=False),
    Column("nonce", String(78), nullable=False),
    Column("version", String(24), nullable=False),
    Column("to_address", String(42), nullable=False),
    Column("value", String(78), nullable=False),
    Column("data", Text, nullable=False),
    Column("operation", Integer, nullable=False),
    Column("safe_tx_gas", String(78), nullable=False),
    Column("base_gas", String(78), nullable=False),
    Column("gas_price", String(78), nullable=False),
    Column("gas_token", String(42), nullable=False),
    Column("refund_receiver", String(42), nullable=False),
    Column("proposer", String(42), nullable=False),
    Column("proposer_signature", String(132), nullable=False),  # EIP-191 over the proposal record (records.py)
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("state", String(24), nullable=False),
    Column("state_reason", Text, nullable=False, default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("ready_at", DateTime(timezone=True), nullable=True),  # when the quorum was first complete
    Column("claim_token", String(64), nullable=True),  # the executing desktop's claim (idempotency key, J5)
    Column("claimed_by", Text, nullable=True),
    Column("claim_expires_at", DateTime(timezone=True), nullable=True),  # a lease: another desktop may resume
    Column("executor", String(42), nullable=True),
    Column("exec_tx_hash", String(66), nullable=True),  # the executor transaction last sent
    Column("mined_block", BigInteger, nullable=True),
    Column("mined_block_hash", String(66), nullable=True),
    Column("outcome", String(16), nullable=True),  # success (ExecutionSuccess) or failure (ExecutionFailure)
    Column("final_at", DateTime(timezone=True), nullable=True),
    Index("queue_items_by_nonce", "chain_id", "safe", "nonce"),
    Index("queue_items_one_in_flight", "chain_id", "safe", "nonce", unique=True,
          sqlite_where=text(QUEUE_IN_FLIGHT), postgresql_where=text(QUEUE_IN_FLIGHT)),
)

# One row per (item, owner) (J1): the 65-byte ECDSA/eth_sign/approved-hash signature or a contract signature with its
# dynamic part, as 0x hex. `owner` is the row's claim, never trusted: the signature is verified on every load.
queue_signatures = Table(
    "queue_signatures",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("safe_tx_hash", String(66), primary_key=True),
    Column("owner", String(42), primary_key=True),
    Column("signature", Text, nullable=False),
    Column("source", String(16), nullable=False),  # custos (signed on a desktop of the team), imported
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", Text, nullable=False, default=""),  # the desktop (host) that stored it
    ForeignKeyConstraint(["chain_id", "safe_tx_hash"], ["queue_items.chain_id", "queue_items.safe_tx_hash"]),
)

# Executor transactions (write-ahead): the signed EIP-1559 bytes, stored with the EOA nonce they use before they are
# broadcast. Recovery sends these bytes again and never signs another transaction at that nonce, except a fee
# replacement of the same to/value/data (`replaces` names the row it replaces).
queue_broadcasts = Table(
    "queue_broadcasts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("safe_tx_hash", String(66), nullable=False),
    Column("executor", String(42), nullable=False),
    Column("eoa_nonce", BigInteger, nullable=False),
    Column("raw_tx", Text, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("gas", BigInteger, nullable=False),
    Column("max_fee_per_gas", String(78), nullable=False),
    Column("max_priority_fee_per_gas", String(78), nullable=False),
    Column("replaces", Integer, nullable=True),
    Column("claim_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    ForeignKeyConstraint(["chain_id", "safe_tx_hash"], ["queue_items.chain_id", "queue_items.safe_tx_hash"]),
    UniqueConstraint("chain_id", "tx_hash", name="queue_broadcasts_tx_hash"),
    Index("queue_broadcasts_by_item", "chain_id", "safe_tx_hash", "id"),
    Index("queue_broadcasts_by_eoa_nonce", "chain_id", "executor", "eoa_nonce"),
)

# Safe messages (0009, wallet_app/queue/messages.py): EIP-712 typed data a vault's owners sign to vouch for it (a
# holding statement), keyed by its SafeMessage hash, with no nonce; `attachment` is what the signatures will go into
# (the statement's proof bundle, JSON). Rows are untrusted: loading recomputes the SafeMessage hash from `typed_data`
# (a mismatch quarantines the message), re-verifies the proposer's record and every owner's signature.
queue_messages = Table(
    "queue_messages",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("message_hash", String(66), primary_key=True),
    Column("safe", String(42), nullable=False),
    Column("kind", String(32), nullable=False),  # holding-statement
    Column("typed_data", Text, nullable=False),  # the EIP-712 JSON the owners sign
    Column("attachment", Text, nullable=False),
    Column("proposer", String(42), nullable=False),
    Column("proposer_signature", String(132), nullable=False),  # EIP-191 over the message proposal record
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("state", String(24), nullable=False),  # proposed, ready
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("ready_at", DateTime(timezone=True), nullable=True),
    Index("queue_messages_by_safe", "chain_id", "safe", "proposed_at"),
)

queue_message_signatures = Table(
    "queue_message_signatures",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("message_hash", String(66), primary_key=True),
    Column("owner", String(42), primary_key=True),
    Column("signature", Text, nullable=False),
    Column("source", String(16), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", Text, nullable=False, default=""),
    ForeignKeyConstraint(["chain_id", "message_hash"], ["queue_messages.chain_id", "queue_messages.message_hash"]),
)

# Offline signing (0010, wallet_app/offline). On an offline signer profile: the vaults it signs for, as the officer
# confirmed them on that machine (owners as a JSON list; `fingerprint` is what the officer compared with the online
# screen; `anchored_how` typed or setup-qr). On the online side: each sign request sent to an offline signer, so that
# an answer counts only for a request this profile made, to the owner it was made for.
offline_vaults = Table(
    "offline_vaults",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("label", Text, nullable=False),
    Column("version", String(16), nullable=False),
    Column("owners", Text, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("anchored_at", DateTime(timezone=True), nullable=False),
    Column("anchored_how", String(16), nullable=False),  # typed, setup-qr, change (a signed owner change)
    Column("last_change_nonce", BigInteger, nullable=True),  # the nonce of the last owner change applied
)

offline_requests = Table(
    "offline_requests",
    metadata,
    Column("request_id", String(36), primary_key=True),  # the UUID of the eth-sign-request
    Column("chain_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),  # safe_tx, safe_message
    Column("subject_hash", String(66), nullable=False),  # the safeTxHash or SafeMessage hash asked for
    Column("safe", String(42), nullable=False),
    Column("owner", String(42), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    Index("offline_requests_by_subject", "chain_id", "subject_hash"),
)

# Cold vaults (0011, wallet_app/cold) on an offline signer profile: a plain account whose key exists only as SLIP-39
# shares held by officers. Kept: the address and label, each share set (its 15-bit SLIP-39 identifier, threshold,
# share count and state: pending until K of its shares rebuilt the key, active, retired) and who holds which member
# share, handed over as words or as an encrypted file. Never a key, a share or a passphrase.
cold_vaults = Table(
    "cold_vaults",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("label", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

cold_share_sets = Table(
    "cold_share_sets",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("vault", String(42), primary_key=True),
    Column("identifier", Integer, primary_key=True),
    Column("threshold", Integer, nullable=False),
    Column("share_count", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # pending, active, retired
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("retired_at", DateTime(timezone=True), nullable=True),
    ForeignKeyConstraint(["chain_id", "vault"], ["cold_vaults.chain_id", "cold_vaults.address"]),
)

cold_share_holders = Table(
    "cold_share_holders",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("vault", String(42), primary_key=True),
    Column("identifier", Integer, primary_key=True),
    Column("member_index", Integer, primary_key=True),  # from 0, as in the share itself
    Column("holder", Text, nullable=False),
    Column("delivery", String(8), nullable=False),  # words, file
    ForeignKeyConstraint(["chain_id", "vault", "identifier"],
                         ["cold_share_sets.chain_id", "cold_share_sets.vault", "cold_share_sets.identifier"]),
)

# Account vaults' approval queue (0013, wallet_app/account_vaults): a proposed transfer from a plain-account vault as
# its unsigned EIP-1559 bytes (0x hex), keyed by their signing hash; rows are untrusted: loading re-parses the bytes
# and recomputes the hash (a mismatch quarantines the item) and re-verifies the proposer's record signature and each
# approval against the policy in force. `signed_tx`: what the cold ceremony returned, checked to be the vault's.
account_queue_items = Table(
    "account_queue_items",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("tx_hash", String(66), primary_key=True),
    Column("vault", String(42), nullable=False),
    Column("nonce", String(78), nullable=False),
    Column("unsigned_tx", Text, nullable=False),
    Column("proposer", String(42), nullable=False),
    Column("proposer_signature", String(132), nullable=False),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("state", String(24), nullable=False),  # proposed, ready, signed, broadcast, final, failed, dropped
    Column("state_reason", Text, nullable=False, server_default=""),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("signed_tx", Text, nullable=True),
    Column("sent_tx_hash", String(66), nullable=True),
    Column("mined_block", BigInteger, nullable=True),
    Column("mined_block_hash", String(66), nullable=True),
    Column("outcome", String(16), nullable=True),  # success, reverted
    Column("final_at", DateTime(timezone=True), nullable=True),
    Index("account_queue_by_nonce", "chain_id", "vault", "nonce"),
)

# One EIP-712 AccountVaultApproval per (item, approver) (wallet_app.cold.approval), with the policy digest it names.
account_queue_approvals = Table(
    "account_queue_approvals",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("tx_hash", String(66), primary_key=True),
    Column("approver", String(42), primary_key=True),
    Column("signature", String(132), nullable=False),
    Column("policy_digest", String(66), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", Text, nullable=False, server_default=""),
    ForeignKeyConstraint(["chain_id", "tx_hash"], ["account_queue_items.chain_id", "account_queue_items.tx_hash"]),
)

# The compliance desk (0014, wallet_app/compliance). A counterparty: a natural or legal person with its identifier
# (IVMS 101 national identification: LEIX, RAID, NIDN, CCPT, ...), jurisdiction (ISO 3166 alpha-2) and its VASP ("" =
# unhosted); its addresses per chain, each with the proof of ownership once one passed (JSON text).
counterparties = Table(
    "counterparties",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("person", String(8), nullable=False),  # natural, legal
    Column("given_names", Text, nullable=False, server_default=""),
    Column("id_type", String(8), nullable=False),
    Column("identifier", Text, nullable=False),
    Column("jurisdiction", String(2), nullable=False),
    Column("vasp", Text, nullable=False, server_default=""),
    Column("geo_address", Text, nullable=False, server_default=""),
    Column("birth_date", String(10), nullable=False, server_default=""),
    Column("birth_place", Text, nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(42), nullable=False),
)

counterparty_addresses = Table(
    "counterparty_addresses",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("address", String(42), primary_key=True),
    Column("counterparty_id", Integer, ForeignKey("counterparties.id"), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("proof_kind", String(16), nullable=True),  # signature, eip1271, satoshi
    Column("proof", Text, nullable=True),
    Column("proven_at", DateTime(timezone=True), nullable=True),
)

# A challenge issued to prove an address (method "signature": the EIP-191 text to sign; "satoshi": the exact amount
# of `asset` to send to `vault` from `start_block` on); used once, refused after `expires_at`.
ownership_challenges = Table(
    "ownership_challenges",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("nonce", String(66), primary_key=True),
    Column("address", String(42), nullable=False),
    Column("counterparty_id", Integer, ForeignKey("counterparties.id"), nullable=False),
    Column("method", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("asset", String(42), nullable=False, server_default=""),
    Column("amount", String(78), nullable=False, server_default=""),
    Column("vault", String(42), nullable=False, server_default=""),
    Column("start_block", BigInteger, nullable=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("issued_by", String(42), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Index("ownership_challenges_by_address", "chain_id", "address"),
)

# The Travel Rule requirement decided at proposal (value in 10^-6 HKD, None when it could not be priced) and, when
# required, the IVMS 101 record (canonical JSON) with its keccak digest, bound to the transfer's safeTxHash.
travel_rule_records = Table(
    "travel_rule_records",
    metadata,
    Column("chain_id", BigInteger, primary_key=True),
    Column("safe_tx_hash", String(66), primary_key=True),
    Column("safe", String(42), nullable=False),
    Column("required", Boolean, nullable=False),
    Column("value_hkd", String(78), nullable=True),
    Column("reason", Text, nullable=False),
    Column("record", Text, nullable=True),
    Column("digest", String(66), nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(42), nullable=False),
)

# Every holding statement, storage report and evidence manifest Custos issues, as written, with its SHA-256.
issued_documents = Table(
    "issued_documents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain_id", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),  # statement, storage-report, evidence-manifest
    Column("subject", Text, nullable=False, server_default=""),
    Column("file_name", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("issued_by", Text, nullable=False, server_default=""),
    Index("issued_documents_by_time", "chain_id", "issued_at"),
)
