"""What the front ends show about a key: never the secret, only facts about it."""

from __future__ import annotations

from dataclasses import dataclass

from wallet_app.keys.signer import KeyKind


@dataclass(frozen=True, slots=True)
class KeyView:
    address: str
    kind: KeyKind
    label: str
    unlocked: bool
    remembered: bool  # its unlock secret is kept in the OS keyring of this device
    vaults: tuple[str, ...]  # labels of the profile's vaults this address owns

    @property
    def can_sign(self) -> bool:
        return self.kind.secret_is_here

    def to_json(self) -> dict[str, object]:
        return {
            "address": self.address,
            "kind": self.kind.value,
            "label": self.label,
            "unlocked": self.unlocked,
            "remembered": self.remembered,
            "vaults": list(self.vaults),
        }
