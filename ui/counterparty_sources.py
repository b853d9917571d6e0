"""What the Counterparties page and its dialogs read and do: the core's compliance desk (`services.compliance`: the
counterparty book and the ownership desk), the profile's vaults (where a satoshi test pays) and the assets one may
pay in (the native coin and the registry's reviewed fungible tokens); built from the core's `Services` by
`counterparty_sources`. Qt-free: every call may block (database, chain) and runs on a worker lane.

Every write names who did it (`actor`): the desktop's operator, as the audit log names them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

NATIVE = "native"
FUNGIBLE = ("erc20", "erc3643")  # a satoshi test is checked by its ERC-20 Transfer event
DEFAULT_ACTOR = "operator"


class CounterpartyBookLike(Protocol):
    """The parts of `wallet_app.compliance.counterparties.CounterpartyBook` the page uses; every call blocks."""

    def load_all(self) -> Sequence[Any]: ...
    def add(self, entry: Any, *, actor: str) -> Any: ...
    def add_address(self, name: str, address: str, *, actor: str) -> Any: ...


class OwnershipDeskLike(Protocol):
    """The parts of `wallet_app.compliance.ownership.OwnershipDesk` the ownership dialog uses; every call blocks."""

    def issue_signature_challenge(self, address: str, *, actor: str, hours: int | None = None) -> Any: ...
    def prove_by_signature(self, nonce: str, signature_hex: str, *, actor: str) -> Any: ...
    def issue_satoshi_test(self, address: str, *, vault: str, asset: str, decimals: int, symbol: str, actor: str,
                           hours: int | None = None) -> Any: ...
    def prove_by_satoshi(self, nonce: str, tx_hash_hex: str, *, actor: str) -> Any: ...
    def load(self, nonce: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class AssetChoice:
    """An asset a satoshi test may ask for: the native coin or a reviewed fungible token."""

    key: str  # NATIVE or the token's address
    symbol: str  # as the registry has it: untrusted text, shown plain
    decimals: int


@dataclass(frozen=True)
class CounterpartySources:
    book: CounterpartyBookLike
    ownership: OwnershipDeskLike
    load_vaults: Callable[[], Sequence[tuple[str, str]]] = tuple  # the profile's vaults: (address, label)
    load_assets: Callable[[], Sequence[AssetChoice]] = tuple  # the native coin first, then reviewed tokens
    actor: str = DEFAULT_ACTOR  # who the audit log says did it


def counterparty_sources(services: Any) -> CounterpartySources | None:
    """Built from the core's `Services`; None when it has no compliance desk (an older core, tests)."""
    desk = getattr(services, "compliance", None)
    if desk is None:
        return None
    profile, tokens = getattr(services, "profile", None), getattr(services, "tokens", None)
    preset = getattr(profile, "preset", None)
    native = AssetChoice(NATIVE, preset.native_symbol, preset.native_decimals) if preset is not None else \
        AssetChoice(NATIVE, "ETH", 18)

    def load_vaults() -> list[tuple[str, str]]:
        if profile is None:
            return []
        return [(v.address, v.label) for v in profile.vault_registry.load_entries()]

    def load_assets() -> list[AssetChoice]:
        reviewed = [] if tokens is None else [
            AssetChoice(t.address, t.symbol, t.decimals) for t in tokens.load_tokens()
            if t.verified and str(getattr(t.standard, "value", t.standard)) in FUNGIBLE]
        return [native, *sorted(reviewed, key=lambda a: (a.symbol.lower(), a.key))]

    return CounterpartySources(desk.counterparties, desk.ownership, load_vaults, load_assets, operator())


def operator() -> str:
    """The desktop's operator, as the audit log names them ("operator" when the system has no user name)."""
    import getpass

    try:
        return getpass.getuser()[:64] or DEFAULT_ACTOR
    except Exception:  # no user name in this environment (some containers)
        return DEFAULT_ACTOR


def institution_name(services: Any) -> str:
    """The institution named in ownership challenges and preselected as the Travel Rule originator: the profile's
    extra setting "institution" (wallet_app.compliance.setup.INSTITUTION_KEY), else the profile's name."""
    profile = getattr(services, "profile", None)
    if profile is None:
        return ""
    extra = getattr(getattr(profile, "config", None), "extra", None) or {}
    return str(extra.get("institution") or getattr(profile, "name", "") or "")
