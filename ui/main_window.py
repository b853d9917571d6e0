"""The main window: demo banner, the Vaults and Keys pages in tabs, and the chain status bar. Only areas that work
are shown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from ui.pages.approvals_page import ApprovalsPage
from ui.pages.audit_page import AuditPage
from ui.pages.counterparties_page import CounterpartiesPage
from ui.pages.history_page import HistoryPage
from ui.pages.holdings_page import HoldingsPage
from ui.pages.keys_page import KeysPage
from ui.pages.policy_page import PolicyPage
from ui.pages.proofs_page import ProofsPage
from ui.pages.vaults_page import VaultsPage
from ui.plain_text import reveal_invisible
from ui.widgets.chain_status_bar import ChainStatusBar
from ui.widgets.demo_banner import DemoBanner
from wallet_app.domain.network import ChainStatus, ConnectionState, NetworkPreset
from wallet_app.domain.vaults import VaultInfo


class ProfileView(Protocol):
    """The parts of `wallet_app.profiles.Profile` the window shows."""

    @property
    def name(self) -> str: ...
    @property
    def is_demo(self) -> bool: ...
    @property
    def preset(self) -> NetworkPreset: ...
    @property
    def allows_quorum_on_device(self) -> bool: ...


class SnapshotView(Protocol):
    """The parts of the saved vault snapshot (`VaultSnapshot`) the window shows."""

    @property
    def vaults(self) -> Sequence[VaultInfo]: ...
    @property
    def block_number(self) -> int: ...
    @property
    def fetched_at(self) -> datetime: ...


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class MainWindow(QMainWindow):
    sig_refresh_requested = Signal()
    """The person asked to refresh (menu or F5)."""

    def __init__(self, *, profile_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._profile_name = reveal_invisible(profile_name, max_length=60)
        self.setWindowTitle(f"Custos — {self._profile_name}")
        self.banner = DemoBanner()
        self.banner.hide()
        self.vaults_page = VaultsPage()
        self.keys_page = KeysPage()
        self.holdings_page = HoldingsPage()
        self.history_page = HistoryPage()
        self.policy_page = PolicyPage()  # its widgets are built when it is first shown
        self.audit_page = AuditPage()  # likewise
        self.approvals_page = ApprovalsPage()  # likewise
        self.counterparties_page = CounterpartiesPage()  # likewise
        self.proofs_page = ProofsPage()
        self.pages = QTabWidget()
        self.pages.setObjectName("pages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.vaults_page, "&Vaults")
        self.pages.addTab(self.keys_page, "&Keys")
        self.pages.setTabToolTip(0, "The profile's Safe vaults and their owners")
        self.pages.addTab(self.holdings_page, "&Holdings")
        self.pages.setTabToolTip(1, "The profile's keys: create, import, unlock, lock, back up")
        self.pages.setTabToolTip(2, "What every account holds: balances, prices, HKD values, compliance, totals")
        self.pages.addTab(self.history_page, "Histor&y")
        self.pages.setTabToolTip(3, "One account's token transfers in and out, newest first")
        self.pages.addTab(self.policy_page, "&Policy")
        self.pages.setTabToolTip(4, "The policy in force, its drafts, checking a transaction, recent decisions")
        self.pages.setTabToolTip(self.pages.addTab(self.counterparties_page, "&Counterparties"),
                                 "Counterparty records for the Travel Rule, their addresses and proofs of ownership")
        self.pages.setTabToolTip(self.pages.addTab(self.audit_page, "&Audit"),
                                 "Every action in this profile, hash-chained: filter it, verify it, export it")
        self.pages.setTabToolTip(self.pages.insertTab(4, self.approvals_page, "Appr&ovals"),
                                 "The approval queue: propose, review, approve, reject and execute transactions")
        self.pages.setTabToolTip(self.pages.insertTab(4, self.proofs_page, "P&roofs"),
                                 "Prove a holding or an account's statement; check any proof bundle, with no key")
        self.holdings_page.sig_accounts_shown.connect(self.history_page.set_accounts)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.chain_status = ChainStatusBar()
        self.setStatusBar(self.chain_status)
        self._cached_block: int | None = None
        self._live = False
        self._problem: str | None = None  # why the node is not usable right now, if it is not
        self._ownership: tuple[tuple[str, str, tuple[str, ...]], ...] | None = None
        self._build_menus()
        self.resize(1180, 760)
        self.vaults_page.show_message(f"Opening profile “{self._profile_name}”…")
        self.investor_view = False

    def enter_investor_view(self, accounts: list[str] | None) -> None:
        """Holdings and history only, for the chosen accounts, with no key action anywhere on screen (investors,
        auditors). Exporting a holding statement stays: it signs nothing and needs no key."""
        self.investor_view = True
        for page in (self.keys_page, self.vaults_page, self.policy_page, self.audit_page, self.approvals_page,
                     self.counterparties_page):
            self.pages.removeTab(self.pages.indexOf(page))
            page.hide()
        self.lock_all_action.setVisible(False)
        self.lock_all_action.setEnabled(False)
        self.holdings_page.show_only_accounts(accounts)
        self.history_page.show_only_accounts(accounts)
        self.proofs_page.set_investor_view()  # checking only
        self.setWindowTitle(f"Custos — {self._profile_name} — investor view")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.setStatusTip("Read the vaults and the chain status again")
        self.refresh_action.triggered.connect(self.sig_refresh_requested)
        file_menu.addAction(self.refresh_action)
        self.lock_all_action = QAction("&Lock all keys now", self)
        self.lock_all_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_all_action.setStatusTip("Lock every unlocked key at once")
        self.lock_all_action.triggered.connect(self.keys_page.lock_all)
        file_menu.addAction(self.lock_all_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About Custos", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _about(self) -> None:
        from wallet_app import __version__

        QMessageBox.about(
            self,
            "About Custos",
            f"Custos {__version__}\n\nDesktop custody wallet for Safe vaults on EVM chains.",
        )

    # -- what the session tells it --------------------------------------------------------------------------
    def show_profile(self, profile: ProfileView) -> None:
        self._profile_name = reveal_invisible(profile.name, max_length=60)
        self.setWindowTitle(f"Custos — {self._profile_name}")
        self.banner.setVisible(bool(profile.is_demo))
        self.keys_page.set_quorum_allowed(bool(profile.allows_quorum_on_device))
        preset = profile.preset
        self.vaults_page.set_native_unit(preset.native_symbol, preset.native_decimals)
        self.chain_status.show_network(preset.name, preset.chain_id)
        self.chain_status.show_state(ConnectionState.CONNECTING)
        self.vaults_page.show_message("Connecting to the network…")

    def show_cached(self, snapshot: SnapshotView) -> None:
        """Paint the vaults saved at the last refresh, clearly marked as not live."""
        if self._live:
            return  # live data arrived first; never go back to older data
        self._cached_block = snapshot.block_number
        self.vaults_page.show_vaults(snapshot.vaults, stale=True)
        self.policy_page.set_vaults(snapshot.vaults)
        self.approvals_page.set_vaults(snapshot.vaults)
        self.vaults_page.set_notice(
            f"Saved data as of block {snapshot.block_number:,} (read {_when(snapshot.fetched_at)}), refreshing…"
        )
        self.chain_status.show_source(cached_block=snapshot.block_number)

    def show_live(self, vaults: Sequence[VaultInfo], block_number: int | None) -> None:
        ownership = tuple((v.address, v.label, tuple(v.owners)) for v in vaults)
        if ownership != self._ownership:
            self._ownership = ownership
            self.keys_page.reload()  # which vaults each key owns may have changed
        self._live = True
        self._cached_block = block_number
        self.vaults_page.show_vaults(vaults, stale=False)
        self.policy_page.set_vaults(vaults)
        self.approvals_page.set_vaults(vaults)
        self.vaults_page.set_notice("")
        self.chain_status.show_source(live=True)
        if self._problem is not None:  # read just before the node went away: say it is not being refreshed
            self._show_not_refreshed(self._problem)

    def show_status(self, status: ChainStatus) -> None:
        self.chain_status.show_status(status)
        if status.state is ConnectionState.CONNECTED:
            self._problem = None
            if self._live:
                self.vaults_page.set_notice("")
                self.chain_status.show_source(live=True)
        else:
            self._problem = status.message or "the node does not answer"
            self._show_not_refreshed(self._problem)

    def show_failure(self, message: str) -> None:
        """Opening the profile or connecting failed: the window stays usable and says why."""
        self.chain_status.show_state(ConnectionState.DISCONNECTED, message)
        self._problem = message
        self._show_not_refreshed(message)
        if not self.keys_page.attached:
            self.keys_page.show_message(f"The keys are not available. {reveal_invisible(message, max_length=160)}")

    def show_refresh_failed(self, message: str) -> None:
        """Reading the vaults failed while the status may still say connected."""
        self._show_not_refreshed(message)

    def _show_not_refreshed(self, message: str) -> None:
        reason = reveal_invisible(message, max_length=160)
        self.holdings_page.show_not_refreshed(reason)
        if self.vaults_page.model.rowCount() == 0:
            self.vaults_page.show_message(f"No vault data to show. {reason}")
            return
        kind = "Saved data" if self.vaults_page.model.stale else "Data"
        as_of = f" as of block {self._cached_block:,}" if self._cached_block is not None else ""
        self.vaults_page.set_notice(f"{kind}{as_of}, not refreshed: {reason}")
        self.chain_status.show_source(cached_block=self._cached_block)
