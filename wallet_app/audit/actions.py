"""The names of the actions the audit log records (the `action` column). Stable: exports and filters use them.

`SIGNING_ACTIONS` are those a person performs by signing with a key: when the actor is an address, their entries
carry the actor's signature over the entry (see `wallet_app.audit.entry`), or, when the key is not in this profile
(an approval signed offline), the signature of the action itself in `detail["action_signature"]`. `custos audit
verify` reports a signing action with neither as forged.
"""
# ruff: noqa: S105 - action names, not passwords

from __future__ import annotations

# Keys (wallet_app.keys)
UNLOCK = "unlock"
UNLOCK_FAILED = "unlock_failed"  # a wrong password or PIN
LOCK = "lock"
KEY_CREATE = "key_create"
KEY_IMPORT = "key_import"
KEY_WATCH = "key_watch"
KEY_EXPORT = "key_export"
KEY_DELETE = "key_delete"
KEY_PASSWORD = "key_password"
KEY_REMEMBER = "key_remember"
KEY_FORGET = "key_forget"

# The token registry and price feeds (wallet_app.holdings)
TOKEN_ADD = "token_add"
TOKEN_APPROVE = "token_approve"
TOKEN_REMOVE = "token_remove"
TOKEN_FLAG = "token_flag"
FEED_CHANGE = "feed_change"

# The policy and its governance (wallet_app.policy)
POLICY_PROPOSE = "policy_propose"
POLICY_APPROVE = "policy_approve"
POLICY_REJECT = "policy_reject"
POLICY_QUORUM = "policy_quorum"
POLICY_ACTIVE = "policy_active"
POLICY_DECISION = "policy_decision"

# Vaults (wallet_app.vaults)
VAULT_ADD = "vault_add"
VAULT_DEPLOY = "vault_deploy"

# The approval queue (wallet_app.queue: proposing, approving, rejecting and executing Safe transactions)
PROPOSE = "propose"
APPROVE = "approve"
REJECT = "reject"
EXECUTE = "execute"
INCIDENT = "incident"
ROLE_CHANGE = "role_change"

# Files written for people outside Custos: holding statements, audit exports
EXPORT = "export"

# Ownership proofs checked in this desktop (wallet_app.proofs): the verdict and what it rested on
PROOF_VERIFY = "proof_verify"

# Offline signing (wallet_app.offline): a vault anchored on an offline signer, a sign request sent to one, a
# request refused or signed there
OFFLINE_ANCHOR = "offline_anchor"
OFFLINE_REQUEST = "offline_request"
OFFLINE_REFUSED = "offline_refused"
OFFLINE_SIGN = "offline_sign"

# Cold vaults (wallet_app.cold) on an offline signer: a key ceremony that made a vault, a new share set made from the
# old one's shares (pending), a new share set confirmed (active; the old one retired)
COLD_CREATE = "cold_create"
COLD_RESHARE = "cold_reshare"
COLD_CONFIRM = "cold_confirm"
# ... and online, the transaction a cold ceremony signed, taken back and checked to be the vault's
COLD_SIGNED = "cold_signed"

# The storage-tier report (wallet_app.holdings.storage_report): client assets per tier against the cold threshold
STORAGE_REPORT = "storage_report"

# An evidence pack for inspectors (wallet_app.evidence): the exporting officer, the manifest's SHA-256, the period
EVIDENCE_EXPORT = "evidence_export"

# The compliance desk (wallet_app.compliance): counterparty records and their addresses, proofs of address ownership
# (a challenge issued, a proof accepted or refused), the Travel Rule record bound to a transfer
COUNTERPARTY_ADD = "counterparty_add"
COUNTERPARTY_ADDRESS = "counterparty_address"
OWNERSHIP_CHALLENGE = "ownership_challenge"
OWNERSHIP_PROVEN = "ownership_proven"
OWNERSHIP_REFUSED = "ownership_refused"
TRAVEL_RULE = "travel_rule"

ALL_ACTIONS: tuple[str, ...] = (
    UNLOCK, UNLOCK_FAILED, LOCK, KEY_CREATE, KEY_IMPORT, KEY_WATCH, KEY_EXPORT, KEY_DELETE, KEY_PASSWORD,
    KEY_REMEMBER, KEY_FORGET,
    TOKEN_ADD, TOKEN_APPROVE, TOKEN_REMOVE, TOKEN_FLAG, FEED_CHANGE,
    POLICY_PROPOSE, POLICY_APPROVE, POLICY_REJECT, POLICY_QUORUM, POLICY_ACTIVE, POLICY_DECISION,
    VAULT_ADD, VAULT_DEPLOY, PROPOSE, APPROVE, REJECT, EXECUTE, INCIDENT, ROLE_CHANGE, EXPORT, PROOF_VERIFY,
    OFFLINE_ANCHOR, OFFLINE_REQUEST, OFFLINE_REFUSED, OFFLINE_SIGN, COLD_CREATE, COLD_RESHARE, COLD_CONFIRM,
    COLD_SIGNED, STORAGE_REPORT, COUNTERPARTY_ADD, COUNTERPARTY_ADDRESS, OWNERSHIP_CHALLENGE, OWNERSHIP_PROVEN,
    OWNERSHIP_REFUSED, TRAVEL_RULE, EVIDENCE_EXPORT,
)

SIGNING_ACTIONS: frozenset[str] = frozenset({
    TOKEN_APPROVE, POLICY_PROPOSE, POLICY_APPROVE, POLICY_REJECT, PROPOSE, APPROVE, REJECT, EXECUTE, OFFLINE_SIGN,
    EVIDENCE_EXPORT,
})

# Who acted when no key of the profile identifies the person: "operator" is the person at this desktop (its OS user
# name is the entry's actor_label), "system" is Custos itself (an idle lock, a change coming into force after its
# cooling-off).
OPERATOR = "operator"
SYSTEM = "system"
