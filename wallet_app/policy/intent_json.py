"""A decoded intent in words and as plain JSON, with the names a person knows (the policy's contacts and assets, then
the profile's labels and token registry).

Naming follows the engine's intent text: a contact is "Label (allowlisted)" (the vault itself by its label alone), then
any name the policy gives, then the profile's label. Names and symbols are untrusted text: JSON carries them as given,
a terminal shows them through `make_visible`. Integers are decimal strings in JSON (uint256 does not fit a double).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wallet_app.policy.describe import describe_intent
from wallet_app.policy.document import PolicyDocument
from wallet_app.policy.intent import Intent
from wallet_app.policy.rules.base import NATIVE

Describe = Callable[[Intent], str]


def build_describer(policy: PolicyDocument | None, *, safe: str, labels: Mapping[str, str],
                    token_facts: Mapping[str, tuple[str, int]], native: tuple[str, int]) -> Describe:
    """describe_intent with the names of `policy` (if any) and the profile's `labels` and registry `token_facts`."""

    def name_for(address: str) -> str | None:
        if policy is not None:
            contact = policy.book.contacts.get(address)
            if contact is not None:
                return contact.label if address == safe else f"{contact.label} (allowlisted)"
            named = policy.book.name(address)
            if named:
                return named
        return labels.get(address)

    def facts_of(address: str) -> tuple[str, int] | None:
        asset = policy.book.assets_by_key.get(address) if policy is not None else None
        return (asset.symbol, asset.decimals) if asset else token_facts.get(address)

    coin = policy.book.assets_by_key.get(NATIVE) if policy is not None else None
    coin_facts = (coin.symbol, coin.decimals) if coin else native

    def describe(intent: Intent) -> str:
        try:
            return describe_intent(intent, name_for=name_for, token_facts=facts_of, native=coin_facts)
        except Exception as exc:  # the text is for people; no decision depends on it
            return f"(the transaction could not be described: {type(exc).__name__})"

    return describe


def intent_to_json(intent: Intent, describe: Describe) -> dict[str, Any]:
    """Every decoded field; `text` is the intent in words (with its children indented), `children` the inner calls
    of a batch (or the tokens of a batch permit)."""
    return {
        "kind": intent.kind.value,
        "text": describe(intent),
        "target": intent.target,
        "operation": int(intent.operation),
        "value": str(intent.value),
        "data": "0x" + intent.data.hex(),
        "selector": None if intent.selector is None else "0x" + intent.selector.hex(),
        "function": intent.function,
        "action": intent.action,
        "standard": None if intent.standard is None else intent.standard.value,
        "asset": intent.asset,
        "amount": _text(intent.amount),
        "token_ids": [str(i) for i in intent.token_ids],
        "amounts": [str(a) for a in intent.amounts],
        "sender": intent.sender,
        "recipient": intent.recipient,
        "spender": intent.spender,
        "owner": intent.owner,
        "subject": intent.subject,
        "threshold": _text(intent.threshold),
        "expiration": _text(intent.expiration),
        "unlimited": intent.unlimited,
        "args": [{"name": a.name, "type": a.type, "value": a.value} for a in intent.args],
        "problems": list(intent.problems),
        "children": [intent_to_json(child, describe) for child in intent.children],
    }


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)
