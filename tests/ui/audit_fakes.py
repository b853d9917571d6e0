"""A real audit log (wallet_app.audit on a SQLite file) holding what a demo-like morning leaves: keys created, the
first policy proposed, approved (signed entries) and put in force, a decision, an unlock, a token added and approved,
a lock, a feed and a statement export. With `hostile=True` a label and a token symbol carry markup and a right-to-left
override, as untrusted text can."""

from __future__ import annotations

from pathlib import Path

from eth_hash.auto import keccak
from sqlalchemy import Connection, Engine

from wallet_app.audit import actions
from wallet_app.audit.entry import entry_signer
from wallet_app.audit.log import AuditLog
from wallet_app.domain.addresses import from_bytes
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.storage.database import open_database, sqlite_url

CHAIN_ID = 1770177
HOSTILE_LABEL = '<b>Alice</b> \u202eroc.lave<a href="#claim">x</a>'


def _key(name: str) -> tuple[str, KeystoreSigner]:
    secret = keccak(f"custos ui audit test: {name}".encode())
    from eth_keys.datatypes import PrivateKey

    address = PrivateKey(secret).public_key.to_checksum_address()
    return address, KeystoreSigner(address=address, private_key=secret)


ALICE, ALICE_SIGNER = _key("alice")
BEN, BEN_SIGNER = _key("ben")
CARMEN, _CARMEN_SIGNER = _key("carmen")
HKDH = from_bytes(keccak(b"hkdh")[:20])
FEED = from_bytes(keccak(b"feed")[:20])
CLIENT_VAULT = from_bytes(keccak(b"client vault")[:20])
POLICY = "0x" + keccak(b"policy v1").hex()
SAFE_TX = "0x" + keccak(b"a payout").hex()


def build_audit(path: Path, *, hostile: bool = False) -> tuple[AuditLog, Engine]:
    engine = open_database(sqlite_url(path))
    labels = {ALICE: HOSTILE_LABEL if hostile else "Alice Chan (officer)", BEN: "Ben Wong (officer)",
              CARMEN: "Carmen Lee (offline signer)"}
    roles = {ALICE: "owner of Harbour client vault, owner of Harbour treasury",
             BEN: "compliance-officer, owner of Harbour treasury", CARMEN: "owner of Harbour treasury"}

    def describe(_conn: Connection, actor: str) -> tuple[str, str]:
        return labels.get(actor, ""), roles.get(actor, "")

    log = AuditLog(engine=engine, host="harbour-desk-1", chain_id=CHAIN_ID, describe_actor=describe,
                   operator_label="ops")
    operator = actions.OPERATOR
    for address in (ALICE, BEN, CARMEN):
        log.record(actor=operator, action=actions.KEY_CREATE, subject=address,
                   detail={"kind": "keystore", "label": labels[address], "event": "created"})
    log.record(actor=ALICE, action=actions.POLICY_PROPOSE, subject=POLICY, sign=entry_signer(ALICE_SIGNER),
               detail={"version": 1, "supersedes": None, "counts_as_approval": True,
                       "action_signature": "0x" + keccak(b"alice vote").hex() * 2 + "1b"})
    log.record(actor=BEN, action=actions.POLICY_APPROVE, subject=POLICY, sign=entry_signer(BEN_SIGNER),
               detail={"signed_at": "2026-12-01T09:00:00+00:00",
                       "action_signature": "0x" + keccak(b"ben vote").hex() * 2 + "1c"})
    log.record(actor=actions.SYSTEM, action=actions.POLICY_ACTIVE, subject=POLICY,
               detail={"effective_at": "2026-12-01T09:00:00+00:00", "replaces": None})
    log.record(actor=operator, action=actions.POLICY_DECISION, subject=SAFE_TX,
               detail={"decision": "allow", "safe": CLIENT_VAULT, "nonce": "1", "policy_version": 1,
                       "rules": [{"id": "chain", "verdict": "pass"},
                                 {"id": "small-hkdh-to-investors", "verdict": "match"}]})
    log.record(actor=ALICE, action=actions.UNLOCK, subject=ALICE, detail={"kind": "keystore", "event": "unlocked"})
    symbol = "<b>HKDH</b>\u202e" if hostile else "HKD\u041d"
    log.record(actor=operator, action=actions.TOKEN_ADD, subject=HKDH,
               detail={"source": "discovered", "standard": "erc20", "symbol": symbol, "decimals": 6,
                       "spam_reason": "its symbol reads like HKDH, the reviewed token"})
    log.record(actor=ALICE, action=actions.TOKEN_APPROVE, subject=HKDH, sign=entry_signer(ALICE_SIGNER),
               detail={"action_signature": "0x" + keccak(b"alice review").hex() * 2 + "1b"})
    log.record(actor=ALICE, action=actions.LOCK, subject=ALICE, detail={"reason": "locked"})
    log.record(actor=operator, action=actions.FEED_CHANGE, subject=FEED,
               detail={"change": "feed added", "kind": "nav", "currency": "HKD", "max_age_seconds": 90000})
    log.record(actor=operator, action=actions.EXPORT, subject=CLIENT_VAULT,
               detail={"kind": "holding statement", "format": "pdf", "file": "statement-client.pdf", "block": 118})
    return log, engine
