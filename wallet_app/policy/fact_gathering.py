"""The chain facts a decision needs, read at one block: the vault itself, the prices of the assets the transaction
moves, the state of the ERC-3643 tokens it transfers, and the code of its DELEGATECALL targets.

Round trips at block N (the latest when the check starts): the vault (chain id, version, owners, threshold, nonce)
in one Multicall3 batch; then one batch with the price feeds of every asset involved (NAV and FX feeds through the
holdings valuation code) and everything an ERC-3643 transfer needs that names no other contract (paused,
identityRegistry, compliance, and isFrozen, getFrozenTokens and balanceOf of sender and receiver); then, only when
there is a permissioned transfer, one more batch for the reads whose target the first batch named (isVerified in the
token's identity registry, canTransfer of its compliance contract); and eth_getCode per DELEGATECALL target. Anything
that does not answer is left out or None, and the rule that needs it fails closed.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass, field

from eth_hash.auto import keccak

from wallet_app.chain.client import BlockHeader, CallResult, ChainClient
from wallet_app.domain.abi import build_call
from wallet_app.domain.safe_tx import Operation
from wallet_app.domain.vaults import VaultInfo
from wallet_app.holdings.batching import CallPlan, fetch_plan
from wallet_app.holdings.calldata import build_address_call, build_plain_call
from wallet_app.holdings.decode import decode_address, decode_bool, decode_uint
from wallet_app.holdings.feeds import FeedBook
from wallet_app.holdings.model import Price, Standard
from wallet_app.holdings.prices import build_price_plan, evaluate_token_price
from wallet_app.holdings.registry import TokenEntry
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.facts import HolderStatus, PermissionedToken
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.rules.base import NATIVE
from wallet_app.vaults.reader import VaultRef, build_vault_calls, decode_vault_results

_ASSET_KINDS = frozenset({Kind.TOKEN_TRANSFER, Kind.NFT_TRANSFER, Kind.APPROVAL})


@dataclass(frozen=True)
class ChainFacts:
    prices: dict[str, Price | None] = field(default_factory=dict)  # asset key -> price of one whole unit
    permissioned: dict[str, PermissionedToken] = field(default_factory=dict)
    code_hashes: dict[str, bytes | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PermissionedTransfer:
    token: str
    sender: str
    recipient: str
    amount: int


def fetch_vault(chain: ChainClient, safe: str, chain_id: int, header: BlockHeader, label: str = "") -> VaultInfo:
    """The vault at `header`'s block; raises `NotASafe` when it does not answer as a Safe, `ChainIdMismatch` when the
    node is on another chain (A9)."""
    refs = [VaultRef(safe, label)]
    results = chain.multicall(build_vault_calls(refs), block=header.number)
    return decode_vault_results(refs, results, chain_id)[0]


def assets_involved(intent: Intent) -> set[str]:
    """The asset keys the transaction moves or approves: token addresses, and NATIVE when any call sends value."""
    assets: set[str] = set()
    for node in intent.walk():
        if node.kind in _ASSET_KINDS and node.asset is not None:
            assets.add(node.asset)
        if node.kind is Kind.NATIVE_TRANSFER or node.value:
            assets.add(NATIVE)
    return assets


def permissioned_transfers(intent: Intent, policy: PolicyDocument | None,
                           tokens: Mapping[str, TokenEntry]) -> list[PermissionedTransfer]:
    """Token transfers of ERC-3643 tokens (by the registry, the decoder or the policy's `permissioned` flag)."""
    found: list[PermissionedTransfer] = []
    for node in intent.walk():
        if node.kind is not Kind.TOKEN_TRANSFER or node.asset is None:
            continue
        entry = tokens.get(node.asset)
        asset = policy.book.assets_by_key.get(node.asset) if policy is not None else None
        if not (node.standard is Standard.ERC3643 or (entry is not None and entry.standard is Standard.ERC3643)
                or (asset is not None and asset.permissioned)):
            continue
        if node.sender is not None and node.recipient is not None:
            found.append(PermissionedTransfer(node.asset, node.sender, node.recipient, node.amount or 0))
    return found


def delegatecall_targets(intent: Intent) -> list[str]:
    return sorted({node.target for node in intent.walk() if node.operation is Operation.DELEGATECALL})


def fetch_chain_facts(chain: ChainClient, header: BlockHeader, intent: Intent, *, policy: PolicyDocument | None,
                      tokens: Mapping[str, TokenEntry], feeds: FeedBook,
                      extra_assets: Collection[str] = ()) -> ChainFacts:
    """Prices, ERC-3643 state and DELEGATECALL code hashes for `intent`, all at `header`'s block; `extra_assets` are
    priced too (what the queue holds for the vault, for velocity limits), in the same read."""
    assets = assets_involved(intent) | set(extra_assets)
    priced = [tokens[a] for a in sorted(assets) if a in tokens]
    transfers = permissioned_transfers(intent, policy, tokens)
    plan = build_price_plan(priced, feeds)
    plan.extend(_erc3643_plan(transfers))
    first = fetch_plan(chain, plan, header.number) if len(plan) else {}
    second_plan = _erc3643_dependent_plan(transfers, first)
    second = fetch_plan(chain, second_plan, header.number) if len(second_plan) else {}
    prices: dict[str, Price | None] = {a: None for a in assets}  # the native coin and unregistered tokens: none
    for token in priced:
        prices[token.address] = evaluate_token_price(token, feeds, first, block_timestamp=header.timestamp)
    code_hashes: dict[str, bytes | None] = {}
    for target in delegatecall_targets(intent):
        code = chain.fetch_code(target, header.number)
        code_hashes[target] = keccak(code)
    return ChainFacts(prices, _permissioned(transfers, {**first, **second}), code_hashes)


# -- ERC-3643 ---------------------------------------------------------------------------------------------------------

def _holders(transfers: list[PermissionedTransfer]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in transfers:
        out.setdefault(t.token, set()).update((t.sender, t.recipient))
    return out


def _erc3643_plan(transfers: list[PermissionedTransfer]) -> CallPlan:
    plan = CallPlan()
    for token, holders in sorted(_holders(transfers).items()):
        for name in ("paused", "identityRegistry", "compliance"):
            plan.add(("3643", name, token), token, build_plain_call(f"{name}()"))
        for holder in sorted(holders):
            for name in ("isFrozen", "getFrozenTokens", "balanceOf"):
                plan.add(("3643", name, token, holder), token, build_address_call(f"{name}(address)", holder))
    return plan


def _erc3643_dependent_plan(transfers: list[PermissionedTransfer], first: Mapping[Hashable, CallResult]) -> CallPlan:
    plan = CallPlan()
    for token, holders in sorted(_holders(transfers).items()):
        registry = decode_address(first.get(("3643", "identityRegistry", token)))
        if registry is not None:
            for holder in sorted(holders):
                plan.add(("3643", "isVerified", token, holder), registry,
                         build_address_call("isVerified(address)", holder))
    for t in dict.fromkeys(transfers):
        compliance = decode_address(first.get(("3643", "compliance", t.token)))
        if compliance is not None:
            plan.add(("3643", "canTransfer", t.token, t.sender, t.recipient, t.amount), compliance,
                     build_call("canTransfer(address,address,uint256)", t.sender, t.recipient, t.amount))
    return plan


def _permissioned(transfers: list[PermissionedTransfer], results: Mapping[Hashable, CallResult],
                  ) -> dict[str, PermissionedToken]:
    """The state of each token; a token whose paused() does not answer is left out (its transfers are denied)."""
    out: dict[str, PermissionedToken] = {}
    for token, holders in _holders(transfers).items():
        paused = decode_bool(results.get(("3643", "paused", token)))
        if paused is None:
            continue
        statuses = {}
        for holder in holders:
            frozen = decode_bool(results.get(("3643", "isFrozen", token, holder)))
            if frozen is None:
                continue  # unknown: the rule denies a transfer whose sender or receiver it cannot see
            partial = decode_uint(results.get(("3643", "getFrozenTokens", token, holder)))
            balance = decode_uint(results.get(("3643", "balanceOf", token, holder)))
            free = None if partial is None or balance is None else max(balance - partial, 0)
            verified = decode_bool(results.get(("3643", "isVerified", token, holder)))
            statuses[holder] = HolderStatus(frozen=frozen, free_balance=free, verified=verified)
        answers = {}
        for t in transfers:
            if t.token == token:
                allowed = decode_bool(results.get(("3643", "canTransfer", t.token, t.sender, t.recipient, t.amount)))
                if allowed is not None:
                    answers[(t.sender, t.recipient, t.amount)] = allowed
        out[token] = PermissionedToken(paused=paused, holders=statuses, can_transfer=answers)
    return out
