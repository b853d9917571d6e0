"""Find the storage slot that holds a token balance, an ERC-3643 frozen amount or an ERC-721 owner, and confirm it.

A slot is taken only when the value stored there equals what the token itself answers (balanceOf, ownerOf,
getFrozenTokens) at the same block: first in the layouts Custos knows, then by probing the first mappings of the
contract. Probing needs a non-zero value (every unused slot holds zero) and a single match (a fully frozen holder
has the same number in two mappings); anything else is `NotProvable`, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from wallet_app.chain.client import ChainClient
from wallet_app.domain.abi import build_call
from wallet_app.errors import CallReverted
from wallet_app.proofs.errors import NotProvable
from wallet_app.proofs.slots import (
    FROZEN_BY_BALANCE_LAYOUT,
    FUNGIBLE_BALANCES,
    MULTI_BALANCES,
    NFT_OWNERS,
    PROBE_BASES,
    Layout,
    SlotDerivation,
)


@dataclass(frozen=True, slots=True)
class Located:
    derivation: SlotDerivation
    value: int  # what the token answered, and what the slot holds


class SlotFinder:
    """Reads at one pinned block: the token's own answers and raw storage."""

    def __init__(self, chain: ChainClient, block: int) -> None:
        self._chain = chain
        self._block = block

    def ask(self, asset: str, signature: str, *args: object) -> int:
        try:
            reply = self._chain.call(asset, build_call(signature, *args), block=self._block)
        except CallReverted as exc:
            raise NotProvable(f"{asset} reverted {signature.split('(')[0]} at block {self._block}: {exc}") from None
        if not reply and not self._chain.fetch_code(asset, self._block):
            raise NotProvable(f"there is no contract at {asset} at block {self._block}")
        if len(reply) != 32:
            raise NotProvable(f"{asset} answered {signature.split('(')[0]} with {len(reply)} bytes, not one word")
        return int.from_bytes(reply, "big")

    def stored(self, asset: str, slot: int) -> int:
        return int.from_bytes(self._chain.fetch_storage_at(asset, slot, self._block), "big")

    def fungible_balance(self, asset: str, account: str) -> tuple[Located, Layout | None]:
        """The balance slot of `account`, and the known layout it belongs to (None when probed)."""
        balance = self.ask(asset, "balanceOf(address)", account)
        key = int(account, 16)
        for layout in FUNGIBLE_BALANCES:
            derivation = SlotDerivation(layout.name, layout.base, (key,))
            if self.stored(asset, derivation.slot) != balance:
                continue
            if balance or self._total_supply_confirms(asset, layout):
                return Located(derivation, balance), layout
        return Located(self._probe(asset, balance, lambda base: (key,), "balanceOf", ()), balance), None

    def frozen_amount(self, asset: str, account: str, balance_layout: Layout | None,
                      balance_base: int) -> Located | None:
        """The ERC-3643 frozen amount's slot; None when the amount is zero and no known layout vouches for a slot."""
        frozen = self.ask(asset, "getFrozenTokens(address)", account)
        key = int(account, 16)
        known = FROZEN_BY_BALANCE_LAYOUT.get(balance_layout.name) if balance_layout else None
        if known is not None:
            derivation = SlotDerivation(known.name, known.base, (key,))
            if self.stored(asset, derivation.slot) == frozen:
                return Located(derivation, frozen)
        if frozen == 0:
            return None
        return Located(self._probe(asset, frozen, lambda base: (key,), "getFrozenTokens", (balance_base,)), frozen)

    def nft_owner(self, asset: str, token_id: int) -> Located:
        owner = self.ask(asset, "ownerOf(uint256)", token_id)
        return Located(self._first_known_or_probe(asset, NFT_OWNERS, owner, (token_id,), "ownerOf"), owner)

    def multi_balance(self, asset: str, account: str, token_id: int) -> Located:
        balance = self.ask(asset, "balanceOf(address,uint256)", account, token_id)
        keys = (token_id, int(account, 16))
        return Located(self._first_known_or_probe(asset, MULTI_BALANCES, balance, keys, "balanceOf"), balance)

    def _first_known_or_probe(self, asset: str, layouts: Iterable[Layout], value: int, keys: tuple[int, ...],
                              what: str) -> SlotDerivation:
        for layout in layouts:
            derivation = SlotDerivation(layout.name, layout.base, keys)
            if value and self.stored(asset, derivation.slot) == value:
                return derivation
        return self._probe(asset, value, lambda base: keys, what, ())

    def _total_supply_confirms(self, asset: str, layout: Layout) -> bool:
        if layout.total_supply is None:
            return False
        supply = self.ask(asset, "totalSupply()")
        return supply != 0 and self.stored(asset, layout.total_supply) == supply

    def _probe(self, asset: str, value: int, keys_for: Callable[[int], tuple[int, ...]], what: str,
               skip: tuple[int, ...]) -> SlotDerivation:
        if value == 0:
            raise NotProvable(
                f"{asset} reports 0 from {what} at block {self._block}, and none of the storage layouts Custos knows "
                "could be confirmed for this contract: a zero cannot be tied to a storage slot by probing")
        matches = [SlotDerivation(f"probed: mapping at slot {base}, confirmed by {what} at block {self._block}",
                                  base, keys_for(base))
                   for base in PROBE_BASES if base not in skip]
        found = [d for d in matches if self.stored(asset, d.slot) == value]
        if len(found) > 1:
            slots = ", ".join(str(d.base) for d in found)
            raise NotProvable(f"the value {what} reports for {asset} is stored in more than one mapping (slots "
                              f"{slots}): Custos cannot tell which one is the {what} value")
        if not found:
            raise NotProvable(
                f"the {what} value of {asset} cannot be proven from storage: no known layout and no mapping in its "
                f"first {len(PROBE_BASES)} slots holds it (a rebasing or computed balance is not kept in storage)")
        return found[0]
