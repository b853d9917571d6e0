"""SECURITY I4 through the queue on a fresh demo profile: what the approval queue holds for a vault counts toward the
policy's velocity limits at the next proposal, on every desktop sharing the queue, before anything is executed.

The demo's client vault paid out 50,000 HKDH today, and its queue holds a 10,000 HKDH payout waiting for a second
signature, a 25,000 one ready to execute and an escalated 300,000 one (the 5,000 payout the officers rejected is
closed and no longer counts)."""

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
    assert len(live) == 3, [(e.state, e.intent_text) for e in live]
    small = queue.propose(payout(desk, 1_000), desk.names[DANA], DEMO_PASSWORD)
    verdicts = {v.id: v for v in small.check.decision.rules}
    assert small.check.decision.decision == "escalate"  # 50,000 sent + 335,000 queued + 1,000 > 200,000 a day
    assert "would reach HKD 386,000.00" in verdicts["small-hkdh-to-investors"].reason
    assert small.queued  # an escalated transfer is queued; it now counts for the others too
    ready = next(e for e in live if e.state == "ready")
    again = {v.id: v for v in queue.check_policy(ready.safe_tx_hash).decision.rules}
    # Decided again, the ready item counts the others and itself once: 50,000 + 336,000 queued in all.
    assert "would reach HKD 386,000.00" in again["small-hkdh-to-investors"].reason
