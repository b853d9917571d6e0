"""What Custos knows about one Safe vault at one block."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VaultInfo:
    address: str  # EIP-55 checksummed
    label: str
    version: str
    owners: tuple[str, ...]
    threshold: int
    nonce: int
    balance: int  # native coin, base units
    block_number: int

    def to_json(self) -> dict[str, object]:
        return {
            "address": self.address,
            "label": self.label,
            "version": self.version,
            "owners": list(self.owners),
            "threshold": self.threshold,
            "nonce": self.nonce,
            "balance": self.balance,
            "block_number": self.block_number,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> VaultInfo:
        owners = data["owners"]
        if not isinstance(owners, list):
            raise ValueError("owners must be a list")
        return cls(
            address=str(data["address"]),
            label=str(data["label"]),
            version=str(data["version"]),
            owners=tuple(str(o) for o in owners),
            threshold=_as_int(data["threshold"]),
            nonce=_as_int(data["nonce"]),
            balance=_as_int(data["balance"]),
            block_number=_as_int(data["block_number"]),
        )


def _as_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    return value
