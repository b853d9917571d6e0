"""The cooling-off of new contacts on the Approvals page: the policy in force is read with the queue (SERIAL lane:
reading it may put a matured change in force), and the details of a selected open item say when each recipient that
a contact's cooling-off holds back opens (ui/models/cooling_off.py). When the policy cannot be read nothing is said
here; the review dialog shows the decision itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from ui.models.queue_propose import Verdict
    from ui.models.queue_rows import ItemRow
    from ui.queue_sources import QueueSources
    from ui.tasks import TaskRunner


class CoolingOffNotes(QObject):
    def __init__(self, page: QWidget, *, changed: Callable[[], None]) -> None:
        super().__init__(page)
        self._policy: Any = None  # the PolicyDocument in force, as last read
        self._changed = changed

    def reload(self, runner: TaskRunner, sources: QueueSources) -> None:
        if sources.load_policy is not None:
            (runner.command(sources.load_policy).with_owner(self).on_success(self._arrived)
             .on_failure(lambda _exc: self._arrived(None)).quietly().run())

    def _arrived(self, policy: Any) -> None:
        self._policy = policy
        self._changed()

    def openings(self, item: ItemRow, txs: Mapping[str, Any]) -> list[Verdict]:
        """When the recipients of an open item open, for those a contact's cooling-off holds back."""
        from ui.models.cooling_off import tx_openings
        from ui.models.queue_rows import OPEN

        if item.state not in OPEN or item.quarantined:
            return []
        return tx_openings(self._policy, txs.get(item.safe_tx_hash))
