"""The sanctions denylist: no address in the transaction may be on the list file the policy names. A list the policy
names but the caller could not read is a deny (fail closed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.policy.rules.base import Check, named
from wallet_app.policy.rules.lookalike import addresses_of

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

ID = "denylist"


def check(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    if policy.denylist_file is None:
        return Check("pass", "the policy names no denylist")
    if facts.denylist is None:
        return Check("deny", f"the denylist {policy.denylist_file} could not be read: nothing is allowed until it is")
    listed = sorted({a for a in addresses_of(facts.intent) if a in facts.denylist})
    if listed:
        return Check("deny", "on the denylist: " + ", ".join(named(a, policy.book, facts) for a in listed))
    return Check("pass", f"no address is on the denylist {policy.denylist_file} ({len(facts.denylist):,} entries)")
