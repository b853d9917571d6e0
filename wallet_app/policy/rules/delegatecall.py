"""DELEGATECALL runs another contract's code as the vault, with its storage and funds: the Bybit payload (A1). It is
allowed only as the transaction itself, to a `[[pinned_delegatecall]]` target (a MultiSendCallOnly) whose code hash
on this chain is exactly the pinned one (A3), and only to open a batch; every inner call of the batch is then
checked by every other rule (SC-2, A2, D3). A DELEGATECALL inside a batch is never allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.domain.safe_tx import Operation
from wallet_app.policy.intent import Kind
from wallet_app.policy.rules.base import Check, named, walk_with_depth

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

ID = "delegatecall"


def check(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    reasons: list[str] = []
    trusted: list[str] = []
    for node, depth in walk_with_depth(facts.intent):
        if node.operation is not Operation.DELEGATECALL:
            continue
        target = named(node.target, policy.book, facts)
        pinned = policy.book.pinned.get(node.target)
        if depth > 0:
            reasons.append(f"a DELEGATECALL to {target} inside the batch (only the batch itself may use one)")
        elif pinned is None:
            reasons.append(f"untrusted DELEGATECALL to {target}: it would run that contract's code as the vault")
        elif node.kind is not Kind.BATCH:
            reasons.append(f"DELEGATECALL to {pinned.label} for something other than a batch of calls")
        else:
            code_hash = facts.code_hashes.get(node.target)
            if code_hash is None:
                reasons.append(f"the code of {pinned.label} at {node.target} could not be read: the pinned code "
                               "hash cannot be checked")
            elif code_hash != pinned.code_hash:
                reasons.append(f"the code at {node.target} is not the pinned {pinned.label} (code hash "
                               f"0x{code_hash.hex()[:16]}…, pinned 0x{pinned.code_hash.hex()[:16]}…)")
            else:
                trusted.append(pinned.label)
    if reasons:
        return Check("deny", "; ".join(reasons))
    if trusted:
        return Check("pass", f"DELEGATECALL only to the pinned {trusted[0]} (code hash checked), to run a batch "
                             "whose calls are each checked")
    return Check("pass", "no DELEGATECALL")
