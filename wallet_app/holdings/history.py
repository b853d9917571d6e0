"""`HistoryService`: an account's token transfers in and out, from the history index (synced first).

The index holds only events of registry tokens (see `history_index`); a row whose token has since left the registry
is still shown, marked `verified_source=False`. Native coin transfers are not part of the history. Balances are
never derived from this history: they come from `HoldingsService` (balanceOf, proofs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ConfigError
from wallet_app.holdings.history_decode import ZERO_ADDRESS
from wallet_app.holdings.history_index import HistoryIndexer
from wallet_app.holdings.history_store import HistoryStore, StoredTransfer
from wallet_app.holdings.model import Account, Price
from wallet_app.holdings.past_prices import PastPrices, PriceRequest
from wallet_app.holdings.registry import TokenEntry
from wallet_app.holdings.valuation import compute_value_hkd
from wallet_app.holdings.views import build_price_json_at, format_hkd
from wallet_app.storage.labels import AddressLabel


@dataclass(frozen=True, slots=True)
class TransferView:
    account: str
    direction: str  # "in", "out", or "self" (sent to itself)
    counterparty: str
    counterparty_label: str
    token: str
    symbol: str  # as the token says it: untrusted text
    standard: str
    token_id: int | None
    amount: int  # base units
    decimals: int
    block_number: int
    block_hash: bytes
    block_time: datetime
    tx_hash: bytes
    log_index: int
    verified_source: bool  # emitted by a token of the profile's registry
    value_hkd: int | None = None  # 10^-6 HKD at the transfer's block; None without a usable price then
    price_then: Price | None = None  # the price per unit used for `value_hkd`, as read at that block

    def to_json(self) -> dict[str, object]:
        return {
            "account": self.account, "direction": self.direction, "counterparty": self.counterparty,
            "counterparty_label": self.counterparty_label, "token": self.token, "symbol": self.symbol,
            "standard": self.standard, "token_id": None if self.token_id is None else str(self.token_id),
            "amount": str(self.amount), "decimals": self.decimals, "block_number": self.block_number,
            "block_hash": "0x" + self.block_hash.hex(), "block_time": self.block_time.isoformat(),
            "tx_hash": "0x" + self.tx_hash.hex(), "log_index": self.log_index,
            "verified_source": self.verified_source,
            "value_hkd": format_hkd(self.value_hkd),
            "price_then": build_price_json_at(self.price_then, self.block_time),
        }


class HistoryService:
    def __init__(
        self,
        *,
        indexer: HistoryIndexer,
        store: HistoryStore,
        load_accounts: Callable[[], list[Account]],
        load_labels: Callable[[], dict[str, AddressLabel]],
        load_tokens: Callable[[], list[TokenEntry]],
        prices: PastPrices | None = None,
    ) -> None:
        self._indexer = indexer
        self._prices = prices  # None: transfers are not valued
        self._store = store
        self._load_accounts = load_accounts
        self._load_labels = load_labels
        self._load_tokens = load_tokens

    def sync(self) -> int:
        """Bring the index up to the chain's head; returns the head block number."""
        accounts = {a.address for a in self._load_accounts()}
        return self._indexer.sync(self._load_tokens(), accounts)

    def fetch_history(self, account: str) -> list[TransferView]:
        """The transfers of one of the profile's accounts, newest first, after syncing the index."""
        address = to_checksum(account)
        accounts = self._load_accounts()
        if address not in {a.address for a in accounts}:
            raise ConfigError(f"{address} is not one of the profile's accounts (vaults, keys, investors); "
                              "history is kept for those only")
        tokens = self._load_tokens()
        self._indexer.sync(tokens, {a.address for a in accounts})
        names = {a.address: a.label for a in accounts if a.label}
        labels = self._load_labels()
        by_address = {t.address: t for t in tokens}
        rows = self._store.load_transfers(address)
        prices = self._fetch_prices_then(rows, by_address)
        return [self._view(address, row, by_address.get(row.token), names, labels,
                           prices.get((row.token, row.block_number)))
                for row in rows]

    def _fetch_prices_then(self, rows: list[StoredTransfer], tokens: dict[str, TokenEntry]
                           ) -> dict[tuple[str, int], Price | None]:
        """The price of each transferred token at its transfer's block (one Multicall3 batch per distinct block)."""
        if self._prices is None:
            return {}
        requests = [PriceRequest(tokens[row.token], row.block_number, row.block_hash, row.block_time)
                    for row in rows if row.token in tokens]
        return self._prices.fetch_prices(requests)

    @staticmethod
    def _view(account: str, row: StoredTransfer, token: TokenEntry | None, names: dict[str, str],
              labels: dict[str, AddressLabel], price: Price | None = None) -> TransferView:
        if row.sender == account and row.receiver == account:
            direction, counterparty = "self", account
        elif row.sender == account:
            direction, counterparty = "out", row.receiver
        else:
            direction, counterparty = "in", row.sender
        label = names.get(counterparty) or (labels[counterparty].label if counterparty in labels else "")
        if not label and counterparty == ZERO_ADDRESS:
            label = "minted" if direction == "in" else "burned"
        return TransferView(
            account=account, direction=direction, counterparty=counterparty, counterparty_label=label,
            token=row.token, symbol=token.symbol if token is not None else "?", standard=row.standard,
            token_id=row.token_id, amount=row.amount, decimals=token.decimals if token is not None else 0,
            block_number=row.block_number, block_hash=row.block_hash,
            block_time=datetime.fromtimestamp(row.block_time, UTC), tx_hash=row.tx_hash, log_index=row.log_index,
            verified_source=token is not None and token.verified,
            value_hkd=compute_value_hkd(row.amount, token.decimals, price) if token is not None else None,
            price_then=price,
        )
