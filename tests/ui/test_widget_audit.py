"""E2: after every screen has rendered fixture data, no QLabel anywhere may interpret rich text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.ui.fakes import FakeNetwork, FakeProfile, FakeServices, builder, opener
from tests.ui.holdings_fakes import FakeHoldings, make_snapshot
from tests.ui.policy_fakes import NAMES, FakeChecker, FakePolicy, hostile_text, seed_decisions
from ui.main_window import MainWindow
from ui.session import WalletSession
from ui.tasks import TaskRunner

HOSTILE = '<a href="http://evil.invalid">Claim</a><img src="http://x.invalid/y.png"><b>USDC</b>'


def test_E2_every_label_on_every_screen_is_plain_text(qtbot: QtBot, runner: TaskRunner) -> None:
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    services = FakeServices(network=FakeNetwork(120), holdings=FakeHoldings(make_snapshot(120)))
    policy = FakePolicy(text=hostile_text())  # a rule description with markup and a right-to-left override
    checker = FakeChecker(policy)
    seed_decisions(checker)
    services.policy, services.policy_checker = policy, checker  # type: ignore[attr-defined]
    session = WalletSession(
        window=window, runner=runner, home=None, profile_name="demo",
        open_profile=opener(FakeProfile(names=dict.fromkeys(NAMES, HOSTILE))),
        build_services=builder(services),
        status_interval_ms=50,
    )
    window.show()
    with qtbot.waitSignal(window.holdings_page.sig_holdings_shown, timeout=5000):
        session.start()
    labels: list[QLabel] = []
    for index in range(window.pages.count()):
        if window.pages.widget(index) is window.policy_page:  # built and read when first shown
            page = window.policy_page
            with qtbot.waitSignals([page.sig_policy_shown, page.sig_decisions_shown], timeout=5000):
                window.pages.setCurrentIndex(index)
        else:
            window.pages.setCurrentIndex(index)
        qtbot.wait(20)
        labels += window.findChildren(QLabel)
    window.vaults_page.notice.setText(HOSTILE)  # a label fed from outside, at its worst
    assert labels
    rich = [f"{type(label).__name__} '{label.objectName()}': {label.text()[:40]!r}" for label in set(labels)
            if label.textFormat() != Qt.TextFormat.PlainText]
    assert rich == []
    assert all(not label.openExternalLinks() for label in labels)
    assert window.vaults_page.notice.text() == HOSTILE  # shown literally
    session.close()
