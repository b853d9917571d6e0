"""The simulation of the exact SafeTx (A5, SC-4): a revert is a deny; so is any change to the vault's singleton (slot
0), owners, threshold, modules, guard, module guard, fallback handler, EIP-1967 implementation slot or an unexpected
nonce, except the changes the transaction's own governance calls are meant to make (those are escalated by the
governance rule). No simulation is a deny when the policy requires one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.policy.rules.base import Check
from wallet_app.policy.rules.governance import expected_changes

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

ID = "simulation"


def check(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    outcome = facts.simulation
    if outcome is None:
        if policy.require_simulation:
            return Check("deny", "the exact transaction could not be simulated, and the policy requires a simulation")
        return Check("pass", "not simulated (the policy does not require it)")
    if outcome.reverted:
        return Check("deny", f"the simulation reverts: {outcome.reason or 'no reason given'}")
    expected = expected_changes(facts.intent)
    unexpected = sorted(outcome.changed_fields - expected)
    if unexpected or (outcome.changed and not outcome.changed_fields):
        said = "; ".join(outcome.changed) or ", ".join(unexpected)
        return Check("deny", f"the simulation shows it changes the vault's own set-up outside a governance action: "
                             f"{said}")
    if outcome.changed:
        return Check("pass", "simulated: it changes only what its governance calls say (" + "; ".join(outcome.changed)
                     + ")")
    return Check("pass", "simulated: it succeeds and leaves the vault's owners, threshold, modules, guard, handler "
                         "and implementation unchanged")
