"""The `transfers/` folder of an evidence pack: one file per transfer proposed in the period, and `index.json`.

A Safe transfer (`transfers/safe-<safeTxHash>.json`, from the approval queue) carries its raw SafeTx fields and
whether they hash to its key, the proposal record and who signed it, its state, its intent decoded from the fields,
every policy decision recorded for it, every approval signature as stored (with the address it recovers to or names:
whether that address was an owner is a fact of the chain at the time), its Travel Rule record, what the queue stored
of its execution (executing transaction, block, outcome, the signed executor transactions) and its receipt read from
the node when it answers. An account-vault transfer (`transfers/account-<hash>.json`) carries its unsigned EIP-1559
transaction and its EIP-712 approvals (each with the approver it recovers to) in the same shape.

Queue rows that cannot even be read as a transaction are listed in the index with the reason, whatever their date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_hash.auto import keccak
from sqlalchemy import Engine, Table, func, select

from wallet_app.account_vaults.store import AccountItem, AccountQueueStore, ApprovalRow
from wallet_app.evidence import texts
from wallet_app.evidence.intents import IntentReader
from wallet_app.evidence.manifest import PackFile
from wallet_app.evidence.period import Period
from wallet_app.evidence.receipts import ReceiptReader
from wallet_app.evidence.rows import json_bytes, row_json, utc_text
from wallet_app.keys.signature import recover_address
from wallet_app.queue.records import (
    BroadcastRow,
    QueueItem,
    SignatureRow,
    proposal_digest,
    proposal_signer,
    record_signer,
    safe_tx_to_row,
)
from wallet_app.queue.store import QueueStore
from wallet_app.safe.signatures import ETH_SIGN_PREFIX, SignatureFormatError, SignatureKind, parse_single
from wallet_app.storage.schema import policy_decisions, travel_rule_records

INDEX = "transfers/index.json"


@dataclass(frozen=True)
class TransferInputs:
    engine: Engine
    chain_id: int
    labels: Mapping[str, str]  # address -> name (vaults and the address book)
    intents: IntentReader
    receipts: ReceiptReader


def _by_hash(engine: Engine, table: Table, chain_id: int, hashes: Sequence[str], *, order: Any,
             json_columns: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {h.lower(): [] for h in hashes}
    if not found:
        return found
    column = table.c.safe_tx_hash
    query = select(table).where(table.c.chain_id == chain_id, func.lower(column).in_(list(found))).order_by(order)
    with engine.connect() as conn:
        for row in conn.execute(query):
            found.setdefault(str(row.safe_tx_hash).lower(), []).append(
                row_json(row, json_columns=json_columns, skip=("chain_id",)))
    return found


def signature_json(row: SignatureRow, safe_tx_hash: str) -> dict[str, Any]:
    """A stored approval signature, with the kind Safe reads it as and the address it recovers to (or names)."""
    out: dict[str, Any] = {"owner": row.owner, "signature": row.signature, "source": row.source,
                           "added_at": utc_text(row.added_at), "added_by": row.added_by}
    try:
        parsed = parse_single(row.signature)
    except (SignatureFormatError, ValueError):
        return {**out, "kind": SignatureKind.GARBLED.value, "recovers_to": None}
    digest = bytes.fromhex(safe_tx_hash.removeprefix("0x"))
    who: str | None = None
    try:
        if parsed.kind is SignatureKind.ECDSA:
            who = recover_address(digest, parsed.r, parsed.s, parsed.v - 27)
        elif parsed.kind is SignatureKind.ETH_SIGN:
            who = recover_address(keccak(ETH_SIGN_PREFIX + digest), parsed.r, parsed.s, parsed.v - 31)
        else:
            who = parsed.owner_word
    except Exception:
        who = None
    return {**out, "kind": parsed.kind.value, "recovers_to": who}


def _broadcast_json(row: BroadcastRow) -> dict[str, Any]:
    return {"tx_hash": row.tx_hash, "executor": row.executor, "eoa_nonce": row.eoa_nonce,
            "raw_tx": "0x" + row.raw_tx.hex(), "replaces": row.replaces, "created_at": utc_text(row.created_at),
            "sent_at": utc_text(row.sent_at)}


def _last_policy(decisions: list[dict[str, Any]]) -> str | None:
    digests = [d.get("policy_digest") for d in decisions if isinstance(d.get("policy_digest"), str)]
    return str(digests[-1]) if digests else None


def safe_transfer(item: QueueItem, inputs: TransferInputs, *, signatures: list[SignatureRow],
                  broadcasts: list[BroadcastRow], decisions: list[dict[str, Any]],
                  travel_rule: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "safe", "chain_id": item.chain_id, "safe_tx_hash": item.safe_tx_hash, "vault": item.safe,
        "vault_label": inputs.labels.get(item.safe, ""), "nonce": str(item.nonce),
        "safe_tx": safe_tx_to_row(item.safe_tx), "fields_match": item.fields_match,
        "proposed": {"by": item.proposer, "at": utc_text(item.proposed_at),
                     "record_signature": item.proposer_signature, "record_signer": proposal_signer(item)},
        "state": item.state, "state_reason": item.state_reason, "updated_at": utc_text(item.updated_at),
        "ready_at": utc_text(item.ready_at),
        "intent": inputs.intents.read(item.safe_tx, _last_policy(decisions)),
        "decisions": decisions,
        "signatures": [signature_json(s, item.safe_tx_hash) for s in signatures],
        "travel_rule": travel_rule[-1] if travel_rule else None,
        "execution": {"executor": item.executor, "exec_tx_hash": item.exec_tx_hash, "mined_block": item.mined_block,
                      "mined_block_hash": item.mined_block_hash, "outcome": item.outcome,
                      "final_at": utc_text(item.final_at), "broadcasts": [_broadcast_json(b) for b in broadcasts]},
        "receipt": inputs.receipts.read(item.exec_tx_hash),
    }


def _approval_json(item: AccountItem, row: ApprovalRow) -> dict[str, Any]:
    from wallet_app.cold.approval import AccountApproval, recover_approver

    who: str | None
    try:
        approval = AccountApproval(item.chain_id, item.vault, bytes.fromhex(item.tx_hash.removeprefix("0x")),
                                   item.nonce, bytes.fromhex(row.policy_digest.removeprefix("0x")))
        who = recover_approver(approval, row.signature)
    except Exception:
        who = None
    return {"approver": row.approver, "signature": "0x" + row.signature.hex(), "policy_digest": row.policy_digest,
            "added_at": utc_text(row.added_at), "added_by": row.added_by, "recovers_to": who}


def account_transfer(item: AccountItem, inputs: TransferInputs, *, approvals: list[ApprovalRow],
                     decisions: list[dict[str, Any]], travel_rule: list[dict[str, Any]]) -> dict[str, Any]:
    from wallet_app.policy.account_checks import account_view

    intent = (inputs.intents.read(account_view(item.vault, item.tx), _last_policy(decisions)) if item.tx is not None
              else {"decoded": False, "reason": "its stored transaction does not parse"})
    record = record_signer(item.proposer_signature, proposal_digest(item.chain_id, item.vault, item.nonce,
                                                                    item.tx_hash))
    tx = item.tx
    return {
        "kind": "account", "chain_id": item.chain_id, "tx_hash": item.tx_hash, "vault": item.vault,
        "vault_label": inputs.labels.get(item.vault, ""), "nonce": str(item.nonce),
        "transaction": None if tx is None else {
            "to": tx.to, "value": str(tx.value), "data": "0x" + tx.data.hex(), "gas": str(tx.gas),
            "max_fee_per_gas": str(tx.max_fee_per_gas), "max_priority_fee_per_gas": str(tx.max_priority_fee_per_gas),
            "unsigned": "0x" + tx.unsigned_bytes().hex()},
        "quarantined": item.quarantined,
        "proposed": {"by": item.proposer, "at": utc_text(item.proposed_at),
                     "record_signature": item.proposer_signature, "record_signer": record},
        "state": item.state, "state_reason": item.state_reason, "updated_at": utc_text(item.updated_at),
        "intent": intent,
        "decisions": decisions,
        "approvals": [_approval_json(item, a) for a in approvals],
        "travel_rule": travel_rule[-1] if travel_rule else None,
        "execution": {"signed_tx": None if item.signed_tx is None else "0x" + item.signed_tx.hex(),
                      "sent_tx_hash": item.sent_tx_hash, "mined_block": item.mined_block,
                      "mined_block_hash": item.mined_block_hash, "outcome": item.outcome,
                      "final_at": utc_text(item.final_at)},
        "receipt": inputs.receipts.read(item.sent_tx_hash),
    }


def build_transfer_section(inputs: TransferInputs, period: Period) -> tuple[PackFile, ...]:
    engine, chain_id = inputs.engine, inputs.chain_id
    queue = QueueStore(engine, chain_id)
    items, broken = queue.load_items()
    safes = [i for i in items if period.contains(i.proposed_at)]
    accounts_store = AccountQueueStore(engine, chain_id)
    accounts = [i for i in accounts_store.load_items() if period.contains(i.proposed_at)]
    hashes = [i.safe_tx_hash for i in safes] + [i.tx_hash for i in accounts]
    decisions = _by_hash(engine, policy_decisions, chain_id, hashes, order=policy_decisions.c.id,
                         json_columns=("rules_json",))
    travel = _by_hash(engine, travel_rule_records, chain_id, hashes, order=travel_rule_records.c.recorded_at,
                      json_columns=("record",))
    signatures = queue.load_signatures([i.safe_tx_hash for i in safes])
    approvals = accounts_store.load_approvals([i.tx_hash for i in accounts])
    files: list[PackFile] = []
    index: list[dict[str, Any]] = []
    for item in safes:
        key = item.safe_tx_hash.lower()
        path = f"transfers/safe-{key}.json"
        body = safe_transfer(item, inputs, signatures=signatures.get(key, []),
                             broadcasts=queue.load_broadcasts(key), decisions=decisions.get(key, []),
                             travel_rule=travel.get(key, []))
        files.append(PackFile(path, json_bytes(body), texts.SAFE_TRANSFER))
        index.append(_index_entry("safe", key, item.safe, item.nonce, item.state, item.proposed_at, path, body))
    for account in accounts:
        key = account.tx_hash.lower()
        path = f"transfers/account-{key}.json"
        body = account_transfer(account, inputs, approvals=approvals.get(account.tx_hash, []),
                                decisions=decisions.get(key, []), travel_rule=travel.get(key, []))
        files.append(PackFile(path, json_bytes(body), texts.ACCOUNT_TRANSFER))
        index.append(_index_entry("account", key, account.vault, account.nonce, account.state, account.proposed_at,
                                  path, body))
    document = {"chain_id": chain_id, "period": period.to_json(), "transfers": index,
                "unreadable_rows": [{"safe_tx_hash": b.safe_tx_hash, "reason": b.reason} for b in broken]}
    return (PackFile(INDEX, json_bytes(document), texts.TRANSFER_INDEX), *files)


def _index_entry(kind: str, key: str, vault: str, nonce: int, state: str, proposed_at: Any, path: str,
                 body: dict[str, Any]) -> dict[str, Any]:
    intent = body.get("intent") or {}
    return {"kind": kind, "hash": key, "vault": vault, "nonce": str(nonce), "state": state,
            "proposed_at": utc_text(proposed_at), "intent": intent.get("text"), "file": path,
            "travel_rule": body.get("travel_rule") is not None, "receipt_fetched": body["receipt"].get("fetched")}
