"""No blind signing (D4): a call the decoder cannot read (an unknown selector, or one named only by a user-supplied
ABI) is allowed only to a contract the policy lists as a contact; a call to the vault itself that is not a known Safe
function never is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.policy.intent import Kind
from wallet_app.policy.rules.base import Check, named

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

ID = "blind-calls"
BLIND = frozenset({Kind.UNKNOWN_CALL, Kind.USER_ABI_CALL})


def check(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    reasons, seen = [], 0
    for node in facts.intent.walk():
        if node.kind is Kind.UNKNOWN_SELF_CALL:
            reasons.append("a call to the vault itself with a function Custos does not know")
        elif node.kind in BLIND:
            seen += 1
            if node.target not in policy.book.contacts:
                selector = f"0x{node.selector.hex()}" if node.selector else "no selector"
                reasons.append(f"a call Custos cannot read ({node.function or selector}) to "
                               f"{named(node.target, policy.book, facts)}, which is not a contact: no blind signing")
    if reasons:
        return Check("deny", "; ".join(reasons))
    if seen:
        return Check("pass", "calls Custos cannot read go only to contracts listed as contacts")
    return Check("pass", "every call is decoded")
