"""Cross-checking a snapshot with a second provider (F2): the same block hash must give the same holdings.

Where two providers disagree on a holding, the lower balance (and the larger frozen part) is kept, so that nothing
downstream counts on more than both providers agree on, and the holding carries a warning naming both answers. Pure.
"""

from __future__ import annotations

from dataclasses import replace

from wallet_app.holdings.model import Holding
from wallet_app.holdings.prices import compute_value_hkd

HoldingKey = tuple[str, str, int | None]


def key_of(holding: Holding) -> HoldingKey:
    return holding.account, holding.asset, holding.token_id


def merge_witness(primary: list[Holding], witness: list[Holding], *, primary_name: str,
                  witness_name: str) -> tuple[list[Holding], list[str]]:
    """Holdings as both providers support them, and one plain-language note per disagreement."""
    seen = {key_of(h): h for h in witness}
    merged: list[Holding] = []
    notes: list[str] = []
    for holding in primary:
        other = seen.pop(key_of(holding), None)
        other_balance, other_frozen = (other.balance, other.frozen) if other is not None else (0, 0)
        if (holding.balance, holding.frozen) == (other_balance, other_frozen):
            merged.append(holding)
            continue
        note = (f"{witness_name} says {other_balance} (frozen {other_frozen}) where {primary_name} says "
                f"{holding.balance} (frozen {holding.frozen}) base units; the lower balance is shown")
        notes.append(f"{_describe(holding)}: {note}")
        merged.append(_lowered(holding, min(holding.balance, other_balance), max(holding.frozen, other_frozen), note))
    for other in seen.values():  # held according to the witness only: kept at the lower value, zero
        note = (f"{witness_name} says {other.balance} base units where {primary_name} says none; "
                "the lower balance is shown")
        notes.append(f"{_describe(other)}: {note}")
        merged.append(_lowered(other, 0, 0, note))
    return merged, notes


def _lowered(holding: Holding, balance: int, frozen: int, note: str) -> Holding:
    return replace(holding, balance=balance, frozen=min(frozen, balance),
                   value_hkd=compute_value_hkd(balance, holding.decimals, holding.price),
                   warnings=(*holding.warnings, f"providers disagree: {note}"))


def _describe(holding: Holding) -> str:
    token_id = f" #{holding.token_id}" if holding.token_id is not None else ""
    return f"{holding.account} {holding.symbol}{token_id} ({holding.asset})"
