"""What Custos knows about one Safe vault at one block."""

from __future__ import annotations

from dataclasses import dataclass

CHECK_OK = "ok"
CHECK_WARNING = "warning"
CHECK_UNKNOWN_SINGLETON = "unknown_singleton"  # F4: blocking


@dataclass(frozen=True, slots=True)
class VaultCheck:
    """The verdict on a vault's contracts (SECURITY F4, SC-9, SC-10), made by `wallet_app.vaults.inspect`.

    `blocking` means no key of this profile may sign for the vault: its proxy or singleton code is not a known Safe
    deployment (what a Bybit-style takeover looks like afterwards). Findings that are only shown (a guard, modules,
    an old version, a fallback handler Custos does not know) leave `blocking` False."""

    status: str  # CHECK_OK, CHECK_WARNING or CHECK_UNKNOWN_SINGLETON
    blocking: bool
    message: str  # the verdict in one sentence
    findings: tuple[str, ...] = ()  # each warning, in words
    singleton: str = ""  # slot 0 of the proxy, checksummed
    singleton_version: str = ""  # the known deployment's version ("" when the singleton is unknown)
    l2: bool | None = None
    guard: str = ""  # "" when none
    fallback_handler: str = ""  # "" when none
    modules: tuple[str, ...] = ()
    block_number: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status, "blocking": self.blocking, "message": self.message,
            "findings": list(self.findings), "singleton": self.singleton, "singleton_version": self.singleton_version,
            "l2": self.l2, "guard": self.guard, "fallback_handler": self.fallback_handler,
            "modules": list(self.modules), "block_number": self.block_number,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> VaultCheck:
        findings, modules, l2 = data.get("findings", []), data.get("modules", []), data.get("l2")
        if not isinstance(findings, list) or not isinstance(modules, list):
            raise ValueError("findings and modules must be lists")
        status, blocking = str(data["status"]), data["blocking"]
        if not isinstance(blocking, bool) or (status == CHECK_UNKNOWN_SINGLETON) != blocking:
            raise ValueError("a check's status and blocking flag disagree")
        return cls(
            status=status, blocking=blocking, message=str(data["message"]),
            findings=tuple(str(f) for f in findings), singleton=str(data.get("singleton", "")),
            singleton_version=str(data.get("singleton_version", "")), l2=l2 if isinstance(l2, bool) else None,
            guard=str(data.get("guard", "")), fallback_handler=str(data.get("fallback_handler", "")),
            modules=tuple(str(m) for m in modules), block_number=_as_int(data.get("block_number", 0)),
        )


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
    check: VaultCheck | None = None  # None: not checked yet (a snapshot written before checks existed)

    @property
    def signing_blocked(self) -> bool:
        return self.check is not None and self.check.blocking

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
            "check": None if self.check is None else self.check.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> VaultInfo:
        owners = data["owners"]
        if not isinstance(owners, list):
            raise ValueError("owners must be a list")
        check = data.get("check")  # absent from snapshots written before checks existed
        if check is not None and not isinstance(check, dict):
            raise ValueError("check must be an object")
        return cls(
            address=str(data["address"]),
            label=str(data["label"]),
            version=str(data["version"]),
            owners=tuple(str(o) for o in owners),
            threshold=_as_int(data["threshold"]),
            nonce=_as_int(data["nonce"]),
            balance=_as_int(data["balance"]),
            block_number=_as_int(data["block_number"]),
            check=None if check is None else VaultCheck.from_json(check),
        )


def _as_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {type(value).__name__}")
    return value
