"""One call being decoded: its raw fields and what the decoder may ask about its target."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wallet_app.domain.safe_tx import Operation
from wallet_app.holdings.model import Standard
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.selectors import Fn

StandardOf = Callable[[str], Standard | None]


def no_standard(_address: str) -> Standard | None:
    return None


@dataclass(frozen=True, slots=True)
class Site:
    safe: str
    target: str
    operation: Operation
    value: int
    data: bytes
    standard_of: StandardOf = no_standard

    def intent(self, kind: Kind, fn: Fn | None = None, *, problems: tuple[str, ...] = ()) -> Intent:
        """The fields every intent of this call shares; callers fill in the rest with dataclasses.replace."""
        return Intent(
            kind=kind,
            target=self.target,
            operation=self.operation,
            value=self.value,
            data=self.data,
            selector=self.data[:4] if len(self.data) >= 4 else None,
            function=fn.signature if fn else None,
            action=fn.name if fn else None,
            problems=problems,
        )
