"""SECURITY I4 through the queue on a fresh demo profile: what the approval queue holds for a vault counts toward the
policy's velocity limits at the next proposal, on every desktop sharing the queue, before anything is executed."""

from __future__ import annotations

from tests.integration.test_cli_demo import demo_home  # noqa: F401  (module fixture: this module's own demo)
from tests.integration.test_policy_recheck_demo import (  # noqa: F401  (fixtures)
    CLIENT_VAULT,
    DANA,
    HKDH,
    KOWLOON,
    Desk,
    desk,
    fresh_demo,
)
from wallet_app.demo.institution import HKD
from wallet_app.demo.setup import DEMO_PASSWORD
from wallet_app.domain.abi import build_call
from wallet_app.policy.check_request import CheckRequest


def payout(desk: Desk, amount: int) -> CheckRequest:
    data = build_call("transfer(address,uint256)", desk.names[KOWLOON], amount * HKD)
    return CheckRequest(safe=desk.names[CLIENT_VAULT], to=desk.names[HKDH], data=data)


def test_I4_queued_payouts_count_toward_the_daily_limit_of_the_next_proposal(desk: Desk) -> None:
    queue = desk.services.queue
    hashes = []
    # The demo vault paid out 50,000 HKDH today; 3 x 45,000 HKDH queued: each allowed by the small-payout rule.
    for _ in range(3):
        proposed = queue.propose(payout(desk, 45_000), desk.names[DANA], DEMO_PASSWORD)
        assert proposed.queued and proposed.check.decision.decision == "allow", proposed.check.decision.reasons
        hashes.append(proposed.entry.safe_tx_hash if proposed.entry else "")
    assert len(set(hashes)) == 3 and [e.item.nonce for e in queue.load()] == sorted(e.item.nonce for e in queue.load())
    again = queue.check_policy(hashes[0])  # decided again at approval: it does not count itself twice
    assert again.decision.decision == "allow", again.decision.reasons
    fourth = queue.propose(payout(desk, 20_000), desk.names[DANA], DEMO_PASSWORD)
    verdicts = {v.id: v for v in fourth.check.decision.rules}
    assert fourth.check.decision.decision == "escalate"  # 50,000 + 135,000 + 20,000 > 200,000 in 24 hours
    assert "would reach HKD 205,000.00" in verdicts["small-hkdh-to-investors"].reason
    assert fourth.queued  # an escalated transfer is queued; it now counts for the others too
    assert queue.check_policy(hashes[0]).decision.decision == "escalate"
