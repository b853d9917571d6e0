"""The transaction is what it says it is: on the policy's chain (A9), decoded from the very fields that are hashed
and signed (SC-1, SC-8, A12: a queue row's summary is never read), and decoded cleanly (a problem anywhere in the tree,
such as a truncated batch or a nested execTransaction, is something no policy can allow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wallet_app.policy.rules.base import Check

if TYPE_CHECKING:
    from wallet_app.policy.document import PolicyDocument
    from wallet_app.policy.facts import DecisionFacts

CHAIN_ID = "chain"
NONCE_ID = "nonce"
DECODING_ID = "decoding"


def check_chain(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    if facts.chain_id != policy.chain_id:
        return Check("deny", f"the transaction is for chain {facts.chain_id}, but the policy is for chain "
                             f"{policy.chain_id}")
    return Check("pass", f"on chain {policy.chain_id}, the policy's chain")


def check_nonce(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    """A nonce the vault already used can never execute: deciding on it would only collect a useless signature."""
    if facts.vault_nonce is not None and facts.nonce < facts.vault_nonce:
        return Check("deny", f"nonce {facts.nonce} is already used: the vault's next nonce is {facts.vault_nonce}, "
                             "so this transaction can never execute")
    if facts.vault_nonce is None:
        return Check("pass", f"nonce {facts.nonce} (the vault's nonce was not read)")
    return Check("pass", f"nonce {facts.nonce}, not yet used by the vault")


def check_decoding(policy: PolicyDocument, facts: DecisionFacts) -> Check:
    intent = facts.intent
    if (intent.target, intent.value, bytes(intent.data), int(intent.operation)) != (
            facts.to, facts.value, bytes(facts.data), facts.operation):
        return Check("deny", "the decoded intent does not come from the transaction's own to, value, data and "
                             "operation: the decision is made on the signed fields only (possible tampering)")
    problems = intent.all_problems()
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return Check("deny", "the transaction does not decode cleanly: " + "; ".join(problems[:3]) + more)
    return Check("pass", "decoded from the signed fields, with no problems")
