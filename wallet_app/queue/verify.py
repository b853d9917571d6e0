"""Loading the queue without trusting it (J2, J3, J6, A10, A14): every row is checked again on every load.

- the fields must hash to the row's safeTxHash, or the item is quarantined (J3);
- the proposal record's signature must recover to the proposer the row names, or the item is quarantined (J6);
- each signature row is verified against the vault's owners read now; a row whose signature recovers to someone else
  than the owner it names is tampered and never counts (J2); only valid signatures of current owners count, so a
  forged database shows "2 valid of 5 rows" (J6) and a removed owner's approval stops counting (A14);
- two live items at one nonce are conflicts, shown and never chosen between (A10); nonces nothing fills are gaps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Protocol

from wallet_app.chain.client import ChainClient
from wallet_app.domain.safe_tx import SafeTxHashes, compute_hashes
from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import WalletError
from wallet_app.queue.records import QueueItem, SignatureRow, proposal_signer
from wallet_app.queue.states import CLOSED, OPEN, open_state_for
from wallet_app.queue.views import QueueEntry
from wallet_app.safe.signatures import CoSignature, Flag, SignatureCheck, SignatureTally, count_valid

ReadVault = Callable[[str], VaultInfo]
Describe = Callable[[QueueItem], str]

TAMPERED = "tampered"


def build_entries(items: Sequence[QueueItem], signatures: dict[str, list[SignatureRow]], *,
                  chain: ChainClient | None, read_vault: ReadVault, describe: Describe | None = None,
                  block: int | None = None, context: Sequence[QueueItem] = ()) -> list[QueueEntry]:
    """An entry per item; `context` (the vaults' other items) only informs conflicts and gaps."""
    vaults: dict[str, VaultInfo | WalletError] = {}
    for safe in sorted({i.safe for i in items}):
        try:
            vaults[safe] = read_vault(safe)
        except WalletError as exc:
            vaults[safe] = exc
    live = [i for i in (*items, *context) if i.state not in CLOSED]
    by_nonce: dict[tuple[str, int], list[str]] = defaultdict(list)
    for item in live:
        by_nonce[(item.safe, item.nonce)].append(item.safe_tx_hash)
    entries = []
    for item in items:
        vault = vaults[item.safe]
        rows = signatures.get(item.safe_tx_hash.lower(), [])
        entries.append(_entry(item, rows, vault, chain, block, describe, by_nonce))
    return entries


def _entry(item: QueueItem, rows: list[SignatureRow], vault: VaultInfo | WalletError, chain: ChainClient | None,
           block: int | None, describe: Describe | None,
           by_nonce: dict[tuple[str, int], list[str]]) -> QueueEntry:
    quarantined = ""
    if not item.fields_match:
        quarantined = (f"its fields hash to {item.recomputed_hash}, not to the {item.safe_tx_hash} it is stored "
                       "under: the row was edited; it is quarantined and can be neither approved nor executed")
    signer = proposal_signer(item) if not quarantined else None
    proposer_ok = signer is not None and signer.lower() == item.proposer.lower()
    if not quarantined and not proposer_ok:
        quarantined = (f"the proposal record is not signed by {item.proposer}, the proposer it names: a forged or "
                       "edited row; it is quarantined and can be neither approved nor executed")
    conflicts = tuple(h for h in by_nonce.get((item.safe, item.nonce), []) if h != item.safe_tx_hash)
    intent_text = ""
    if describe is not None and not quarantined:
        try:
            intent_text = describe(item)
        except Exception as exc:  # the words are a courtesy; a failure must not hide the item
            intent_text = f"(could not be put in words: {exc.__class__.__name__})"
    if isinstance(vault, WalletError):
        return QueueEntry(item, item.state, 0, (), None, None, len(rows), quarantined=quarantined,
                          proposer_verified=proposer_ok, conflicts=conflicts, intent_text=intent_text,
                          notes=(f"The vault could not be read, so no signature is counted: {vault.user_message}",))
    tally: SignatureTally | None = None
    flagged: list[str] = []
    notes: list[str] = []
    if not quarantined:
        tally, flagged = tally_rows(item, rows, vault, chain, block)
    state = item.state
    if state in OPEN:
        state = open_state_for(0 if tally is None else tally.valid_count, vault.threshold)
        if quarantined:
            state = item.state
    gap = ""
    if item.state not in CLOSED and item.nonce > vault.nonce:
        missing = [n for n in range(vault.nonce, item.nonce) if not by_nonce.get((item.safe, n))]
        if missing:
            shown = ", ".join(str(n) for n in missing[:5]) + (" ..." if len(missing) > 5 else "")
            gap = (f"nothing in the queue uses nonce {shown}: this transaction cannot execute before "
                   "those nonces are used")
    if item.state in OPEN and item.nonce < vault.nonce:
        notes.append(f"The vault's nonce is already {vault.nonce}: this transaction can never execute")
    return QueueEntry(item, state, vault.threshold, vault.owners, vault.nonce, tally, len(rows), tuple(flagged),
                      quarantined, proposer_ok, conflicts, gap, intent_text, tuple(notes))


class StoredSignature(Protocol):
    """A stored signature row (of a transaction or of a Safe message): the owner it names and its hex."""

    @property
    def owner(self) -> str: ...
    @property
    def signature(self) -> str: ...


def tally_rows(item: QueueItem, rows: Sequence[StoredSignature], vault: VaultInfo, chain: ChainClient | None,
               block: int | None) -> tuple[SignatureTally, list[str]]:
    """The signatures stored for `item` counted against `vault`'s owners, with why each row that does not count
    does not (tampered rows included)."""
    return tally_signed(compute_hashes(item.safe_tx), item.safe_tx.version, rows, vault, chain, block)


def tally_signed(hashes: SafeTxHashes, version: str, rows: Sequence[StoredSignature], vault: VaultInfo,
                 chain: ChainClient | None, block: int | None) -> tuple[SignatureTally, list[str]]:
    """`tally_rows` for any hash `vault`'s owners sign (a SafeTx's, a Safe message's), as a Safe of `version`."""
    flagged: list[str] = []
    submitted = [CoSignature(r.signature, claimed_signer=r.owner) for r in rows]
    # A genuine signature of an address that is not an owner now never counts; the row alone cannot prove it was an
    # owner when it signed (rows are untrusted), so it reads "not an owner (removed? stale approver)" (A14).
    tally = count_valid(hashes, submitted, vault.owners, vault.threshold, chain, vault.address,
                        block if block is not None else vault.block_number, version=version)
    checks: list[SignatureCheck] = []
    counted: set[str] = set()
    for row, check in zip(rows, tally.checks, strict=True):
        # A valid owner's signature (or a duplicate of one) under a row naming someone else is tampered. It must not
        # take the place of that owner's own row either: `count_valid` flags the later of two signatures of one
        # owner as a duplicate, so a row renamed by an attacker would otherwise void the owner's genuine one (J2).
        if check.valid or check.flag is Flag.DUPLICATE:
            signer = check.signer
            if signer is None or signer.lower() != row.owner.lower():
                check = SignatureCheck(check.signature, signer, check.kind, False,
                                       f"{TAMPERED}: the row names {row.owner} but the signature is {signer}'s; "
                                       "it does not count", Flag.TAMPERED)
            elif signer in counted:
                if check.valid:
                    check = SignatureCheck(check.signature, signer, check.kind, False,
                                           f"duplicate: {signer} already signed; each owner counts once",
                                           Flag.DUPLICATE, "GS026")
            elif not check.valid:
                check = SignatureCheck(check.signature, signer, check.kind, True)
        if check.valid and check.signer is not None:
            counted.add(check.signer)
        if not check.valid:
            flagged.append(f"{row.owner}: {check.reason}")
        checks.append(check)
    return SignatureTally(tally.safe_tx_hash, tally.threshold, tally.block, tuple(checks), tally.notes), flagged
