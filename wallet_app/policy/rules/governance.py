"""Vault self-governance and ownership changes (SC-3, A4): calls to the vault itself (owners, threshold, modules,
guard, fallback handler, implementation) and ownership, role and upgrade calls on any contract never pass as an
ordinary transfer. They escalate to the `[governance]` quorum and wait its delay after the quorum; `[[rules]]` are not
asked. Denied outright: a module, guard, fallback handler, domain verifier or implementation that is not listed in the
policy (a contact or a pinned target); a new owner who is not a member of a `[[roles]]` entry; approveHash (it would
approve another transaction by its hash alone, blind)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.domain.safe_tx import ZERO_ADDRESS
from wallet_app.policy.intent import Intent, Kind
from wallet_app.policy.rules.base import Check, named

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

ID = "governance"
GOVERNANCE = frozenset({Kind.SAFE_GOVERNANCE, Kind.OWNERSHIP_OR_UPGRADE})
LISTED_SUBJECT = frozenset({"enableModule", "setGuard", "setModuleGuard", "setFallbackHandler", "changeMasterCopy",
                            "setDomainVerifier"})
REMOVABLE = frozenset({"setGuard", "setModuleGuard", "setFallbackHandler"})  # the zero address removes it
NEW_OWNER = frozenset({"addOwnerWithThreshold", "swapOwner"})
# Which parts of the vault's state each Safe function may change (the simulation rule allows exactly these).
CHANGES: dict[str, frozenset[str]] = {
    "addOwnerWithThreshold": frozenset({"owners", "owner_count", "threshold"}),
    "removeOwner": frozenset({"owners", "owner_count", "threshold"}),
    "swapOwner": frozenset({"owners"}),
    "changeThreshold": frozenset({"threshold"}),
    "enableModule": frozenset({"modules"}),
    "disableModule": frozenset({"modules"}),
    "setGuard": frozenset({"guard"}),
    "setModuleGuard": frozenset({"module_guard"}),
    "setFallbackHandler": frozenset({"fallback_handler"}),
    "changeMasterCopy": frozenset({"singleton"}),
}


def governance_nodes(intent: Intent) -> list[Intent]:
    return [node for node in intent.walk() if node.kind in GOVERNANCE]


def expected_changes(intent: Intent) -> frozenset[str]:
    """The parts of the vault's state the governance calls of `intent` are meant to change."""
    out: frozenset[str] = frozenset()
    for node in governance_nodes(intent):
        if node.kind is Kind.SAFE_GOVERNANCE:
            out |= CHANGES.get(node.action or "", frozenset())
    return out


def check(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    nodes = governance_nodes(facts.intent)
    if not nodes:
        return Check("pass", "no change to the vault's owners, threshold, modules, guard or fallback handler, and no "
                             "ownership or upgrade call")
    members = frozenset().union(*(r.members for r in policy.roles))
    denied, actions = [], []
    for node in nodes:
        action = node.action or "?"
        where = "the vault" if node.kind is Kind.SAFE_GOVERNANCE else named(node.target, policy.book, facts)
        actions.append(f"{action} on {where}")
        subject = node.subject
        if node.kind is Kind.SAFE_GOVERNANCE and action == "approveHash":
            denied.append("approveHash would approve another transaction by its hash alone (blind)")
        elif action in LISTED_SUBJECT and subject is not None and not (action in REMOVABLE and subject == ZERO_ADDRESS):
            if subject not in policy.book.contacts and subject not in policy.book.pinned:
                denied.append(f"{action} names {named(subject, policy.book, facts)}, which the policy does not list")
        elif action in NEW_OWNER and node.kind is Kind.SAFE_GOVERNANCE and subject not in members:
            denied.append(f"{action} makes {named(subject, policy.book, facts)} an owner, who is not a member of any "
                          "role in the policy (name them in [[roles]] first)")
    if denied:
        return Check("deny", "governance: " + "; ".join(denied))
    g = policy.governance
    roles = f" including {' and '.join(g.roles)}" if g.roles else ""
    return Check("escalate", f"governance ({'; '.join(actions)}): needs the governance quorum of {g.quorum} "
                             f"approvals{roles} and waits {g.delay_seconds // 3600} hours after it",
                 approvals=g.quorum, roles=g.roles, delay_seconds=g.delay_seconds)
