"""Lookalike addresses (B1, address poisoning): an address in the transaction that is not one the policy or the
address book knows exactly, but shares its first 4 and last 4 hex digits with one, is a deny."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from wallet_app.domain.addresses import lookalike_key
from wallet_app.policy.intent import Intent
from wallet_app.policy.rules.base import Check, named

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

ID = "lookalike"


def addresses_of(intent: Intent) -> Iterator[str]:
    """Every address the transaction names: targets, assets, senders, recipients, spenders, owners and subjects."""
    for node in intent.walk():
        for address in (node.target, node.asset, node.sender, node.recipient, node.spender, node.owner, node.subject):
            if address is not None:
                yield address


def check(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    book, reasons, seen = facts.address_book, [], set()
    known = {facts.safe, *facts.owners}
    known_keys = {lookalike_key(k): k for k in known}
    for address in addresses_of(facts.intent):
        if address in seen or address in known:
            continue
        seen.add(address)
        other = policy.book.lookalike_of(address)
        if other is None and book is not None:
            other = book.lookalike_of(address)
        if other is None:
            other = known_keys.get(lookalike_key(address))
        if other is not None:
            reasons.append(f"{address} looks like {named(other, policy.book, facts)} (same first and last "
                           "characters, different middle): possible address poisoning")
    if reasons:
        return Check("deny", "; ".join(reasons))
    return Check("pass", "no address looks like a known one without being it")
