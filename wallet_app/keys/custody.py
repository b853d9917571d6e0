"""CCSS 1.04.7: one device must not hold a quorum. A profile refuses a second owner key of the same vault."""

from __future__ import annotations

from collections.abc import Iterable

from wallet_app.domain.vaults import VaultInfo
from wallet_app.errors import CustodyRuleViolation


def evaluate_custody(new_address: str, held_signing_keys: Iterable[str], vaults: Iterable[VaultInfo]) -> list[str]:
    """Labels of the vaults of which the profile would hold two or more owner keys once `new_address` is added."""
    held = set(held_signing_keys)
    return [v.label for v in vaults if new_address in v.owners and held.intersection(v.owners)]


def enforce_custody(
    new_address: str, held_signing_keys: Iterable[str], vaults: Iterable[VaultInfo], *, allowed: bool
) -> None:
    shared = evaluate_custody(new_address, held_signing_keys, vaults)
    if shared and not allowed:
        raise CustodyRuleViolation(
            f"This profile already holds an owner key of {', '.join(shared)}; one device must not hold two owner "
            "keys of the same vault. Keep this key on another officer's device."
        )
