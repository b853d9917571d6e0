"""What an account holds at one block, as plain values. Money is integers in base units throughout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

NATIVE = "native"
HKD_DECIMALS = 6  # values in HKD are integers of 10^-6 HKD


class Standard(Enum):
    NATIVE = "native"
    ERC20 = "erc20"
    ERC721 = "erc721"
    ERC1155 = "erc1155"
    ERC3643 = "erc3643"


STANDARD_NAMES = {
    Standard.NATIVE: "Native",
    Standard.ERC20: "ERC-20",
    Standard.ERC721: "ERC-721",
    Standard.ERC1155: "ERC-1155",
    Standard.ERC3643: "ERC-3643",
}


@dataclass(frozen=True, slots=True)
class Account:
    address: str
    label: str
    kind: str  # vault, officer, issuer, investor, watch


@dataclass(frozen=True, slots=True)
class FxRate:
    """HKD per one unit of `currency`, from an FX feed (AggregatorV3), as at one block."""

    value: int  # in units of 10**-decimals HKD
    decimals: int
    currency: str  # the currency priced: "USD", ...
    source: str  # e.g. "FX feed 0x…"
    updated_at: datetime | None
    stale: bool  # older than the feed's maximum age: values nothing
    reports_now: bool = False  # the feed reports every answer as current: its age is unknown


@dataclass(frozen=True, slots=True)
class Price:
    """Price of one whole unit of an asset (10**decimals base units) in `currency`.

    A price in another currency than HKD values a balance in HKD only through `fx`. `note` says in plain words why
    the price values nothing although it is shown (no FX feed for its currency, a stale or unreadable FX rate, a feed
    the profile has not configured); "" when it does value, or when `stale` already says why not.
    """

    value: int  # in units of 10**-decimals of `currency`
    decimals: int
    currency: str  # "HKD", "USD", ...; "" when the feed is not configured (its currency is unknown)
    source: str  # e.g. "NAV feed 0x…", "fixed 1:1 HKD stablecoin"
    updated_at: datetime | None
    stale: bool
    reports_now: bool = False  # the feed reports every answer as current: its age is unknown, never called fresh
    fx: FxRate | None = None  # HKD per unit of `currency` (None for an HKD price)
    note: str = ""


@dataclass(frozen=True, slots=True)
class Compliance:
    paused: bool = False
    account_frozen: bool = False
    verified: bool | None = None  # None: not a permissioned token
    notes: tuple[str, ...] = ()  # plain-language reasons, e.g. "transfers paused by the issuer"


@dataclass(frozen=True, slots=True)
class Holding:
    account: str
    asset: str  # token address, or NATIVE
    standard: Standard
    token_id: int | None  # ERC-721 / ERC-1155 id
    symbol: str  # as the token says it: untrusted text
    name: str  # untrusted text
    decimals: int
    balance: int
    frozen: int
    price: Price | None
    value_hkd: int | None  # 10^-6 HKD; None when there is no usable price
    compliance: Compliance
    verified_token: bool  # approved in the profile's token registry (False: discovered or added, unreviewed)
    warnings: tuple[str, ...] = ()  # e.g. a lookalike symbol (E3); plain language, for a person to read

    @property
    def free(self) -> int:
        return max(self.balance - self.frozen, 0)


@dataclass(frozen=True, slots=True)
class HoldingsSnapshot:
    block_number: int
    block_hash: bytes
    read_at: datetime
    accounts: tuple[Account, ...]
    holdings: tuple[Holding, ...]
    block_time: datetime | None = None  # the block's timestamp: prices are judged stale as at this time
    unreadable: tuple[str, ...] = ()  # plain-language notes on reads that failed (shown, never taken as zero)
    # F2: disagreements between the profile's providers at this block hash (lower values are shown); empty when they
    # agree or the profile has one provider. `cross_checked_with` names the providers that were asked.
    inconsistencies: tuple[str, ...] = ()
    cross_checked_with: tuple[str, ...] = ()
