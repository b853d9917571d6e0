"""`HoldingsService`: the holdings table of a profile, as one consistent snapshot at one block."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from wallet_app.chain.client import BlockHeader, BlockRef, ChainClient
from wallet_app.domain.addresses import to_checksum
from wallet_app.errors import ChainError
from wallet_app.holdings.accounts import build_accounts, build_extra_account
from wallet_app.holdings.crosscheck import merge_witness
from wallet_app.holdings.feeds import FeedBook
from wallet_app.holdings.lookalikes import compute_token_warnings
from wallet_app.holdings.model import Account, Holding, HoldingsSnapshot, Standard
from wallet_app.holdings.reader import NativeCoin, ReadLimits, SnapshotReader
from wallet_app.holdings.registry import TokenEntry
from wallet_app.keys.registry import KeyRecord
from wallet_app.storage.labels import AddressLabel
from wallet_app.vaults.registry import VaultEntry

ATTEMPTS = 3  # snapshots retried when the block was replaced (a reorganisation) while it was read


class ChainReorganised(ChainError):
    code = "chain_reorganised"


class HoldingsService:
    def __init__(
        self,
        *,
        chain: ChainClient,
        chain_id: int,
        load_vaults: Callable[[], list[VaultEntry]],
        load_keys: Callable[[], list[KeyRecord]],
        load_labels: Callable[[], dict[str, AddressLabel]],
        load_tokens: Callable[[], list[TokenEntry]],
        native: NativeCoin,
        limits: ReadLimits | None = None,
        witnesses: Sequence[ChainClient] = (),
        load_feeds: Callable[[], FeedBook] | None = None,
    ) -> None:
        self._chain = chain
        self._chain_id = chain_id
        self._load_vaults = load_vaults
        self._load_keys = load_keys
        self._load_labels = load_labels
        self._load_tokens = load_tokens
        self._native = native
        self._limits = limits or ReadLimits()
        self._witnesses = tuple(witnesses)
        self._load_feeds = load_feeds or FeedBook  # no feeds configured: only fixed-rate stablecoins are valued

    def load_accounts(self) -> list[Account]:
        """The vaults, keys (watch-only included) and investors of the profile; no network."""
        return build_accounts(self._load_vaults(), self._load_keys(), self._load_labels())

    def fetch_holdings(self, accounts: list[str] | None = None, block: int | None = None) -> HoldingsSnapshot:
        """Every holding of `accounts` (default: all of the profile's) at `block` (default: the latest).

        The block's number and hash are read first, every call names that number, and the hash is read again at
        the end: if it changed, the chain reorganised under the read and the snapshot is taken again. With witness
        providers (the profile's further RPC URLs), the same block is read from each of them too (F2).
        """
        chosen = self._resolve_accounts(accounts)
        tokens = self._load_tokens()
        feeds = self._load_feeds()
        ref: BlockRef = block if block is not None else "latest"
        for _attempt in range(ATTEMPTS):
            header = self._chain.fetch_block(ref)
            reader = SnapshotReader(chain=self._chain, header=header, native=self._native, limits=self._limits,
                                    feeds=feeds)
            found = reader.fetch_holdings(chosen, tokens)
            if self._chain.fetch_block(header.number).hash != header.hash:
                continue
            unreadable = list(reader.unreadable)
            inconsistencies: list[str] = []
            for witness in self._witnesses:
                found, notes = self._cross_check(witness, header, chosen, tokens, found, unreadable, feeds)
                inconsistencies.extend(notes)
            return HoldingsSnapshot(
                block_number=header.number,
                block_hash=header.hash,
                read_at=datetime.now(UTC),
                accounts=tuple(chosen),
                holdings=tuple(with_warnings(order_by_account(found, chosen), compute_token_warnings(tokens))),
                block_time=datetime.fromtimestamp(header.timestamp, UTC),
                unreadable=tuple(unreadable),
                inconsistencies=tuple(inconsistencies),
                cross_checked_with=tuple(w.endpoint for w in self._witnesses),
            )
        raise ChainReorganised(f"The chain kept reorganising while holdings were read ({ATTEMPTS} attempts); "
                               "try again in a moment")

    def _cross_check(self, witness: ChainClient, header: BlockHeader, accounts: list[Account],
                     tokens: list[TokenEntry], found: list[Holding], unreadable: list[str],
                     feeds: FeedBook | None = None) -> tuple[list[Holding], list[str]]:
        """Read the same block from `witness` (F2); disagreements keep the lower value and are reported."""
        try:
            theirs = witness.fetch_block(header.number)
            if theirs.hash != header.hash:
                return found, [f"{witness.endpoint} has block {header.number} with hash 0x{theirs.hash.hex()}, "
                               f"{self._chain.endpoint} has 0x{header.hash.hex()}: the providers disagree about the "
                               "chain itself; nothing from this snapshot can be relied on"]
            reader = SnapshotReader(chain=witness, header=header, native=self._native, limits=self._limits,
                                    feeds=feeds)
            witnessed = reader.fetch_holdings(accounts, tokens)
        except ChainError as exc:
            unreadable.append(f"could not cross-check with {witness.endpoint}: {exc.user_message}")
            return found, []
        return merge_witness(found, witnessed, primary_name=self._chain.endpoint, witness_name=witness.endpoint)

    def _resolve_accounts(self, accounts: list[str] | None) -> list[Account]:
        known = self.load_accounts()
        if accounts is None:
            return known
        by_address = {a.address: a for a in known}
        labels: dict[str, AddressLabel] | None = None
        chosen: list[Account] = []
        for address in accounts:
            checksummed = to_checksum(address)
            if checksummed in by_address:
                chosen.append(by_address[checksummed])
                continue
            labels = labels if labels is not None else self._load_labels()
            chosen.append(build_extra_account(checksummed, labels))
        return list({a.address: a for a in chosen}.values())


_STANDARD_ORDER = {standard: i for i, standard in enumerate(Standard)}


def order_by_account(holdings: list[Holding], accounts: list[Account]) -> list[Holding]:
    """Group holdings by account in the profile's order: native coin first, then by standard, symbol and id."""
    position = {account.address: i for i, account in enumerate(accounts)}
    return sorted(
        holdings,
        key=lambda h: (position.get(h.account, len(position)), _STANDARD_ORDER[h.standard], h.symbol, h.asset,
                       h.token_id or 0),
    )


def with_warnings(holdings: list[Holding], warnings: dict[str, tuple[str, ...]]) -> list[Holding]:
    return [replace(h, warnings=(*h.warnings, *warnings[h.asset])) if h.asset in warnings else h for h in holdings]
