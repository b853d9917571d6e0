"""The offline signer's window: the offline banner above the tabs on every screen, and the tabs Sign, Vaults, Cold
vaults, Keys, Policy and Audit. It never shows holdings, approvals or anything else that needs a chain; the session
gives it the signer once the profile is open (ui/offline/session.py)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from ui.offline import work
from ui.offline.banner import OfflineBanner
from ui.offline.cold_page import ColdVaultsPage
from ui.offline.keys_tab import OfflineKeysTab
from ui.offline.policy_page import OfflinePolicyPage
from ui.offline.sign_page import SignPage
from ui.offline.vaults_page import OfflineVaultsPage
from ui.pages.audit_page import AuditPage
from ui.plain_text import reveal_invisible
from ui.tasks import TaskRunner
from ui.widgets.demo_banner import DemoBanner
from ui.widgets.plain_label import PlainLabel


class OfflineSignerWindow(QMainWindow):
    def __init__(self, *, profile_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineSignerWindow")
        self._profile_name = reveal_invisible(profile_name, max_length=60)
        self.setWindowTitle(f"Custos offline signer — {self._profile_name}")
        self.banner = OfflineBanner()
        self.demo_banner = DemoBanner()
        self.demo_banner.hide()
        self.sign_page = SignPage()
        self.vaults_page = OfflineVaultsPage()
        self.cold_page = ColdVaultsPage()
        self.keys_tab = OfflineKeysTab()
        self.policy_page = OfflinePolicyPage()
        self.audit_page = AuditPage()  # built and read when first shown
        self.pages = QTabWidget()
        self.pages.setObjectName("offlinePages")
        self.pages.setDocumentMode(True)
        for page, title, tip in (
            (self.sign_page, "&Sign", "Read a sign request, review it on this signer, confirm the hash and sign"),
            (self.vaults_page, "&Vaults", "The vaults anchored on this signer, and anchoring one"),
            (self.cold_page, "&Cold vaults", "Cold vaults whose key only officers' shares rebuild, and the key "
                                             "ceremony that makes one"),
            (self.keys_tab, "&Keys", "This signer's keys, and showing one's account for pairing"),
            (self.policy_page, "&Policy", "The policy in force here, and importing a policy bundle"),
            (self.audit_page, "&Audit", "Everything done on this signer, hash-chained: filter, verify, export"),
        ):
            self.pages.setTabToolTip(self.pages.addTab(page, title), tip)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.profile_status = PlainLabel()
        self.profile_status.setObjectName("offlineProfileStatus")
        self.statusBar().addWidget(self.profile_status, 1)
        self.profile_status.setText(f"Profile “{self._profile_name}” · opening…")
        self._build_menus()
        self.context: work.SignerContext | None = None
        self.resize(1280, 860)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.read_action = QAction("&Read a request…", self)
        self.read_action.setShortcut(QKeySequence.StandardKey.Open)
        self.read_action.triggered.connect(self._read_request)
        file_menu.addAction(self.read_action)
        self.lock_all_action = QAction("&Lock all keys now", self)
        self.lock_all_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_all_action.triggered.connect(self.keys_tab.keys_page.lock_all)
        file_menu.addAction(self.lock_all_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        about = QAction("&About Custos", self)
        about.triggered.connect(self._about)
        self.menuBar().addMenu("&Help").addAction(about)

    def _read_request(self) -> None:
        self.pages.setCurrentWidget(self.sign_page)
        self.sign_page.read_request()

    def _about(self) -> None:
        from wallet_app import __version__

        QMessageBox.about(self, "About Custos", f"Custos {__version__}\n\nOffline signer: reviews and signs Safe "
                          "transactions on a computer that never connects to a network.")

    # -- what the session tells it --------------------------------------------------------------------------------
    def attach(self, context: work.SignerContext, runner: TaskRunner) -> None:
        self.context = context
        self._profile_name = reveal_invisible(context.name, max_length=60)
        self.setWindowTitle(f"Custos offline signer — {self._profile_name}")
        self.demo_banner.setVisible(context.is_demo)
        self.profile_status.setText(f"Profile “{self._profile_name}” · signs for {context.network} (chain id "
                                    f"{context.chain_id}) · no chain client, no network connection")
        self.sign_page.attach(context, runner)
        self.vaults_page.attach(context, runner)
        self.cold_page.attach(context, runner)
        self.keys_tab.attach(context, runner)
        self.policy_page.attach(context, runner)
        self.audit_page.attach(context.signer.audit, runner)

    def detach(self) -> None:
        self.context = None
        self.sign_page.detach()
        self.vaults_page.detach()
        self.cold_page.detach()
        self.keys_tab.detach()
        self.policy_page.detach()
        self.audit_page.detach()

    def show_failure(self, text: str) -> None:
        shown = reveal_invisible(text, max_length=600)
        self.sign_page.show_message(f"The offline signer could not be opened. {shown}")
        self.profile_status.setText(f"Profile “{self._profile_name}” · not opened")
