"""Demo-like holdings and a fake `HoldingsService` of the core's exact shape (wallet_app.holdings.model types)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from wallet_app.holdings.model import (
    NATIVE,
    Account,
    Compliance,
    Holding,
    HoldingsSnapshot,
    Price,
    Standard,
)

TREASURY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
OPERATIONS = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
INVESTOR = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
HKDT = "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"
BOND = "0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9"
DEEDS = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"
VOUCHERS = "0x0165878A594ca255338adfa4d48449f69242Eb8F"
SPOOF = "0xa513E6E4b8f2a923D98304ec87F64353C4D5C853"

READ_AT = datetime(2025, 11, 26, 9, 30, 12, tzinfo=UTC)
BLOCK_HASH = bytes.fromhex("1234" + "00" * 28 + "abcd")
HOSTILE_SYMBOL = "USD\u202eTDSU\u200b"  # a right-to-left override and a zero-width space

ACCOUNTS = (
    Account(TREASURY, "Treasury", "vault"),
    Account(OPERATIONS, "Operations", "vault"),
    Account(INVESTOR, "Investor 0417 (watch-only)", "investor"),
)

_HKD_PEG = Price(1_000_000, 6, "HKD", "fixed 1:1 HKD stablecoin", None, False)
_HSK_PRICE = Price(41_250_000, 6, "HKD", "exchange feed (demo)", READ_AT - timedelta(minutes=3), False)
_BOND_NAV = Price(102_375, 3, "HKD", "NAV feed 0xNAV…01 (issuer)", READ_AT - timedelta(hours=20), False)
_VOUCHER_PRICE = Price(25_000_000, 6, "HKD", "issuer price list", READ_AT - timedelta(days=3), True)
_OK = Compliance()
_VERIFIED = Compliance(verified=True, notes=("Holder identity verified by the issuer's identity registry",))


def _value(amount: int, decimals: int, price: Price | None) -> int | None:
    if price is None or price.currency != "HKD":
        return None
    return amount * price.value * 10**6 // (10**decimals * 10**price.decimals)


def holding(
    account: str,
    asset: str,
    standard: Standard,
    symbol: str,
    name: str,
    decimals: int,
    balance: int,
    *,
    token_id: int | None = None,
    frozen: int = 0,
    price: Price | None = None,
    compliance: Compliance = _OK,
    verified_token: bool = True,
) -> Holding:
    return Holding(
        account=account,
        asset=asset,
        standard=standard,
        token_id=token_id,
        symbol=symbol,
        name=name,
        decimals=decimals,
        balance=balance,
        frozen=frozen,
        price=price,
        value_hkd=_value(balance, decimals, price),
        compliance=compliance,
        verified_token=verified_token,
    )


def make_holdings(*, treasury_hkdt: int = 1_250_000 * 10**6) -> tuple[Holding, ...]:
    frozen_bond = Compliance(
        account_frozen=True,
        verified=True,
        notes=("Account frozen by the issuer: court order 2025-HK-118", "Identity verified"),
    )
    unverified = Compliance(verified=False, notes=("Holder identity claim expired on 2025-10-31",))
    paused = Compliance(paused=True, verified=True, notes=("Transfers paused by the issuer for the coupon date",))
    return (
        holding(
            TREASURY,
            NATIVE,
            Standard.NATIVE,
            "HSK",
            "HashKey Chain token",
            18,
            1_250 * 10**18 + 5 * 10**17,
            price=_HSK_PRICE,
        ),
        holding(TREASURY, HKDT, Standard.ERC20, "HKDT", "HKD Tether (demo)", 6, treasury_hkdt, price=_HKD_PEG),
        holding(
            TREASURY,
            BOND,
            Standard.ERC3643,
            "GB26",
            "HK Green Bond 2026",
            3,
            5_000_000,
            frozen=1_200_000,
            price=_BOND_NAV,
            compliance=Compliance(verified=True, notes=("Partial freeze: pledged collateral",)),
        ),
        holding(TREASURY, DEEDS, Standard.ERC721, "DEED", "Warehouse deeds", 0, 1, token_id=7),
        holding(TREASURY, DEEDS, Standard.ERC721, "DEED", "Warehouse deeds", 0, 1, token_id=2**200 + 42),
        holding(
            TREASURY, VOUCHERS, Standard.ERC1155, "VCH", "Carbon vouchers", 0, 40, token_id=1, price=_VOUCHER_PRICE
        ),
        holding(TREASURY, VOUCHERS, Standard.ERC1155, "VCH", "Carbon vouchers", 0, 3, token_id=2),
        holding(OPERATIONS, NATIVE, Standard.NATIVE, "HSK", "HashKey Chain token", 18, 42 * 10**16, price=_HSK_PRICE),
        holding(OPERATIONS, HKDT, Standard.ERC20, "HKDT", "HKD Tether (demo)", 6, 9 * 10**6, price=_HKD_PEG),
        holding(OPERATIONS, SPOOF, Standard.ERC20, HOSTILE_SYMBOL, "Tether\u200b USD", 6, 10**12, verified_token=False),
        holding(
            OPERATIONS,
            BOND,
            Standard.ERC3643,
            "GB26",
            "HK Green Bond 2026",
            3,
            250_000,
            price=_BOND_NAV,
            compliance=paused,
        ),
        holding(
            INVESTOR,
            BOND,
            Standard.ERC3643,
            "GB26",
            "HK Green Bond 2026",
            3,
            800_000,
            frozen=800_000,
            price=_BOND_NAV,
            compliance=frozen_bond,
        ),
        holding(
            INVESTOR,
            HKDT,
            Standard.ERC20,
            "HKDT",
            "HKD Tether (demo)",
            6,
            77 * 10**6,
            price=_HKD_PEG,
            compliance=unverified,
        ),
    )


def make_snapshot(block: int = 120, **changes: int) -> HoldingsSnapshot:
    return HoldingsSnapshot(block, BLOCK_HASH, READ_AT, ACCOUNTS, make_holdings(**changes))


def make_big_snapshot(count: int, block: int = 120) -> HoldingsSnapshot:
    """`count` holdings over 1,000 investor accounts: a large issuer's register."""
    accounts = tuple(Account(f"0x{i:040x}", f"Investor {i:04d}", "investor") for i in range(1000))
    rows = []
    for i in range(count):
        account = accounts[i % len(accounts)].address
        kind = i % 4
        if kind == 0:
            rows.append(
                holding(account, HKDT, Standard.ERC20, "HKDT", "HKD Tether (demo)", 6, i * 10**6, price=_HKD_PEG)
            )
        elif kind == 1:
            rows.append(
                holding(
                    account,
                    BOND,
                    Standard.ERC3643,
                    "GB26",
                    "HK Green Bond 2026",
                    3,
                    i * 1000,
                    frozen=(i % 7 == 0) * 1000,
                    price=_BOND_NAV,
                    compliance=_VERIFIED if i % 11 else Compliance(verified=False),
                )
            )
        elif kind == 2:
            rows.append(holding(account, DEEDS, Standard.ERC721, "DEED", "Warehouse deeds", 0, 1, token_id=i))
        else:
            rows.append(
                holding(
                    account,
                    VOUCHERS,
                    Standard.ERC1155,
                    "VCH",
                    "Carbon vouchers",
                    0,
                    i % 50,
                    token_id=i % 13,
                    price=_VOUCHER_PRICE,
                )
            )
    return HoldingsSnapshot(block, BLOCK_HASH, READ_AT, accounts, tuple(rows))


