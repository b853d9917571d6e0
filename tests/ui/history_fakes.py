"""Demo-like transfers and a fake `HistoryService` of the core's exact shape (`TransferView` rows)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.ui.holdings_fakes import BOND, DEEDS, HKDT, INVESTOR, OPERATIONS, SPOOF, TREASURY
from wallet_app.holdings.history import TransferView
from wallet_app.holdings.model import FxRate, Price
from wallet_app.holdings.value_history import ValuePoint

ZERO = "0x0000000000000000000000000000000000000000"
HKD_PEG = Price(1_000_000, 6, "HKD", "fixed 1:1 HKD stablecoin", None, False)
BOND_NAV_USD_STALE_FX = Price(
    10_237_500, 5, "USD", "NAV feed 0xNAV…01", datetime(2025, 11, 26, 8, 0, tzinfo=UTC), False,
    fx=FxRate(7_78150000, 8, "USD", "FX feed 0xFX…02", datetime(2025, 11, 20, 8, 0, tzinfo=UTC), True),
    note="the USD/HKD rate is stale (older than the FX feed's maximum age)",
)
EXCHANGE = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"


def transfer(
    account: str,
    direction: str,
    counterparty: str,
    symbol: str,
    amount: int,
    decimals: int,
    block: int,
    *,
    label: str = "",
    token: str = HKDT,
    standard: str = "erc20",
    token_id: int | None = None,
    verified: bool = True,
    value_hkd: int | None = None,
    price: Price | None = None,
) -> TransferView:
    return TransferView(
        account=account,
        direction=direction,
        counterparty=counterparty,
        counterparty_label=label,
        token=token,
        symbol=symbol,
        standard=standard,
        token_id=token_id,
        amount=amount,
        decimals=decimals,
        block_number=block,
        block_hash=bytes([block % 256]) * 32,
        block_time=datetime(2025, 11, 26, 9, 0, tzinfo=UTC).replace(minute=block % 60),
        tx_hash=bytes.fromhex(f"{block:04x}") + b"\xab" * 30,
        log_index=block % 5,
        verified_source=verified,
        value_hkd=value_hkd,
        price_then=price,
    )


def make_transfers(account: str = TREASURY) -> list[TransferView]:
    """Newest first, as the core gives them."""
    return [
        transfer(account, "out", OPERATIONS, "HKDT", 250_000_500_000, 6, 118, label="Operations",
                 value_hkd=250_000_500_000, price=HKD_PEG),
        transfer(account, "in", EXCHANGE, "HKDT", 1_000_000 * 10**6 + 1, 6, 117, value_hkd=1_000_000 * 10**6 + 1,
                 price=HKD_PEG),
        transfer(account, "in", ZERO, "GB26", 5_000_000, 3, 112, label="minted", token=BOND, standard="erc3643",
                 price=BOND_NAV_USD_STALE_FX),
        transfer(account, "self", account, "DEED", 1, 0, 110, token=DEEDS, standard="erc721", token_id=7),
        transfer(account, "in", INVESTOR, "USD\u202eTDSU\u200b", 10**12, 6, 105, token=SPOOF, verified=False),
        transfer(account, "out", INVESTOR, "DEED", 1, 0, 101, token=DEEDS, standard="erc721", token_id=2**200 + 42),
    ]


class FakeHistory:
    """The core's `HistoryService.fetch_history(account)`; `gates` (one event per call, in order) hold a call."""

    def __init__(self, by_account: dict[str, list[TransferView]] | None = None) -> None:
        self.by_account = by_account if by_account is not None else {TREASURY: make_transfers(TREASURY)}
        self.error: BaseException | None = None
        self.gates: list[threading.Event] = []
        self.calls: list[str] = []
        self.threads: list[str] = []
        self._lock = threading.Lock()

    def fetch_history(self, account: str) -> list[TransferView]:
        with self._lock:
            call = len(self.calls)
            self.calls.append(account)
            self.threads.append(threading.current_thread().name)
        if call < len(self.gates):
            self.gates[call].wait(5)
        if self.error is not None:
            raise self.error
        return list(self.by_account.get(account, []))


def make_value_points(count: int = 12) -> list[ValuePoint]:
    """The institution's value over time as the core gives it: rising, one block unreadable, some unpriced."""
    start = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
    points = []
    for i in range(count):
        block = 1_000 + i * 4_321
        value = (40_000_000 + i * 3_512_345) * 10**6 + 123_456 if i != 4 else None
        points.append(ValuePoint(block, start + timedelta(days=2 * i), value, 2 if i >= 6 else 0,
                                 "the node keeps no state for this block" if value is None else ""))
    return points


class FakeValueHistory:
    """The core's `ValueHistory.sample`: reports progress point by point; `gate` holds it after the first point."""

    def __init__(self, points: list[ValuePoint] | None = None) -> None:
        self.points = points if points is not None else make_value_points()
        self.error: BaseException | None = None
        self.gate: threading.Event | None = None
        self.calls: list[tuple[int, list[str] | None]] = []
        self.threads: list[str] = []

    def sample(self, points: int = 12, progress: Callable[[int, int], None] | None = None,
               accounts: list[str] | None = None) -> list[ValuePoint]:
        self.calls.append((points, accounts))
        self.threads.append(threading.current_thread().name)
        total = len(self.points)
        for done in range(total):
            if progress is not None:
                progress(done, total)
            if done == 1 and self.gate is not None:
                self.gate.wait(5)
        if self.error is not None:
            raise self.error
        if progress is not None:
            progress(total, total)
        return list(self.points)
