"""The accounts whose holdings the institution watches: its vaults, its keys (watch-only included) and the
addresses labelled as investors. Each address appears once, under the first of those sources that names it."""

from __future__ import annotations

from wallet_app.domain.addresses import to_checksum
from wallet_app.holdings.model import Account
from wallet_app.keys.registry import KeyRecord
from wallet_app.keys.signer import KeyKind
from wallet_app.storage.labels import AddressLabel
from wallet_app.vaults.registry import VaultEntry

_PEOPLE_KINDS = ("officer", "issuer", "investor")


def build_accounts(vaults: list[VaultEntry], keys: list[KeyRecord],
                   labels: dict[str, AddressLabel]) -> list[Account]:
    """Vaults first, then keys, then investor labels; labels from the label book where the source has none."""
    accounts: dict[str, Account] = {}
    for vault in vaults:
        address = to_checksum(vault.address)
        accounts.setdefault(address, Account(address, vault.label, "vault"))
    for key in keys:
        address = to_checksum(key.address)
        named = labels.get(address)
        accounts.setdefault(address, Account(address, key.label or _label(named), _key_kind(key, named)))
    for label in labels.values():
        if label.kind == "investor":
            address = to_checksum(label.address)
            accounts.setdefault(address, Account(address, label.label, "investor"))
    return list(accounts.values())


def build_extra_account(address: str, labels: dict[str, AddressLabel]) -> Account:
    """An address asked for explicitly that is not one of the profile's accounts: shown as watched."""
    checksummed = to_checksum(address)
    named = labels.get(checksummed)
    kind = named.kind if named is not None and named.kind in _PEOPLE_KINDS else "watch"
    return Account(checksummed, _label(named), kind)


def _key_kind(key: KeyRecord, named: AddressLabel | None) -> str:
    if named is not None and named.kind in _PEOPLE_KINDS:
        return named.kind
    return "watch" if key.kind is KeyKind.WATCH else "officer"


def _label(named: AddressLabel | None) -> str:
    return named.label if named is not None else ""
