"""The Holdings page's "Storage tiers" tab: the storage-tier report (`custos storage report`) for the block the
holdings show, read when the tab is on screen.

Reading it asks the policy in force and the client vaults' holdings at that block, so it runs on the parallel lane
with the rows prepared there too (`prepare_storage`); a newer block supersedes an older read (one task key). The tab
is there only when the session attaches a report reader (not in the investor view). Viewing writes nothing; the
audit log records the reports made with `custos storage report`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QTabWidget

from ui.errors import one_line
from ui.models.storage_rows import PreparedStorage, prepare_storage
from ui.tasks import TaskRunner
from ui.widgets.storage_tiers import StorageTiersView

if TYPE_CHECKING:
    from wallet_app.holdings.storage_report import StorageReport

FetchReport = Callable[[int | None], "StorageReport"]  # the report at a block (None: the latest)
TAB_TEXT = "Storage tiers"


def storage_report_reader(policy: Any, holdings: Any) -> FetchReport:
    """The report reader the session gives the page: the policy in force (`PolicyService`) over the holdings of its
    client vaults at a block (`HoldingsService`); run on a worker lane."""

    def read(block: int | None) -> StorageReport:
        from wallet_app.holdings.storage_report import fetch_storage_report

        return fetch_storage_report(policy=policy, holdings=holdings, block=block)

    return read


class StorageTiersTab:
    def __init__(self, tabs: QTabWidget) -> None:
        self.view = StorageTiersView()
        self._tabs = tabs
        self.index = tabs.addTab(self.view, TAB_TEXT)
        tabs.setTabToolTip(self.index, "The client assets in hot, warm and cold vaults at the shown block, against "
                                       "the policy's cold-storage threshold")
        tabs.setTabVisible(self.index, False)
        tabs.currentChanged.connect(lambda _index: self.follow())
        self._fetch: FetchReport | None = None
        self._runner: TaskRunner | None = None
        self._block: int | None = None  # the block the holdings show
        self._asked: int | None = None  # the block last read (or being read)

    def attach(self, fetch: FetchReport, runner: TaskRunner) -> None:
        self._fetch, self._runner = fetch, runner
        self._tabs.setTabVisible(self.index, True)
        self.follow()

    def detach(self) -> None:
        self._fetch = None

    @property
    def on_screen(self) -> bool:
        return self._tabs.currentWidget() is self.view and self._tabs.isTabVisible(self.index)

    def show_block(self, block: int) -> None:
        """The holdings now show `block`: read the report there if the tab is on screen (else when it is shown)."""
        self._block = block
        self.follow()

    def refresh(self) -> None:
        """Read again at the next block shown, even if it is the same block (the policy may have changed)."""
        self._asked = None

    def follow(self) -> None:
        fetch, runner, block = self._fetch, self._runner, self._block
        if fetch is None or runner is None or runner.is_shut_down or block is None or not self.on_screen:
            return
        if block == self._asked:
            return
        self._asked = block

        def read_and_prepare() -> PreparedStorage:
            return prepare_storage(fetch(block))

        if self.view.prepared is None:
            self.view.show_message(f"Reading the storage tiers at block {block:,}…")
        (
            runner.query(read_and_prepare)
            .with_key((id(self), "storage tiers"))
            .with_owner(self.view)
            .on_success(self.view.show_storage)
            .on_failure(lambda exc: self._failed(block, exc))
            .quietly()
            .run()
        )

    def _failed(self, block: int, exc: BaseException) -> None:
        if self._asked == block:
            self._asked = None  # try again with the next block or when the tab is shown again
        self.view.show_message(f"No storage report for block {block:,}: {one_line(exc)}")
