"""The queue's refusals: nothing changed when one is raised."""

from __future__ import annotations

from wallet_app.errors import WalletError
from wallet_app.policy.checker import CheckResult


class QueueError(WalletError):
    """The queue refused the action; nothing changed."""

    code = "queue"


class PolicyDenied(QueueError):
    code = "policy_denied"

    def __init__(self, user_message: str, result: CheckResult) -> None:
        super().__init__(user_message)
        self.result = result
