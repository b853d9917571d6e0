"""Queue notifications on a real demo profile (a copy of `custos demo init`): while the window is open the queue is
read every interval, and a proposal or approval made on another desktop (another QueueService on the same database,
as colleagues sharing a queue are) shows a notification when an item newly needs one of this profile's keys or
became ready to execute; without a system tray (the offscreen platform has none) it is a plain-text notice above the
tabs that opens the Approvals tab, whose title counts what waits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from tests.ui.queue_demo import CARMEN, CLIENT_VAULT, Demo, open_demo, second_desktop
from ui.main_window import MainWindow
from ui.notifications import DesktopNotice, QueueNotifier
from ui.queue_sources import sources_from_services
from ui.queue_wiring import attach_queue
from ui.tasks import TaskRunner

WAIT = 20_000
HOSTILE = '<a href="http://evil.invalid">Claim</a><img src="http://x.invalid/y.png">\u202e'


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with open_demo(tmp_path_factory.mktemp("queue-notifications")) as opened:
        yield opened


def start_notifier(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> tuple[QueueNotifier, list[tuple[str, str]]]:
    said: list[tuple[str, str]] = []
    notifier = QueueNotifier(runner=runner, load=demo.services.queue.load, load_keys=demo.services.keys.load_keys,
                             load_names=sources_from_services(demo.services).load_names,
                             notify=lambda title, text: said.append((title, text)), interval_ms=100)
    with qtbot.waitSignal(notifier.sig_polled, timeout=WAIT):  # the first read is the baseline
        notifier.start()
    return notifier, said


def test_a_proposal_made_on_another_desktop_is_notified_once(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    notifier, said = start_notifier(qtbot, runner, demo)
    assert said and said[0][0] == "Approval queue" and " need your signature" in said[0][1]  # what already waits
    said.clear()
    # A desktop whose keys no transaction wants (an auditor's, say) polls the same queue and says nothing.
    unwanted: list[tuple[str, str]] = []
    bystander = QueueNotifier(runner=runner, load=demo.services.queue.load, load_keys=list,
                              notify=lambda title, text: unwanted.append((title, text)), interval_ms=100)
    counts: list[int] = []
    bystander.sig_attention_changed.connect(counts.append)
    with qtbot.waitSignal(bystander.sig_polled, timeout=WAIT):
        bystander.start()
    with second_desktop(demo) as colleague, qtbot.waitSignals([notifier.sig_notified, bystander.sig_queue_changed],
                                                               timeout=WAIT):
        entry = demo.propose(queue=colleague, units=777 * 10**6)  # Dana, on her own desktop
    assert len(said) == 1
    title, text = said[0]
    assert unwanted == [] and counts == [0]
    bystander.stop()
    assert title == "Needs your signature"
    assert text.startswith("transfer 777.00 HKDH from Harbour client vault to Kowloon Pension Trust")
    assert text.endswith(f"({CLIENT_VAULT}, nonce {entry.item.nonce}; for Alice Chan (officer), Ben Wong (officer), "
                         "Carmen Lee (offline signer))")
    with qtbot.waitSignal(notifier.sig_polled, timeout=WAIT):
        pass
    with qtbot.waitSignal(notifier.sig_polled, timeout=WAIT):
        pass
    assert said == [(title, text)]  # once, not at every read
    notifier.stop()


def test_an_item_that_became_ready_to_execute_is_notified(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    vault = next(v for v in demo.services.vaults.fetch_vaults() if v.address == demo[CLIENT_VAULT])
    entry = next(e for e in demo.services.queue.load(vault.address)
                 if e.item.nonce == vault.nonce and e.state == "approving")
    notifier, said = start_notifier(qtbot, runner, demo)
    said.clear()
    with second_desktop(demo) as colleague, qtbot.waitSignal(notifier.sig_notified, timeout=WAIT) as notified:
        demo.approve(entry, CARMEN, queue=colleague)
    assert notified.args[0] == "Ready to execute"
    assert f"({CLIENT_VAULT}, nonce {entry.item.nonce})" in notified.args[1]
    notifier.stop()


def test_without_a_tray_the_notice_is_in_the_window_and_opens_the_approvals_tab(qtbot: QtBot, runner: TaskRunner,
                                                                               demo: Demo) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # the offscreen platform has none
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    window.show()
    notifier = attach_queue(window, demo.services, runner, interval_ms=100)
    assert notifier is not None and window.approvals_page.notifier is notifier
    index = window.pages.indexOf(window.approvals_page)
    qtbot.waitUntil(lambda: window.pages.tabText(index).startswith("Appr&ovals ("), timeout=WAIT)
    waiting = len({e.safe_tx_hash for e in demo.services.queue.load() if e.state in ("proposed", "approving")})
    assert waiting and window.pages.tabText(index) != "Appr&ovals"
    bar = notifier._notify.bar  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bar is not None and bar.isVisible(), timeout=WAIT)
    assert bar.text.textFormat() == Qt.TextFormat.PlainText
    assert bar.text.text().startswith("Approval queue: ")
    notice = notifier._notify  # type: ignore[attr-defined]
    assert isinstance(notice, DesktopNotice)
    notice("Needs your signature", HOSTILE)  # untrusted intent text, at its worst
    assert bar.text.text().startswith('Needs your signature: <a href="http://evil.invalid">Claim</a><img src=')
    assert "<U+202E>" in bar.text.text() and "(+1 earlier)" in bar.text.text()
    assert window.pages.currentWidget() is not window.approvals_page
    bar.open_button.click()
    assert window.pages.currentWidget() is window.approvals_page and not bar.isVisible()
    notifier.stop()
    window.approvals_page.detach()
    assert not notifier.active
