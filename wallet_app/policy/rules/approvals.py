"""Token approvals (D1, D2, D3): an unlimited approval, an operator for every token of a collection, or an approval
of a spender that is not a contact is a deny, wherever it is in a batch. Revoking an allowance (amount zero) is not
blocked here; rules still decide on it like any other approval."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.policy.intent import Kind
from wallet_app.policy.rules.base import Check, named

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

ID = "token-approvals"


def check(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    reasons, seen = [], 0
    for node in facts.intent.walk():
        if node.kind is not Kind.APPROVAL or node.children:
            continue
        seen += 1
        spender = named(node.spender, policy.book, facts)
        token = named(node.asset, policy.book, facts)
        if node.unlimited:
            what = "every token" if node.action == "setApprovalForAll" else "an unlimited amount"
            reasons.append(f"approves {spender} for {what} of {token}")
        elif node.amount != 0 and (node.spender is None or node.spender not in policy.book.contacts):
            reasons.append(f"approves {spender}, which is not a contact, to spend {token}")
    if reasons:
        return Check("deny", "; ".join(reasons))
    if seen:
        return Check("pass", "every approval is limited and to a contact (or a revocation)")
    return Check("pass", "no token approval")
