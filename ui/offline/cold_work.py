"""What the offline signer's cold vault screens ask of the core, as plain functions run on a task runner lane (never
on the GUI thread), and the review of a cold vault's request said in words for the Sign tab.

Lanes: reading the cold vaults runs on the parallel lane; the key ceremony (it writes share files and, at its end,
the vault's rows and audit entry), reviewing a request (a refused one is logged), checking an entered share (scrypt)
and signing (scrypt, the journal, the audit log) run on the serial lane. The core is imported when they run, so the
window shows first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ui.models.policy_checks import DECISION_WORD, DECISIVE_FIRST
from ui.models.policy_rows import LINE_LIMIT, reveal_lines
from ui.offline.review_rows import DECIDED_HERE, ReviewVerdictRow, checked_online
from ui.plain_text import reveal_invisible

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ui.offline import work
    from wallet_app.cold.ceremony import CeremonyResult, Deliverer
    from wallet_app.cold.opening import EnteredShare
    from wallet_app.cold.review import ColdReview
    from wallet_app.cold.store import ColdStore, ColdVault, Holder
    from wallet_app.offline.transport import ReadRequest
    from wallet_app.ur.ur import UR

HOW_TEXT = {"words": "shown once as words", "file": "encrypted share file"}


def store_of(context: work.SignerContext) -> ColdStore:
    from wallet_app.cold.signer_setup import cold_store

    return cold_store(context.profile, context.signer.audit)


def load_cold_vaults(context: work.SignerContext) -> list[ColdVault]:
    return store_of(context).load_all()


def create_vault(context: work.SignerContext, *, label: str, threshold: int, holders: Sequence[str],
                 deliver: Deliverer) -> CeremonyResult:
    """The key ceremony (serial lane). `deliver` may block this lane while a holder reads their words: nothing else
    should write meanwhile, and the ceremony's dialog is modal."""
    from wallet_app.cold.ceremony import create_cold_vault

    return create_cold_vault(store_of(context), label=label, threshold=threshold, holders=holders, deliver=deliver)


# -- signing ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShownCold:
    """A cold vault's request as the Sign tab shows it; `read` and `review` are kept for signing (checked again)."""

    read: ReadRequest
    review: ColdReview
    request_id: str
    vault: str
    shares_text: str  # the share set, K of N, its holders
    chain: str
    nonce: str
    transfer: str
    to: str
    value: str
    fee_cap: str
    data: str
    approvals: str
    policy: str
    decision: str
    decision_text: str
    online: str
    verdicts: tuple[ReviewVerdictRow, ...]
    refusals: tuple[str, ...]
    signing_hash: str  # 0x and 64 hex digits, as this machine computed it
    hash_lines: tuple[str, str]  # the hash whole and in groups, to compare with the online screen
    threshold: int
    share_count: int

    @property
    def can_sign(self) -> bool:
        return not self.refusals


def _shown(text: object, limit: int = 200) -> str:
    return reveal_invisible(str(text), max_length=limit)


def review_request(context: work.SignerContext, read: ReadRequest) -> ShownCold:
    """The review of a cold vault's request in words (serial lane). A refused review is recorded in the audit log
    here (`refuse_cold`), as the Safe flow does; RequestRefused when it cannot even be shown."""
    from wallet_app.cold.signer_setup import native_coin, review_on_signer
    from wallet_app.cold.signing import refuse_cold
    from wallet_app.offline.review import RequestRefused

    review = review_on_signer(read, signer=context.signer, store=store_of(context),
                              native=native_coin(context.profile))
    if not review.can_sign:
        try:
            refuse_cold(review, context.signer.audit)
        except RequestRefused:
            pass  # recorded; the reasons are shown from the review itself
    return prepare_cold(read, review)


