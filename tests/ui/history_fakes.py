"""Demo-like transfers and a fake `HistoryService` of the core's exact shape (`TransferView` rows)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from tests.ui.holdings_fakes import BOND, DEEDS, HKDT, INVESTOR, OPERATIONS, SPOOF, TREASURY
from wallet_app.holdings.history import TransferView

ZERO = "0x0000000000000000000000000000000000000000"
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
    )


def make_transfers(account: str = TREASURY) -> list[TransferView]:
    """Newest first, as the core gives them."""
    return [
        transfer(account, "out", OPERATIONS, "HKDT", 250_000_500_000, 6, 118, label="Operations"),
        transfer(account, "in", EXCHANGE, "HKDT", 1_000_000 * 10**6 + 1, 6, 117),
        transfer(account, "in", ZERO, "GB26", 5_000_000, 3, 112, label="minted", token=BOND, standard="erc3643"),
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
