"""The demo's approval queue (kept small: what it holds counts toward the client vault's daily limit, so routine
payouts stay routine): what the Approvals page shows on a fresh demo, each item proposed by Dana Ho and approved
by the officers through the same `QueueService` calls a desktop makes (policy checked, signatures journaled, audit
entries signed).

- a routine 10,000 HKDH payout to Kowloon Pension Trust, approved by Alice: 1 valid signature of 2, waiting;
- a 25,000 HKDH payout to Lion Rock Family Office, approved by Alice and Ben: ready to execute;
- a 5,000 HKDH payout to Lion Rock Family Office that the officers rejected: a rejection at its nonce, approved by
  Alice and Ben and executed, so the payout is `rejected` and the rejection `final`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wallet_app.demo.institution import HKD, DemoInstitution, DemoPeople, Person
from wallet_app.domain.abi import build_call
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.policy.check_request import CheckRequest
from wallet_app.queue.service import QueueService


def _signer(person: Person) -> KeystoreSigner:
    return KeystoreSigner(address=person.address, private_key=person.key)


def seed_demo_queue(queue: QueueService, demo: DemoInstitution, people: DemoPeople,
                    travel_rule: Callable[[str, str], dict[str, Any]]) -> dict[str, str]:
    """Queue the demo's items, each with its Travel Rule record (`travel_rule(vault, recipient)`); returns {what:
    safeTxHash}."""
    hkdh = next(t.address for t in demo.tokens if t.symbol == "HKDH")
    vault = demo.vaults["Harbour client vault"]
    kowloon, lion_rock = people.investors[0].address, people.investors[1].address
    dana = _signer(people.operations)
    alice, ben = _signer(people.officers[0]), _signer(people.officers[1])

    def propose(recipient: str, amount: int) -> str:
        data = build_call("transfer(address,uint256)", recipient, amount * HKD)
        result = queue.propose_with(CheckRequest(safe=vault, to=hkdh, data=data), dana,
                                    travel_rule=travel_rule(vault, recipient))
        if result.entry is None:
            raise RuntimeError(f"the demo policy denied a demo payout: {result.check.decision.reasons}")
        return result.entry.safe_tx_hash

    rejected = propose(lion_rock, 5_000)
    rejection = queue.reject_with(rejected, dana).safe_tx_hash  # Dana queues it: the policy never counts a proposer
    queue.approve_with(rejection, alice)
    queue.approve_with(rejection, ben)
    queue.execute_with(rejection, alice)  # Alice pays the gas; the payout at that nonce becomes `rejected`
    waiting = propose(kowloon, 10_000)
    queue.approve_with(waiting, alice)
    ready = propose(lion_rock, 25_000)
    queue.approve_with(ready, alice)
    queue.approve_with(ready, ben)
    return {"rejected": rejected, "rejection": rejection, "waiting": waiting, "ready": ready}
