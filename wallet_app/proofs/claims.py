"""Claims: what a bundle says, in plain words and integers, and how each is held against the proven values.

Amounts are decimal strings (they outgrow JSON's safe integers). Every token claim names the slot it rests on and
how that slot follows from the mapping's base slot and the keys; the key that names the holder must be the claimed
account (or the token id), so that one account's slot cannot stand for another's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wallet_app.proofs.bundle import address, decimal
from wallet_app.proofs.errors import UnusableInput
from wallet_app.proofs.slots import SlotDerivation, derivation_from_json

NATIVE_BALANCE = "native-balance"
TOKEN_BALANCE = "token-balance"  # noqa: S105 (a claim kind) ERC-20 and ERC-3643
FROZEN_AMOUNT = "frozen-amount"  # ERC-3643
NFT_OWNER = "nft-owner"  # ERC-721
MULTI_TOKEN_BALANCE = "multi-token-balance"  # noqa: S105 (a claim kind) ERC-1155
KINDS = (NATIVE_BALANCE, TOKEN_BALANCE, FROZEN_AMOUNT, NFT_OWNER, MULTI_TOKEN_BALANCE)


@dataclass(frozen=True, slots=True)
class Claim:
    kind: str
    account: str  # the holder (the owner, for an ERC-721 token)
    asset: str  # token address, or "native"
    amount: int  # balance, frozen amount; 1 for an ERC-721 token owned
    token_id: int | None = None
    standard: str = "native"
    slot: SlotDerivation | None = None  # None for a native balance (the account proof carries it)

    def words(self, symbol: str = "") -> str:
        unit = f" {symbol}" if symbol else " base units"
        if self.kind == NATIVE_BALANCE:
            return f"{self.account} holds {self.amount}{unit} of the native coin"
        if self.kind == TOKEN_BALANCE:
            return f"{self.account} holds {self.amount}{unit} of token {self.asset} ({self.standard})"
        if self.kind == FROZEN_AMOUNT:
            return f"{self.amount}{unit} of {self.account}'s {self.asset} are frozen by the issuer"
        if self.kind == NFT_OWNER:
            return f"{self.account} owns token {self.token_id} of {self.asset} (ERC-721)"
        return f"{self.account} holds {self.amount} of token id {self.token_id} of {self.asset} (ERC-1155)"

    def to_json(self, symbol: str = "") -> dict[str, object]:
        body: dict[str, object] = {"kind": self.kind, "text": self.words(symbol), "standard": self.standard,
                                   "asset": self.asset, "account": self.account}
        if self.token_id is not None:
            body["token_id"] = str(self.token_id)
        body["frozen" if self.kind == FROZEN_AMOUNT else "balance"] = str(self.amount)
        if self.slot is not None:
            body["slot"] = self.slot.to_json()
        return body

    def holder_keys(self) -> tuple[int, ...]:
        """The mapping keys the slot must be derived from for this claim to be about this holder."""
        holder = int(self.account, 16)
        if self.kind == NFT_OWNER:
            return (self._id(),)
        if self.kind == MULTI_TOKEN_BALANCE:
            return (self._id(), holder)
        return (holder,)

    def expected_slot_value(self) -> int:
        return int(self.account, 16) if self.kind == NFT_OWNER else self.amount

    def _id(self) -> int:
        if self.token_id is None:
            raise UnusableInput(f"a {self.kind} claim needs a token_id")
        return self.token_id


def read_claim(raw: Mapping[str, Any], where: str) -> Claim:
    kind = raw.get("kind")
    if kind not in KINDS:
        raise UnusableInput(f"{where}: unknown claim kind {str(kind)[:40]!r} (known: {', '.join(KINDS)})")
    account = address(raw.get("account"), f"{where}.account")
    amount_field = "frozen" if kind == FROZEN_AMOUNT else "balance"
    amount = decimal(raw.get(amount_field), f"{where}.{amount_field}")
    if kind == NATIVE_BALANCE:
        return Claim(kind, account, "native", amount)
    asset = address(raw.get("asset"), f"{where}.asset")
    token_id = decimal(raw.get("token_id"), f"{where}.token_id") if kind in (NFT_OWNER, MULTI_TOKEN_BALANCE) else None
    if kind == NFT_OWNER and amount != 1:
        raise UnusableInput(f"{where}: an ERC-721 ownership claim has balance 1")
    standard = raw.get("standard")
    if not isinstance(standard, str) or len(standard) > 20:
        raise UnusableInput(f"{where}.standard: expected a standard such as erc20")
    slot = derivation_from_json(raw.get("slot"), f"{where}.slot")
    return Claim(kind, account, asset, amount, token_id, standard, slot)
