"""The core's Safe message queue as the Approvals page and the message review dialog see it (a protocol, so that
tests can hand in their own). Every call may block (database, chain, scrypt): they run on worker lanes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class MessageQueueLike(Protocol):
    """The parts of `wallet_app.queue.message_service.MessageQueue` the page and its dialog use."""

    def load(self, safe: str | None = None) -> Sequence[Any]: ...
    def entry(self, message_hash: str) -> Any: ...
    def approve(self, message_hash: str, key: str, password: str) -> Any: ...