def prepare_cold(read: ReadRequest, review: ColdReview) -> ShownCold:
    from wallet_app.domain.hex_text import chunk_hex, hex_text
    from wallet_app.domain.units import format_units

    symbol, decimals = review.native
    tx, vault, active = review.tx, review.vault, review.vault.active
    label = f"{_shown(vault.label, 80)}  " if vault.label else ""
    holders = ", ".join(f"{h.member_index + 1}. {_shown(h.name, 80)}" for h in active.holders)
    block = review.online_block
    rows = [ReviewVerdictRow(_shown(v.verdict, 20), _shown(v.id, 64), _shown(v.reason, LINE_LIMIT),
                             DECIDED_HERE if v.source == "offline" else checked_online(block))
            for v in review.verdicts]
    entry = review.policy_vault
    if entry is None:
        approvals = "Not counted: the policy here names no account vault at this address"
    else:
        counted = ", ".join(_shown(review.named(a), 140) for a in review.approvals) or "none"
        approvals = (f"{len(review.approvals)} verified on this signer, of the {entry.threshold} of "
                     f"{len(entry.approvers)} approvers the policy needs: {counted}")
    check = review.check
    if check is None:
        online = "No account vault's online check came with this request."
    else:
        word = DECISION_WORD.get(check.decision, _shown(check.decision, 20))
        online = f"{word} at block {block} (simulation: {_shown(check.simulation, 600) or 'no simulation'})"
    decision = str(review.decision.decision)
    return ShownCold(
        read=read, review=review, request_id=str(review.request.request_id),
        vault=f"{label}{vault.address}",
        shares_text=f"Share set {active.identifier}: {active.threshold} of {active.share_count} shares needed "
                    f"({holders}), as recorded on this signer",
        chain=str(tx.chain_id), nonce=str(tx.nonce),
        transfer=reveal_lines(review.intent_text) or "(nothing decoded)",
        to=_shown(review.named(tx.to), 160),
        value=f"{format_units(tx.value, decimals)} {symbol}  ({tx.value} wei)",
        fee_cap=f"{format_units(review.fee_cap, decimals)} {symbol} at most  (gas limit {tx.gas:,} at up to "
                f"{format_units(tx.max_fee_per_gas, 9)} gwei; priority fee "
                f"{format_units(tx.max_priority_fee_per_gas, 9)} gwei)",
        data=f"{len(tx.data)} bytes, {hex_text(tx.data[:4])}…" if tx.data else "none (a plain transfer)",
        approvals=approvals,
        policy=f"Version {review.policy_version} ({_shown(review.policy_digest, 80)}), as imported on this signer",
        decision=decision,
        decision_text=DECISION_WORD.get(decision, _shown(decision, 20)) + (
            " by the policy, but the request is refused (see why above)" if review.refusals and decision != "deny"
            else ""),
        online=online,
        verdicts=tuple(sorted(rows, key=lambda r: DECISIVE_FIRST.get(r.verdict, len(DECISIVE_FIRST)))),
        refusals=tuple(_shown(r, LINE_LIMIT) for r in review.refusals),
        signing_hash="0x" + review.signing_hash.hex(),
        hash_lines=(f"signing hash  {hex_text(review.signing_hash)}",
                    f"              {chunk_hex(review.signing_hash)}"),
        threshold=active.threshold, share_count=active.share_count,
    )


def identify(context: work.SignerContext, shown: ShownCold, share: EnteredShare) -> Holder:
    """Whose share of the vault's current set this is (serial lane: a share file is decrypted, scrypt)."""
    from wallet_app.cold.signer_setup import identify_share

    return identify_share(store_of(context).require(shown.review.vault.address), share)


def enter_share(context: work.SignerContext, shown: ShownCold, *, path: str = "", passphrase: str = "",
                words: str = "", number: int = 1) -> tuple[EnteredShare, Holder]:
    """The share an officer entered (a file they chose, with its passphrase, or the words they typed) and whose it is
    (serial lane: the file is read and decrypted). The share's refusal (ShareError, ShareFileError) otherwise."""
    from pathlib import Path

    from wallet_app.cold.opening import ShareWords, entered_share

    share = entered_share(Path(path), passphrase or None) if path else \
        ShareWords(" ".join(words.split()), f"typed share {number}")
    return share, identify(context, shown, share)


def approve_cold(context: work.SignerContext, shown: ShownCold, shares: Sequence[EnteredShare],
                 confirmed_hash: str) -> tuple[UR, str]:
    """Sign once K shares were entered (serial lane): the request is reviewed again first (the policy, the clock or
    the journal may have changed since it was shown), then `sign_cold` rebuilds the key, signs and wipes it. The
    answer as an eth-signature UR and its upper-case text. RequestRefused or a share's refusal: nothing signed."""
    from wallet_app.cold.signer_setup import native_coin, review_on_signer
    from wallet_app.cold.signing import sign_cold
    from wallet_app.offline.review import RequestRefused
    from wallet_app.ur.ur import UR, encode_ur

    store = store_of(context)
    review = review_on_signer(shown.read, signer=context.signer, store=store, native=native_coin(context.profile))
    if review.signing_hash != shown.review.signing_hash:
        raise RequestRefused("The transaction is not the one reviewed; nothing was signed")
    answer = sign_cold(review, shares, store=store, journal=context.signer.journal, audit=context.signer.audit,
                       confirmed_hash=confirmed_hash)
    ur = UR(answer.UR_TYPE, answer.to_cbor())
    return ur, encode_ur(ur).upper()
