"""Gas-refund smuggling (SC-5, A6): a Safe pays `gasPrice * (baseGas + gas used)` in `gasToken` to `refundReceiver`
when it executes, a transfer that no calldata shows. Custos never needs a refund, so any of the three set is a deny."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.domain.safe_tx import ZERO_ADDRESS
from wallet_app.policy.rules.base import Check, named

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

ID = "gas-refund"


def check(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    set_fields = []
    if facts.gas_price:
        set_fields.append(f"gas price {facts.gas_price}")
    if facts.gas_token != ZERO_ADDRESS:
        set_fields.append(f"gas token {named(facts.gas_token, policy.book, facts)}")
    if facts.refund_receiver != ZERO_ADDRESS:
        set_fields.append(f"refund receiver {named(facts.refund_receiver, policy.book, facts)}")
    if set_fields:
        return Check("deny", "the transaction would pay a gas refund out of the vault (" + ", ".join(set_fields) +
                     "): a hidden transfer; gas price, gas token and refund receiver must all be zero")
    return Check("pass", "no gas refund (gas price, gas token and refund receiver are zero)")
