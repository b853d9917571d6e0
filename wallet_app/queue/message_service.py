"""Safe messages in the approval queue: propose one (EIP-712 typed data a vault's owners are to vouch for), approve
it by signing its SafeMessage hash, and load the messages as they verify now.

Messages sit beside transactions and are kept as strictly: the SafeMessage hash is recomputed from the stored typed
data on every load and before every signature (a row that does not hash to its key is quarantined), the proposal
record's signature must recover to the proposer, the owner signatures are verified against the vault's owners read
now, and signing is journaled before the key is asked (kind `safe_message`; a message has no nonce). Each change and
its audit entry (`propose`, `approve`, with `message` in the detail) are one database transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from wallet_app.audit import actions
from wallet_app.audit.entry import entry_signer
from wallet_app.audit.log import AuditLog
from wallet_app.chain.client import ChainClient
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import WalletError
from wallet_app.keys.signer import Signer
from wallet_app.queue.errors import QueueError
from wallet_app.queue.message_records import (
    PROPOSED,
    READY,
    MessageEntry,
    MessageItem,
    MessageSignatureRow,
    message_proposal_digest,
    message_proposer,
    typed_data_words,
)
from wallet_app.queue.message_store import MessageStore
from wallet_app.queue.records import record_signer
from wallet_app.queue.service import SOURCE_CUSTOS, QueueService, VaultAccess, hash_arg
from wallet_app.queue.verify import tally_signed
from wallet_app.safe.journal import SigningJournal
from wallet_app.safe.messages import safe_message_hashes, supports_messages, typed_data_digest
from wallet_app.safe.signatures import SignatureTally
from wallet_app.safe.signing import HashMismatch, sign_safe_message
from wallet_app.storage.retry import run_in_transaction

KIND_MESSAGE_PROPOSAL = "message_proposal"
MAX_TYPED_DATA = 256 * 1024


class MessageQueue:
    def __init__(self, *, store: MessageStore, queue: QueueService, chain: ChainClient, vaults: VaultAccess,
                 journal: SigningJournal, audit: AuditLog, read_vault: Callable[[str], VaultInfo],
                 clock: Callable[[], datetime]) -> None:
        self._store = store
        self._queue = queue  # its keys: which key may sign, unlocking for one action
        self._chain = chain
        self._vaults = vaults
        self._journal = journal
        self._audit = audit
        self._read_vault = read_vault
        self._clock = clock

    @property
    def chain_id(self) -> int:
        return self._queue.chain_id

    def signing_key(self, key: str) -> str:
        return self._queue.signing_key(key)

    def unlocked(self, address: str, password: str) -> Any:
        """The key unlocked with `password` for one action (a context manager giving its signer)."""
        return self._queue.unlocked(address, password)

    # -- reading ------------------------------------------------------------------------------------------------
    def load(self, safe: str | None = None) -> list[MessageEntry]:
        items = self._store.load_messages(safe=None if safe is None else to_checksum(safe))
        rows = self._store.load_signatures([i.message_hash for i in items])
        vaults: dict[str, VaultInfo | WalletError] = {}
        for address in sorted({i.safe for i in items}):
            try:
                vaults[address] = self._read_vault(address)
            except WalletError as exc:
                vaults[address] = exc
        return [self._entry(i, rows.get(i.message_hash, []), vaults[i.safe]) for i in items]

    def has(self, message_hash: str) -> bool:
        return self._store.load_message(_hash_arg(message_hash)) is not None

    def entry(self, message_hash: str) -> MessageEntry:
        key = _hash_arg(message_hash)
        item = self._store.load_message(key)
        if item is None:
            raise QueueError(f"No queued message has the SafeMessage hash {key}")
        rows = self._store.load_signatures([key])[key]
        try:
            vault: VaultInfo | WalletError = self._read_vault(item.safe)
        except WalletError as exc:
            vault = exc
        return self._entry(item, rows, vault)

    def _entry(self, item: MessageItem, rows: list[MessageSignatureRow],
               vault: VaultInfo | WalletError) -> MessageEntry:
        if isinstance(vault, WalletError):
            note = f"The vault could not be read, so no signature is counted: {vault.user_message}"
            return MessageEntry(item, item.state, 0, (), "", None, len(rows), notes=(note,))
        quarantined, digest = "", ""
        words: tuple[str, ...] = ()
        try:
            typed = item.typed()
            digest = "0x" + typed_data_digest(typed).hex()
            words = typed_data_words(typed)
            recomputed = item.recomputed_hash(vault.version)
        except ValueError as exc:
            quarantined = f"its typed data cannot be read ({str(exc)[:200]}): the row was edited"
            recomputed = ""
        if not quarantined and recomputed != item.message_hash.lower():
            quarantined = (f"its typed data hashes to {recomputed}, not to the {item.message_hash} it is stored under: "
                           "the row was edited; it can be neither approved nor exported")
        proposer_ok = bool(recomputed) and (message_proposer(item, recomputed) or "").lower() == item.proposer.lower()
        if not quarantined and not proposer_ok:
            quarantined = (f"the proposal record is not signed by {item.proposer}, the proposer it names: a forged or "
                           "edited row; it can be neither approved nor exported")
        tally: SignatureTally | None = None
        flagged: tuple[str, ...] = ()
        state = item.state
        if not quarantined:
            hashes = safe_message_hashes(item.safe, self.chain_id, vault.version, item.digest())
            tally, flags = tally_signed(hashes, vault.version, rows, vault, self._chain, vault.block_number)
            flagged = tuple(flags)
            state = READY if tally.valid_count >= vault.threshold else PROPOSED
        return MessageEntry(item, state, vault.threshold, vault.owners, vault.version, tally, len(rows), digest,
                            flagged, quarantined, proposer_ok, words)

    def _tally(self, item: MessageItem, rows: list[MessageSignatureRow], vault: VaultInfo) -> SignatureTally:
        hashes = safe_message_hashes(item.safe, self.chain_id, vault.version, item.digest())
        return tally_signed(hashes, vault.version, rows, vault, self._chain, vault.block_number)[0]

    # -- proposing ----------------------------------------------------------------------------------------------
    def propose_with(self, safe: str, kind: str, typed: dict[str, Any], attachment: str,
                     signer: Signer) -> MessageEntry:
        """Queue `typed` for `safe`'s owners to sign, the proposal record signed by `signer`; an owner's key also
        approves it at once. The same message again is the same row."""
        address = to_checksum(safe)
        if address not in {v.address for v in self._vaults.fetch_vaults()}:
            raise QueueError(f"{address} is not one of this profile's vaults; add it first (custos safe add)")
        self._vaults.check_for_signing(address)
        vault = self._read_vault(address)
        if not supports_messages(vault.version):
            raise QueueError(f"{vault.label or address} is a Safe {vault.version}: only Safe 1.3.0 and later can vouch "
                             "for a message (EIP-1271)")
        text = json.dumps(typed, sort_keys=True, separators=(",", ":"))
        if len(text) > MAX_TYPED_DATA:
            raise QueueError("the typed data is too large to queue")
        try:
            digest = typed_data_digest(typed)
        except ValueError as exc:
            raise QueueError(f"the message cannot be queued: {exc}") from None
        key = "0x" + safe_message_hashes(address, self.chain_id, vault.version, digest).safe_tx_hash.hex()
        proposer = to_checksum(signer.address)
        record = message_proposal_digest(self.chain_id, address, key)
        ticket = self._journal.record_request(self.chain_id, proposer, KIND_MESSAGE_PROPOSAL, record, safe=address)
        signature = signer.sign_digest(record).to_bytes()
        self._journal.mark_released(ticket)
        now = self._clock()

        def work(conn: Connection) -> None:
            if not self._store.insert_message(conn, message_hash=key, safe=address, kind=kind, typed_data=text,
                                              attachment=attachment, proposer=proposer,
                                              proposer_signature="0x" + signature.hex(), at=now):
                return
            self._audit.append(conn, actor=proposer, action=actions.PROPOSE, subject=key, detail={
                "message": kind, "safe": address, "digest": "0x" + digest.hex()}, sign=entry_signer(signer))

        run_in_transaction(self._store.engine, work)
        if proposer in vault.owners:
            return self.approve_with(key, signer)
        return self.entry(key)

    # -- approving ----------------------------------------------------------------------------------------------
    def approve(self, message_hash: str, key: str, password: str) -> MessageEntry:
        address = self._queue.signing_key(key)
        entry = self.entry(message_hash)
        self._require_approvable(entry, address)
        with self._queue.unlocked(address, password) as signer:
            return self.approve_with(message_hash, signer)

    def approve_with(self, message_hash: str, signer: Signer) -> MessageEntry:
        displayed = _hash_arg(message_hash)
        entry = self.entry(displayed)
        owner = to_checksum(signer.address)
        self._require_approvable(entry, owner)
        if owner in entry.signers:
            return entry
        self._vaults.check_for_signing(entry.item.safe)
        vault = self._read_vault(entry.item.safe)
        try:
            signature = sign_safe_message(signer, self._journal, safe=entry.item.safe, chain_id=self.chain_id,
                                          version=vault.version, digest=entry.item.digest(),
                                          displayed_hash=bytes.fromhex(displayed[2:]))
        except HashMismatch as exc:
            raise QueueError(exc.user_message) from None
        self._store_signature(entry.item, owner, signature, vault, sign=entry_signer(signer))
        return self.entry(displayed)

    def import_signature(self, message_hash: str, signature: bytes, owner: str, *, source: str,
                         detail: dict[str, Any]) -> MessageEntry:
        """An owner's signature of the SafeMessage hash made elsewhere (an offline signer): stored only when the hash
        recomputed from the stored typed data is `message_hash` and the signature recovers to `owner`, an owner of
        the vault now; anything else is refused with the reason, nothing stored."""
        key = _hash_arg(message_hash)
        entry = self.entry(key)
        signer = to_checksum(owner)
        self._require_approvable(entry, signer)
        vault = self._read_vault(entry.item.safe)
        hashes = safe_message_hashes(entry.item.safe, self.chain_id, vault.version, entry.item.digest())
        if "0x" + hashes.safe_tx_hash.hex() != key:
            raise QueueError(f"The message's typed data hashes to 0x{hashes.safe_tx_hash.hex()}, not to {key}")
        if record_signer("0x" + signature.hex(), hashes.safe_tx_hash) != signer:
            raise QueueError(f"The signature is not {signer}'s signature of {key}")
        self._store_signature(entry.item, signer, signature, vault, sign=None, source=source,
                              detail={**detail, "source": source, "action_signature": "0x" + signature.hex()})
        return self.entry(key)

    def _store_signature(self, item: MessageItem, owner: str, signature: bytes, vault: VaultInfo, *,
                         sign: Callable[[str], bytes] | None, source: str = SOURCE_CUSTOS,
                         detail: dict[str, Any] | None = None) -> None:
        now = self._clock()
        key = item.message_hash

        def work(conn: Connection) -> None:
            self._store.lock_message(conn, key)
            rows = self._store.load_signatures([key], conn)[key]
            stored = next((r for r in rows if r.owner == owner), None)
            if stored is not None:
                if owner in self._tally(item, rows, vault).signers:
                    return
                self._store.replace_signature(conn, key, owner, signature, source=source, at=now,
                                              added_by=self._queue.host)
            elif not self._store.add_signature(conn, key, owner, signature, source=source, at=now,
                                               added_by=self._queue.host):
                return
            rows = self._store.load_signatures([key], conn)[key]
            valid = self._tally(item, rows, vault).valid_count
            current = self._store.load_message(key, conn)
            if current is not None and valid >= vault.threshold and current.state == PROPOSED:
                self._store.set_state(conn, key, PROPOSED, READY, at=now, ready_at=now)
            self._audit.append(conn, actor=owner, action=actions.APPROVE, subject=key, detail={
                "message": item.kind, "safe": item.safe, "valid_signatures": valid, "threshold": vault.threshold,
                **(detail or {})}, sign=sign)

        run_in_transaction(self._store.engine, work)

    def _require_approvable(self, entry: MessageEntry, owner: str) -> None:
        if entry.quarantined:
            raise QueueError(f"{entry.message_hash} is quarantined: {entry.quarantined}")
        if entry.threshold == 0:
            raise QueueError(f"{entry.item.safe} could not be read; try again when the node answers")
        if owner not in entry.owners:
            raise QueueError(f"{owner} is not an owner of {entry.item.safe} now, so it cannot approve")

    def counted_signatures(self, entry: MessageEntry) -> Sequence[tuple[str, str]]:
        """(owner, signature hex) of every signature that counts now, owners in ascending address order."""
        if entry.tally is None:
            return ()
        counted = [c for c in entry.tally.checks if c.valid and c.signer is not None and c.signature is not None]
        return [(str(c.signer), "0x" + c.signature.static_bytes().hex())  # type: ignore[union-attr]
                for c in sorted(counted, key=lambda c: int(str(c.signer), 16))]


def _hash_arg(text: str) -> str:
    return hash_arg(text, "SafeMessage hash")
