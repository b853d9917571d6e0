"""ERC-3643 (permissioned) tokens: a transfer the token would refuse is a deny, with the token's reason: transfers
paused, the sender frozen or without enough free (unfrozen) balance, the receiver not verified in the identity
registry, or the compliance contract's canTransfer false. State the caller could not read is a deny."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.holdings.model import Standard
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.rules.base import Check, named

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

ID = "erc3643"


def _permissioned(policy: PolicyDocument, facts: DecisionFacts, node: Intent) -> bool:
    if node.kind is not Kind.TOKEN_TRANSFER or node.asset is None:
        return False
    asset = policy.book.assets_by_key.get(node.asset)
    return node.standard is Standard.ERC3643 or node.asset in facts.permissioned or bool(asset and asset.permissioned)


def _refusal(policy: PolicyDocument, facts: DecisionFacts, node: Intent) -> str | None:
    assert node.asset is not None
    token = named(node.asset, policy.book, facts)
    state = facts.permissioned.get(node.asset)
    if state is None:
        return f"the compliance state of {token} could not be read"
    if state.paused:
        return f"transfers of {token} are paused by the issuer"
    sender, recipient, amount = node.sender, node.recipient, node.amount or 0
    holder = state.holders.get(sender) if sender else None
    receiver = state.holders.get(recipient) if recipient else None
    if holder is None or receiver is None:
        return f"the status of the sender or receiver of {token} could not be read"
    if holder.frozen:
        return f"the sender {named(sender, policy.book, facts)} is frozen in {token}"
    if holder.free_balance is None or holder.free_balance < amount:
        free = "unknown" if holder.free_balance is None else f"{holder.free_balance:,}"
        return f"the sender's free (unfrozen) balance of {token} is {free}, less than {amount:,}"
    if receiver.frozen:
        return f"the receiver {named(recipient, policy.book, facts)} is frozen in {token}"
    if receiver.verified is not True:
        return (f"the receiver {named(recipient, policy.book, facts)} is "
                f"{'not verified' if receiver.verified is False else 'of unknown status'} in {token}'s identity "
                "registry")
    allowed = state.can_transfer.get((sender, recipient, amount)) if sender and recipient else None
    if allowed is None:
        return f"the compliance contract of {token} was not asked about this transfer"
    if not allowed:
        return f"the compliance contract of {token} refuses this transfer (canTransfer is false)"
    return None


def check(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    reasons, seen = [], 0
    for node in facts.intent.walk():
        if _permissioned(policy, facts, node):
            seen += 1
            refusal = _refusal(policy, facts, node)
            if refusal:
                reasons.append(refusal)
    if reasons:
        return Check("deny", "the token would refuse it: " + "; ".join(reasons))
    if seen:
        return Check("pass", "the permissioned token would accept the transfer")
    return Check("pass", "no permissioned (ERC-3643) token transfer")
