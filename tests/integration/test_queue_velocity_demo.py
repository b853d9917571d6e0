"""SECURITY I4 through the queue on a fresh demo profile: what the approval queue holds for a vault counts toward the
policy's velocity limits at the next proposal, on every desktop sharing the queue, before anything is executed.

The demo's client vault paid out 50,000 HKDH today, and its queue holds a 10,000 HKDH payout waiting for a second
signature and a 25,000 one ready to execute (the 5,000 payout the officers rejected is closed and no longer
counts): 85,000 of the small-payout rule's 200,000 a day."""

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
    live = [e for e in queue.load() if e.item.safe == desk.names[CLIENT_VAULT] and e.state in (
        "proposed", "approving", "ready")]
    assert sorted(e.state for e in live) == ["approving", "ready"], [(e.state, e.intent_text) for e in live]
    first = queue.propose(payout(desk, 45_000), desk.names[DANA], DEMO_PASSWORD)
    second = queue.propose(payout(desk, 45_001), desk.names[DANA], DEMO_PASSWORD)
    for proposed in (first, second):  # 85,000 + 45,000 + 45,001: still within 200,000
        assert proposed.queued and proposed.check.decision.decision == "allow", proposed.check.decision.reasons
    assert first.entry is not None
    # Decided again at approval, the first counts the others and itself once: still allowed.
    assert queue.check_policy(first.entry.safe_tx_hash).decision.decision == "allow"
    third = queue.propose(payout(desk, 45_002), desk.names[DANA], DEMO_PASSWORD)
    verdicts = {v.id: v for v in third.check.decision.rules}
    assert third.check.decision.decision == "escalate"  # 50,000 sent + 125,001 queued + 45,002 > 200,000 a day
    assert "would reach HKD 220,003.00" in verdicts["small-hkdh-to-investors"].reason
    assert third.queued  # an escalated transfer is queued; it now counts for the others too
    assert queue.check_policy(first.entry.safe_tx_hash).decision.decision == "escalate"
