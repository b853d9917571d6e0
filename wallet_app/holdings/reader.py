"""One consistent snapshot of every holding of some accounts, read at one block.

Round trips: one eth_getLogs per ERC-721 and ERC-1155 contract for candidate ids; then one Multicall3 plan (split
into as few aggregate3 batches as the node's limits allow) for every read that needs nothing else first: token-wide
facts (metadata, ERC-3643 state, feeds, ERC-721 enumerability), native balances, balances and per-holder freezes;
then, only when some read depends on those answers (holder verification in the identity registry a token names,
ownerOf for non-enumerable ERC-721 ids, tokenOfOwnerByIndex for enumerable ones), one more plan. Every eth_call names
the snapshot's block number; the caller checks afterwards that the block hash did not change.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from wallet_app.chain.client import BlockHeader, CallResult, ChainClient
from wallet_app.chain.multicall import MULTICALL3_ADDRESS
from wallet_app.domain.abi import build_call
from wallet_app.holdings import standards as std
from wallet_app.holdings.batching import MAX_BODY_BYTES, MAX_CALLS, CallPlan, fetch_plan
from wallet_app.holdings.calldata import (
    build_address_call,
    build_address_uint_call,
    build_plain_call,
    build_uint_call,
)
from wallet_app.holdings.decode import decode_address, decode_bool, decode_decimals, decode_text, decode_uint
from wallet_app.holdings.feeds import FeedBook
from wallet_app.holdings.model import NATIVE, Account, Compliance, Holding, Price, Standard
from wallet_app.holdings.prices import build_price_plan, compute_value_hkd, evaluate_token_price
from wallet_app.holdings.registry import TokenEntry

_FUNGIBLE = (Standard.ERC20, Standard.ERC3643)
# Accounts shown a permissioned token's row even with nothing in it, so their eligibility (verified, frozen) shows.
_ELIGIBILITY_SHOWN = ("vault", "investor")


@dataclass(frozen=True, slots=True)
class NativeCoin:
    symbol: str
    name: str
    decimals: int


@dataclass(frozen=True, slots=True)
class ReadLimits:
    max_calls: int = MAX_CALLS
    max_body_bytes: int = MAX_BODY_BYTES


class SnapshotReader:
    """Reads holdings at `header`'s block; one instance per snapshot attempt."""

    def __init__(self, *, chain: ChainClient, header: BlockHeader, native: NativeCoin, limits: ReadLimits,
                 feeds: FeedBook | None = None) -> None:
        self._chain = chain
        self._header = header
        self._native = native
        self._limits = limits
        self._feeds = feeds if feeds is not None else FeedBook()  # no feeds configured: no feed values anything
        self.unreadable: list[str] = []

    def _run(self, plan: CallPlan) -> dict[Hashable, CallResult]:
        return fetch_plan(self._chain, plan, self._header.number, max_calls=self._limits.max_calls,
                          max_body_bytes=self._limits.max_body_bytes)

    def fetch_holdings(self, accounts: list[Account], tokens: list[TokenEntry]) -> list[Holding]:
        owners = {a.address for a in accounts}
        candidates_721, candidates_1155 = self._fetch_candidates(tokens, owners)
        plan = self._token_plan(tokens)
        plan.extend(self._holder_plan(accounts, tokens, candidates_1155))
        first = self._run(plan)
        results = {**first, **self._run(self._dependent_plan(accounts, tokens, first, candidates_721))}
        holdings = [self._native_holding(a, results) for a in accounts]
        for token in tokens:
            holdings.extend(self._token_holdings(token, accounts, results, candidates_721, candidates_1155))
        return holdings

    # -- plans ----------------------------------------------------------------------------------------------
    def _token_plan(self, tokens: list[TokenEntry]) -> CallPlan:
        plan = CallPlan()
        for token in tokens:
            for field in ("symbol", "name", "decimals"):
                plan.add(("meta", token.address, field), token.address, build_plain_call(f"{field}()"))
            if token.standard is Standard.ERC3643:
                for field in ("paused", "identityRegistry", "compliance"):
                    plan.add((field, token.address), token.address, build_plain_call(f"{field}()"))
            if token.standard is Standard.ERC721:
                plan.add(("enumerable", token.address), token.address,
                         build_call("supportsInterface(bytes4)", std.ERC721_ENUMERABLE_ID))
        plan.extend(build_price_plan(tokens, self._feeds))  # NAV feeds and the FX feeds they need, each once
        return plan

    def _fetch_candidates(self, tokens: list[TokenEntry], owners: set[str]
                          ) -> tuple[dict[str, list[int]], dict[str, list[tuple[str, int]]]]:
        ids_721: dict[str, list[int]] = {}
        pairs_1155: dict[str, list[tuple[str, int]]] = {}
        for token in tokens:
            if token.standard is Standard.ERC721:
                logs = self._chain.fetch_logs(token.address, [std.TRANSFER_TOPIC], 0, self._header.number)
                ids_721[token.address] = std.compute_erc721_candidates(logs, owners)
            elif token.standard is Standard.ERC1155:
                logs = self._chain.fetch_logs(token.address, [], 0, self._header.number)
                pairs_1155[token.address] = std.compute_erc1155_candidates(logs, owners)
        return ids_721, pairs_1155

    def _holder_plan(self, accounts: list[Account], tokens: list[TokenEntry],
                     pairs_1155: dict[str, list[tuple[str, int]]]) -> CallPlan:
        """Per-holder reads that need no earlier answer."""
        plan = CallPlan()
        for account in accounts:
            plan.add(("native", account.address), MULTICALL3_ADDRESS,
                     build_address_call("getEthBalance(address)", account.address))
        for token in tokens:
            if token.standard in (*_FUNGIBLE, Standard.ERC721):
                for account in accounts:
                    plan.add(("balance", token.address, account.address), token.address,
                             build_address_call("balanceOf(address)", account.address))
            if token.standard is Standard.ERC3643:
                for account in accounts:
                    a = account.address
                    plan.add(("isFrozen", token.address, a), token.address, build_address_call("isFrozen(address)", a))
                    plan.add(("frozenTokens", token.address, a), token.address,
                             build_address_call("getFrozenTokens(address)", a))
            if token.standard is Standard.ERC1155:
                for holder, token_id in pairs_1155.get(token.address, []):
                    plan.add(("balance1155", token.address, holder, token_id), token.address,
                             build_address_uint_call("balanceOf(address,uint256)", holder, token_id))
        return plan

    def _dependent_plan(self, accounts: list[Account], tokens: list[TokenEntry], first: dict[Hashable, CallResult],
                        ids_721: dict[str, list[int]]) -> CallPlan:
        """Reads whose target or count comes from the first plan's answers."""
        plan = CallPlan()
        for token in tokens:
            if token.standard is Standard.ERC3643:
                registry = decode_address(first.get(("identityRegistry", token.address)))
                if registry is not None:
                    for account in accounts:
                        plan.add(("verified", token.address, account.address), registry,
                                 build_address_call("isVerified(address)", account.address))
            if token.standard is not Standard.ERC721:
                continue
            if not self._enumerable(token, first):
                for token_id in ids_721.get(token.address, []):
                    plan.add(("ownerOf", token.address, token_id), token.address,
                             build_uint_call("ownerOf(uint256)", token_id))
                continue
            for account in accounts:
                count = decode_uint(first.get(("balance", token.address, account.address))) or 0
                for index in range(min(count, std.MAX_ENUMERATED)):
                    plan.add(("tokenOfOwner", token.address, account.address, index), token.address,
                             build_address_uint_call("tokenOfOwnerByIndex(address,uint256)", account.address, index))
        return plan

    @staticmethod
    def _enumerable(token: TokenEntry, facts: dict[Hashable, CallResult]) -> bool:
        return decode_bool(facts.get(("enumerable", token.address))) is True

    # -- holdings -------------------------------------------------------------------------------------------
    def _native_holding(self, account: Account, results: dict[Hashable, CallResult]) -> Holding:
        balance = decode_uint(results.get(("native", account.address)))
        if balance is None:
            self.unreadable.append(f"the native balance of {account.address} could not be read")
        n = self._native
        return Holding(account.address, NATIVE, Standard.NATIVE, None, n.symbol, n.name, n.decimals,
                       balance or 0, 0, None, None, Compliance(), True)

    def _token_holdings(self, token: TokenEntry, accounts: list[Account], results: dict[Hashable, CallResult],
                        ids_721: dict[str, list[int]], pairs_1155: dict[str, list[tuple[str, int]]]
                        ) -> list[Holding]:
        symbol = decode_text(results.get(("meta", token.address, "symbol"))) or token.symbol
        name = decode_text(results.get(("meta", token.address, "name"))) or token.name
        reported = decode_decimals(results.get(("meta", token.address, "decimals")))
        decimals = token.decimals if token.verified else reported
        pinned = _check_pinned_decimals(token, reported)
        price = self._price(token, results) if decimals is not None else None

        def holding(account: str, token_id: int | None, balance: int, frozen: int = 0,
                    compliance: Compliance | None = None) -> Holding:
            value = compute_value_hkd(balance, decimals or 0, price)
            return Holding(account, token.address, token.standard, token_id, symbol, name, decimals or 0, balance,
                           frozen, price, value, compliance or Compliance(), token.verified, pinned)

        out: list[Holding] = []
        if token.standard in _FUNGIBLE:
            permissioned = self._permissioned(token, results) if token.standard is Standard.ERC3643 else None
            for account in accounts:
                a = account.address
                balance = decode_uint(results.get(("balance", token.address, a)))
                if balance is None:
                    self.unreadable.append(f"{token.address} did not answer balanceOf({a})")
                    continue
                if permissioned is None:
                    if balance:
                        out.append(holding(a, None, balance))
                    continue
                frozen, compliance = std.evaluate_compliance(
                    permissioned, balance, results.get(("isFrozen", token.address, a)),
                    results.get(("frozenTokens", token.address, a)), results.get(("verified", token.address, a)))
                if balance or frozen or account.kind in _ELIGIBILITY_SHOWN:
                    out.append(holding(a, None, balance, frozen, compliance))
        elif token.standard is Standard.ERC721:
            out.extend(holding(owner, token_id, 1) for owner, token_id in self._owned_721(token, accounts, results,
                                                                                           ids_721))
        elif token.standard is Standard.ERC1155:
            for holder, token_id in pairs_1155.get(token.address, []):
                balance = decode_uint(results.get(("balance1155", token.address, holder, token_id)))
                if balance is None:
                    self.unreadable.append(f"{token.address} did not answer balanceOf({holder}, {token_id})")
                elif balance:
                    out.append(holding(holder, token_id, balance))
        return out

    def _owned_721(self, token: TokenEntry, accounts: list[Account], results: dict[Hashable, CallResult],
                   ids_721: dict[str, list[int]]) -> list[tuple[str, int]]:
        owned: list[tuple[str, int]] = []
        if self._enumerable(token, results):
            for account in accounts:
                count = decode_uint(results.get(("balance", token.address, account.address))) or 0
                for index in range(min(count, std.MAX_ENUMERATED)):
                    token_id = decode_uint(results.get(("tokenOfOwner", token.address, account.address, index)))
                    if token_id is not None:
                        owned.append((account.address, token_id))
                if count > std.MAX_ENUMERATED:
                    self.unreadable.append(f"{account.address} holds {count} tokens of {token.address}; "
                                           f"only the first {std.MAX_ENUMERATED} are listed")
            return owned
        holders = {a.address for a in accounts}
        for token_id in ids_721.get(token.address, []):
            owner = decode_address(results.get(("ownerOf", token.address, token_id)))
            if owner in holders:
                owned.append((owner, token_id))
        return sorted(owned)

    def _permissioned(self, token: TokenEntry, results: dict[Hashable, CallResult]) -> std.PermissionedToken:
        return std.PermissionedToken(
            paused=decode_bool(results.get(("paused", token.address))),
            identity_registry=decode_address(results.get(("identityRegistry", token.address))),
            compliance=decode_address(results.get(("compliance", token.address))),
        )

    def _price(self, token: TokenEntry, results: dict[Hashable, CallResult]) -> Price | None:
        """NAV x FX (or the fixed HKD rate) as at this block; never for an unreviewed token (enforced there)."""
        if not token.verified:
            return None
        return evaluate_token_price(token, self._feeds, results, block_timestamp=self._header.timestamp)


def _check_pinned_decimals(token: TokenEntry, reported: int | None) -> tuple[str, ...]:
    """E6: a reviewed fungible token keeps the decimals the registry pinned; a token now reporting others is warned."""
    if not token.verified or token.standard not in _FUNGIBLE or reported == token.decimals:
        return ()
    said = "unreadable" if reported is None else str(reported)
    return (f"the token now reports {said} decimals where the registry pinned {token.decimals}: amounts use the "
            "pinned decimals; check with the issuer before moving it",)
