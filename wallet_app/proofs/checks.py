"""The verdict of a check: each step named, whether it held, and why, in words a person can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wallet_app.proofs.trie_proof import ProvenAccount


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(slots=True)
class Checks:
    items: list[Check] = field(default_factory=list)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.items.append(Check(name, ok, detail))
        return ok

    @property
    def all_ok(self) -> bool:
        return all(c.ok for c in self.items)


@dataclass(frozen=True, slots=True)
class Proven:
    """What the proofs of one address established: the account, and its storage by slot."""

    account: ProvenAccount
    storage: dict[int, int]


@dataclass(frozen=True, slots=True)
class Verdict:
    valid: bool
    provisional: bool  # valid, but the header rests on fewer than two agreeing sources or on a block not yet final
    checks: tuple[Check, ...]
    claims: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "provisional": self.provisional,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
            "claims": list(self.claims),
        }

    def lines(self) -> list[str]:
        """The verdict as text: one line per check, then the verdict."""
        out = [f"{'ok  ' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in self.checks]
        if not self.valid:
            out.append("INVALID: at least one check failed; nothing in this bundle should be relied on.")
        elif self.provisional:
            out.append("VALID, PROVISIONAL: the proofs hold for this header, but the header is not yet anchored "
                       "(give two or more --rpc-url endpoints that agree on a final block, a --header-file, or an "
                       "--output-root).")
        else:
            out.append("VALID: every check held.")
        return out
