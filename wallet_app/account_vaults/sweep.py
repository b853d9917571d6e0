"""Sweeping an account vault: everything it holds proposed, asset by asset, as transfers to another vault, for when
an officer leaves or a share is lost (a reshare keeps the same key; only moving the assets to a new key revokes the
old shares for good).

Each transfer goes through the account vaults' queue like any other: decided by the policy (which must allow
moving each asset to the new vault: a governed change, with its cooling-off), approved by the approvers and signed
in the cold ceremony with the OLD vault's shares. Tokens of the profile's registry come first, at consecutive
nonces, and the native coin last: what is left once every one of these transfers' maximum fees is set aside. Tokens
outside the registry (unreviewed airdrops) are not moved; they are listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wallet_app.account_vaults.service import AccountVaultQueue
from wallet_app.domain.addresses import to_checksum
from wallet_app.domain.units import format_units
from wallet_app.holdings.model import NATIVE, HoldingsSnapshot, Standard
from wallet_app.holdings.registry import TokenEntry
from wallet_app.keys.signer import Signer
from wallet_app.queue.builders import build_transfer
from wallet_app.queue.errors import QueueError
from wallet_app.queue.fees import plan_fees


@dataclass(frozen=True, slots=True)
class SweepLine:
    asset: str  # token address or "native"
    symbol: str
    token_id: int | None
    amount: int  # in the asset's units
    decimals: int
    tx_hash: str | None  # queued: its signing hash
    nonce: int | None
    decision: str  # allow, escalate, deny; "skipped" when not proposed
    reason: str  # why it was denied or skipped ("" when queued)

    @property
    def queued(self) -> bool:
        return self.tx_hash is not None


def sweep(queue: AccountVaultQueue, snapshot: HoldingsSnapshot, tokens: Mapping[str, TokenEntry], *, old: str,
          new: str, signer: Signer, native_decimals: int) -> list[SweepLine]:
    """Propose the transfer of every holding of `old` in `snapshot` to `new`, proposed by `signer`."""
    old, new = to_checksum(old), to_checksum(new)
    if old == new:
        raise QueueError("A sweep moves a vault's assets to another vault; give a different --to")
    held = [h for h in snapshot.holdings if h.account == old and h.balance > 0]
    lines: list[SweepLine] = []
    fee_caps = 0
    for holding in (h for h in held if h.asset != NATIVE):
        if holding.asset not in tokens:
            lines.append(SweepLine(holding.asset, holding.symbol, holding.token_id, holding.balance, holding.decimals,
                                   None, None, "skipped", "not in the profile's token registry (unreviewed)"))
            continue
        amount = "1" if holding.standard == Standard.ERC721 else format_units(holding.balance, holding.decimals,
                                                                               group=False)
        built = build_transfer(safe=old, asset=holding.asset, amount=amount, to=new, token_id=holding.token_id,
                               tokens=tokens, native_decimals=native_decimals)
        line, cap = _propose(queue, old, built.to, built.value, built.data, signer, holding.asset, holding.symbol,
                             holding.token_id, holding.balance, holding.decimals)
        lines.append(line)
        fee_caps += cap
    native = next((h for h in held if h.asset == NATIVE), None)
    if native is not None:
        fees = plan_fees(queue.fee_quote(), None)
        own_cap = 0 if fees is None else queue.gas_for(old, new, 1, b"") * fees.max_fee_per_gas
        value = native.balance - fee_caps - own_cap
        if fees is None or value <= 0:
            lines.append(SweepLine(NATIVE, native.symbol, None, native.balance, native.decimals, None, None, "skipped",
                                   "the native coin left is not more than the fees the sweep's transfers may cost"))
        else:
            line, _cap = _propose(queue, old, new, value, b"", signer, NATIVE, native.symbol, None, value,
                                  native_decimals)
            lines.append(line)
    return lines


def _propose(queue: AccountVaultQueue, old: str, to: str, value: int, data: bytes, signer: Signer, asset: str,
             symbol: str, token_id: int | None, amount: int, decimals: int) -> tuple[SweepLine, int]:
    proposal = queue.propose_with(old, to, value, data, signer)
    decision = proposal.result.decision
    if proposal.entry is None or proposal.entry.item.tx is None:
        return SweepLine(asset, symbol, token_id, amount, decimals, None, None, decision.decision,
                         "; ".join(decision.reasons)[:400] or "the policy denies it"), 0
    tx = proposal.entry.item.tx
    return SweepLine(asset, symbol, token_id, amount, decimals, proposal.entry.tx_hash, tx.nonce, decision.decision,
                     ""), tx.gas * tx.max_fee_per_gas
