"""The policy's vault section: each vault's kind, storage tier and whether it holds client assets, and the cold-storage
threshold the institution reports against.

    [storage]                              # optional
    cold_threshold_pct = "98"              # client assets that must sit cold, per asset (default 98; 0 < pct <= 100)

    [[vaults]]                             # one per vault; its address must be a [[contacts]] entry of kind "vault"
    address = "0x…"
    kind = "safe"                          # safe (approvers and threshold on chain) | account (a plain account)
    storage = "warm"                       # hot | warm | cold ("storage tier", not the rules' approval tiers)
    client_assets = true                   # optional, default false: counted in the cold-storage report
    approvers = ["0x…", "0x…", "0x…"]      # account vaults only: who approves its transfers (EIP-712 approvals)
    threshold = 2                          # account vaults only: how many of them, at least 2

A Safe may not be cold: the SFC's custody circular (August 2025) says cold wallets should not rely on smart contracts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from wallet_app.policy.rules.base import Book
from wallet_app.policy.rules.parsing import (
    Problem,
    check_keys,
    expect_bool,
    expect_int,
    expect_str,
    expect_str_list,
    parse_address,
    parse_amount,
)

VaultKind = Literal["safe", "account"]
StorageTier = Literal["hot", "warm", "cold"]
VAULT_KINDS: tuple[VaultKind, ...] = ("safe", "account")
STORAGE_TIERS: tuple[StorageTier, ...] = ("hot", "warm", "cold")
DEFAULT_COLD_THRESHOLD_BP = 9800  # 98.00 %, in hundredths of a percent
MAX_APPROVERS = 32
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class PolicyVault:
    address: str  # EIP-55
    label: str  # the contact's label
    kind: VaultKind
    storage: StorageTier
    client_assets: bool
    approvers: tuple[str, ...] = ()  # account vaults: EIP-55, in the file's order
    threshold: int = 0  # account vaults: approvals needed

    @property
    def is_account(self) -> bool:
        return self.kind == "account"


def format_pct(hundredths: int) -> str:
    """A percentage held in hundredths of a percent, as text with two decimals: 9800 -> "98.00"."""
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def read_storage(t: dict[str, Any]) -> int:
    """[storage] -> the cold threshold in hundredths of a percent."""
    check_keys(t, ("cold_threshold_pct",), "[storage]")
    if "cold_threshold_pct" not in t:
        return DEFAULT_COLD_THRESHOLD_BP
    written = t["cold_threshold_pct"]
    if isinstance(written, float):
        raise Problem(f"cold_threshold_pct is written with a decimal point, which TOML reads as an inexact float: "
                      f"write it in quotes, e.g. \"{written}\"", key="cold_threshold_pct")
    try:
        bp = parse_amount(written, 2, "cold_threshold_pct")
    except Problem:
        bp = -1
    if not 0 < bp <= 10000:
        raise Problem("cold_threshold_pct must be a percentage above 0 and at most 100 with at most two decimals, "
                      "such as \"98\" or \"99.5\"", key="cold_threshold_pct")
    return bp


def _keyed(key: str, read: Callable[[], _T]) -> _T:
    """`read()`, its Problem tied to `key` so the message names that key's line."""
    try:
        return read()
    except Problem as problem:
        raise Problem(problem.reason, key=problem.key or key) from None


def read_vault(t: dict[str, Any], book: Book) -> PolicyVault:
    check_keys(t, ("address", "kind", "storage", "client_assets", "approvers", "threshold"), "a [[vaults]] entry",
               required=("address", "kind", "storage"))
    address = parse_address(t["address"], "the address of a [[vaults]] entry", key="address")
    contact = book.contacts.get(address)
    if contact is None or contact.kind != "vault":
        raise Problem(f"vault {address} must also be a [[contacts]] entry of kind \"vault\" (its label)", key="address")
    kind = expect_str(t["kind"], "kind")
    if kind not in VAULT_KINDS:
        raise Problem(f"kind of vault '{contact.label}' must be one of {', '.join(VAULT_KINDS)}", key="kind")
    storage = expect_str(t["storage"], "storage")
    if storage not in STORAGE_TIERS:
        raise Problem(f"storage of vault '{contact.label}' must be one of {', '.join(STORAGE_TIERS)}", key="storage")
    client_assets = _keyed("client_assets", lambda: expect_bool(t.get("client_assets", False), "client_assets"))
    if kind == "safe":
        for key in ("approvers", "threshold"):
            if key in t:
                raise Problem(f"vault '{contact.label}' is a Safe: its owners and threshold are on chain, so it takes "
                              f"no '{key}'", key=key)
        if storage == "cold":
            raise Problem(f"vault '{contact.label}' is a Safe, a smart contract, and cold storage should not rely on "
                          "smart contracts (SFC custody circular, August 2025): use an account vault for cold",
                          key="storage")
        return PolicyVault(address, contact.label, "safe", storage, client_assets)
    return _account_vault(t, address, contact.label, storage, client_assets)


def _account_vault(t: dict[str, Any], address: str, label: str, storage: str, client_assets: bool) -> PolicyVault:
    for key in ("approvers", "threshold"):
        if key not in t:
            raise Problem(f"account vault '{label}' needs '{key}' (its approvals are set here, not on chain)")
    written = _keyed("approvers", lambda: expect_str_list(t["approvers"], f"approvers of vault '{label}'"))
    approvers = tuple(parse_address(a, f"an approver of vault '{label}'", key="approvers") for a in written)
    if len(set(approvers)) != len(approvers):
        raise Problem(f"vault '{label}' names an approver twice", key="approvers")
    if not 2 <= len(approvers) <= MAX_APPROVERS:
        raise Problem(f"vault '{label}' needs from 2 to {MAX_APPROVERS} approvers: no single person may move its "
                      "assets", key="approvers")
    if address in approvers:
        raise Problem(f"vault '{label}' cannot approve its own transfers", key="approvers")
    threshold = _keyed("threshold", lambda: expect_int(t["threshold"], f"threshold of vault '{label}'", minimum=2))
    if threshold > len(approvers):
        raise Problem(f"threshold of vault '{label}' is {threshold} but it names {len(approvers)} approvers",
                      key="threshold")
    return PolicyVault(address, label, "account", storage, client_assets, approvers,  # type: ignore[arg-type]
                       threshold)