class FakeHoldings:
    """The core's `HoldingsService` surface: `fetch_holdings(accounts=None, block=None)` and `load_accounts()`.

    `delay` sleeps like a slow chain read; `gates` (one event per call, in order) hold a call until set."""

    def __init__(self, snapshot: HoldingsSnapshot | None = None, *, delay: float = 0.0) -> None:
        self.snapshot = snapshot or make_snapshot()
        self.delay = delay
        self.error: BaseException | None = None
        self.gates: list[threading.Event] = []
        self.calls: list[tuple[list[str] | None, int | None]] = []
        self.threads: list[int] = []
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    def fetch_holdings(self, accounts: list[str] | None = None, block: int | None = None) -> HoldingsSnapshot:
        with self._lock:
            call = len(self.calls)
            self.calls.append((accounts, block))
            self.threads.append(threading.get_ident())
            self.running += 1
            self.max_running = max(self.max_running, self.running)
            snapshot = self.snapshot
        try:
            if call < len(self.gates):
                self.gates[call].wait(5)
            if self.delay:
                time.sleep(self.delay)
            if self.error is not None:
                raise self.error
            return snapshot
        finally:
            with self._lock:
                self.running -= 1

    def load_accounts(self) -> list[Account]:
        return list(self.snapshot.accounts)
