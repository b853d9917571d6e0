"""The statement inside a bundle held against the bundle's proven claims (L5): every holding listed must equal a
proven claim, or be listed as unproven with its reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wallet_app.proofs.checks import Checks
from wallet_app.proofs.claims import FROZEN_AMOUNT, Claim
from wallet_app.proofs.errors import UnusableInput

STATEMENT_KIND = "custos.holding-statement"


def check_statement(raw: Mapping[str, Any], claims: list[Claim], checks: Checks) -> None:
    """Every holding the statement lists must equal a proven claim, or be listed as unproven with its reason."""
    statement = raw.get("statement")
    if not isinstance(statement, Mapping) or statement.get("kind") != STATEMENT_KIND:
        raise UnusableInput("the bundle's statement is not a Custos holding statement")
    holdings, unproven = statement.get("holdings"), statement.get("unproven", [])
    if not isinstance(holdings, list) or not isinstance(unproven, list):
        raise UnusableInput("the statement's holdings and unproven entries must be lists")
    left_out = {(str(u.get("asset")), str(u.get("token_id", ""))) for u in unproven if isinstance(u, Mapping)}
    balances = {(c.asset if c.kind != "native-balance" else "native", "" if c.token_id is None else str(c.token_id)):
                c.amount for c in claims if c.kind != FROZEN_AMOUNT}
    frozen = {c.asset: c.amount for c in claims if c.kind == FROZEN_AMOUNT}
    differences, shown = [], 0
    for index, item in enumerate(holdings):
        if not isinstance(item, Mapping):
            raise UnusableInput(f"statement holding {index + 1} is not an object")
        key = (str(item.get("asset")), str(item.get("token_id", "")))
        shown += 1
        if key in left_out:
            continue
        if key not in balances:
            differences.append(f"{key[0]} {key[1]} is listed but neither proven nor marked unproven")
        elif str(balances[key]) != str(item.get("balance")):
            differences.append(f"{key[0]} {key[1]} is listed as {item.get('balance')}, proven {balances[key]}")
        elif key[0] in frozen and str(frozen[key[0]]) != str(item.get("frozen")):
            differences.append(f"{key[0]} frozen is listed as {item.get('frozen')}, proven {frozen[key[0]]}")
    if differences:
        checks.add("statement", False, "the statement shows what is not proven: " + "; ".join(differences))
        return
    note = f"; {len(left_out)} listed without a proof (reasons in the statement)" if left_out else ""
    checks.add("statement", True, f"all {shown} holdings listed equal their proven claims{note}")

