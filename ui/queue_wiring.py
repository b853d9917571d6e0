"""Wires the Approvals page and the queue notifier to the core's services: called by the session once they are built,
never in the investor view (every action there signs with the profile's keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import shiboken6

from ui.notifications import DEFAULT_INTERVAL_MS, DesktopNotice, QueueNotifier, approvals_tab_text
from ui.queue_sources import QueueSources, sources_from_services
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ui.pages.approvals_page import ApprovalsPage


def attach_queue(window: Any, services: Any, runner: TaskRunner, *,
                 interval_ms: int = DEFAULT_INTERVAL_MS) -> QueueNotifier | None:
    """Give the Approvals page its services and start the notifier (the session calls it; never in the investor
    view). Returns None when the services have no queue."""
    queue = getattr(services, "queue", None)
    if queue is None or getattr(window, "investor_view", False):
        return None
    page: ApprovalsPage = window.approvals_page
    sources: QueueSources = sources_from_services(services)
    from ui.dialogs.offline_answer import offline_sources

    page.offline.attach(offline_sources(services))  # sign requests for owners whose keys are on offline machines
    from ui.account_sources import account_sources

    page.accounts.attach(account_sources(services))  # account vaults (a cold vault): their queue and ceremony
    page.attach(queue, runner, sources)
    page.attach_messages(getattr(services, "messages", None), proofs=getattr(services, "proofs", None),
                         audit=getattr(services, "audit", None))  # Safe messages beside the transactions

    def open_approvals() -> None:
        if shiboken6.isValid(window):
            window.showNormal()
            window.raise_()
            window.activateWindow()
            window.pages.setCurrentWidget(page)

    def show_count(count: int) -> None:
        if shiboken6.isValid(window) and shiboken6.isValid(page):
            index = window.pages.indexOf(page)
            if index >= 0:
                window.pages.setTabText(index, approvals_tab_text(count))

    existing = getattr(window, "queue_notifier", None)
    if isinstance(existing, QueueNotifier):
        existing.stop()
        existing.deleteLater()
    notifier = QueueNotifier(runner=runner, load=queue.load, load_keys=sources.load_keys,
                             load_names=sources.load_names, notify=DesktopNotice(window, open_approvals),
                             interval_ms=interval_ms, parent=window)
    notifier.sig_attention_changed.connect(show_count)
    notifier.sig_queue_changed.connect(page.reload_if_shown)
    window.queue_notifier = page.notifier = notifier
    notifier.start()
    return notifier

