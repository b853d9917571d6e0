"""The main window driven by the session, with fake profile and services of the core's exact shapes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.ui.fakes import (
    DEVNET,
    OPERATIONS,
    OWNERS,
    TREASURY,
    FakeNetwork,
    FakePeek,
    FakeProfile,
    FakeServices,
    FakeSnapshot,
    FakeVaults,
    RecordingPresenter,
    builder,
    make_vaults,
    opener,
)
from ui.main_window import MainWindow
from ui.models.vaults_model import VaultColumn
from ui.session import WalletSession
from ui.tasks import TaskRunner
from ui.widgets.demo_banner import DEMO_TEXT
from wallet_app.domain.network import ConnectionState
from wallet_app.errors import (
    ChainIdMismatch,
    DevnetBusy,
    DevnetCorrupt,
    NodeUnreachable,
    ProfileNotFound,
    SchemaTooNew,
    WalletError,
)


@dataclass
class Rig:
    window: MainWindow
    session: WalletSession
    runner: TaskRunner
    presenter: RecordingPresenter

    def text(self, label: QLabel) -> str:
        return label.text() if label.isVisible() else ""


@pytest.fixture
def rig(qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter) -> Iterator[Callable[..., Rig]]:
    def make(
        profile: FakeProfile | None = None,
        services: FakeServices | None = None,
        *,
        open_error: WalletError | None = None,
        build_error: WalletError | None = None,
        interval_ms: int = 3000,
    ) -> Rig:
        window = MainWindow(profile_name="demo")
        qtbot.addWidget(window)
        session = WalletSession(
            window=window,
            runner=runner,
            home=None,
            profile_name="demo",
            open_profile=opener(profile or FakeProfile(), open_error),
            build_services=builder(services or FakeServices(), build_error),
            status_interval_ms=interval_ms,
            parent=window,
        )
        window.show()
        qtbot.waitExposed(window)
        sessions.append(session)
        return Rig(window, session, runner, presenter)

    sessions: list[WalletSession] = []
    yield make
    for session in sessions:
        session.close()


def labels_of(rig: Rig) -> list[str]:
    model = rig.window.vaults_page.model
    return [model.data(model.index(r, VaultColumn.LABEL)) for r in range(model.rowCount())]


def test_cached_snapshot_is_painted_first_then_live_vaults(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    gate = threading.Event()
    profile = FakeProfile(snapshot=FakeSnapshot(make_vaults(100, nonce=2), 100))
    r = rig(profile, FakeServices(FakeVaults(make_vaults(120, nonce=3), gate=gate)))
    page, bar = r.window.vaults_page, r.window.chain_status
    with qtbot.waitSignal(r.session.sig_snapshot_shown, timeout=3000):
        r.session.start()
    assert labels_of(r) == ["Treasury", "Operations"]
    assert page.model.stale
    assert "as of block 100" in page.notice.text() and "refreshing" in page.notice.text()
    assert page.notice.isVisible()
    assert bar.source_label.text() == "Cached as of block 100"
    assert page.model.data(page.model.index(0, VaultColumn.NONCE)) == "2"

    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        gate.set()
    assert not page.model.stale
    assert not page.notice.isVisible()
    assert page.model.data(page.model.index(0, VaultColumn.NONCE)) == "3"
    assert bar.source_label.text() == "Live data"
    assert r.presenter.calls == []


def test_status_bar_shows_network_chain_id_block_and_state(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    r = rig(services=FakeServices(network=FakeNetwork(block=1_234_567)))
    statuses: list[object] = []
    r.session.sig_status_shown.connect(statuses.append)
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    assert [s.block_number for s in statuses] == [1_234_567]
    bar = r.window.chain_status
    assert bar.network_label.text() == DEVNET.name
    assert bar.chain_id_label.text() == f"Chain ID {DEVNET.chain_id}"
    assert bar.block_label.text() == "Block 1,234,567"
    assert bar.state_label.text() == "Connected"
    assert bar.dot.state is ConnectionState.CONNECTED
    assert bar.dot.colour() != bar.dot.palette().color(bar.dot.palette().ColorRole.PlaceholderText)


def test_owners_of_the_selected_vault_are_shown_in_full_and_copyable(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    r = rig()
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    page = r.window.vaults_page
    assert page.selected_vault() is not None and page.selected_vault().address == TREASURY
    assert page.owners_model.owners() == list(OWNERS)
    with qtbot.waitSignal(page.sig_vault_selected):
        page.select_row(1)
    assert page.details_address.address() == OPERATIONS
    assert page.owners_model.owners() == list(OWNERS[:2])
    assert page.details_threshold.text() == "1 of 2 owners must sign a transaction"
    owner_font = page.owners_model.data(page.owners_model.index(0, 0), Qt.ItemDataRole.FontRole)
    assert owner_font.styleHint() == owner_font.StyleHint.Monospace
    page.owners_view.setCurrentIndex(page.owners_model.index(1, 0))
    page.copy_selected_owners()
    assert QGuiApplication.clipboard().text() == OWNERS[1]
    with qtbot.waitSignal(page.details_address.sig_address_copied) as copied:
        page.details_address.copy_to_clipboard()
    assert copied.args == [OPERATIONS]
    assert QGuiApplication.clipboard().text() == OPERATIONS
    page.copy_selected_address()
    assert QGuiApplication.clipboard().text() == OPERATIONS


def test_refresh_keeps_the_selected_vault(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    services = FakeServices()
    r = rig(services=services)
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    r.window.vaults_page.select_row(1)
    services.vaults.vaults = make_vaults(121, nonce=7)
    services.network.block = 121
    r.window.refresh_action.trigger()
    qtbot.waitUntil(lambda: r.window.vaults_page.model.data(r.window.vaults_page.model.index(0, 4)) == "7")
    assert r.window.vaults_page.selected_vault().address == OPERATIONS


@pytest.mark.parametrize(("is_demo", "visible"), [(True, True), (False, False)])
def test_demo_banner_only_for_demo_profiles(
    qtbot: QtBot, rig: Callable[..., Rig], is_demo: bool, visible: bool
) -> None:
    r = rig(FakeProfile(is_demo=is_demo))
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    assert r.window.banner.isVisible() is visible
    assert r.window.banner.text() == DEMO_TEXT
    assert DEMO_TEXT == "Demo profile — demo keys only, password custos-demo; never use for real funds"


@pytest.mark.parametrize(
    "error",
    [ProfileNotFound("There is no profile named 'nope'."), SchemaTooNew("The database is from a newer Custos.")],
)
def test_profile_that_cannot_be_opened_gives_a_dialog_and_a_usable_window(
    qtbot: QtBot, rig: Callable[..., Rig], error: WalletError
) -> None:
    r = rig(open_error=error)
    with qtbot.waitSignal(r.session.sig_load_failed, timeout=3000):
        r.session.start()
    assert r.presenter.errors == [error]
    assert r.presenter.calls[0][1] is r.window  # the dialog is parented to the window
    bar = r.window.chain_status
    assert bar.state_label.text() == "Disconnected"
    assert bar.message_label.text() == error.user_message
    assert error.user_message in r.window.vaults_page.message.text()
    assert r.window.isVisible() and r.window.refresh_action.isEnabled()
    assert r.session.phase == "failed"


@pytest.mark.parametrize(
    "error",
    [
        NodeUnreachable("Cannot reach http://127.0.0.1:9 (connection refused)."),
        ChainIdMismatch("The node reports chain 1, the profile expects 1770177."),
        DevnetCorrupt("The devnet state file is damaged; it was left untouched."),
        DevnetBusy("Another Custos is using this devnet."),
    ],
)
def test_services_that_cannot_be_built_keep_the_cached_data(
    qtbot: QtBot, rig: Callable[..., Rig], error: WalletError
) -> None:
    r = rig(FakeProfile(snapshot=FakeSnapshot(make_vaults(100), 100)), build_error=error)
    with qtbot.waitSignal(r.session.sig_load_failed, timeout=3000):
        r.session.start()
    assert r.presenter.errors == [error]
    page = r.window.vaults_page
    assert labels_of(r) == ["Treasury", "Operations"] and page.model.stale
    assert "as of block 100, not refreshed" in page.notice.text()
    assert error.user_message in page.notice.text()
    assert r.window.chain_status.state_label.text() == "Disconnected"


def test_retry_after_a_failed_connection(qtbot: QtBot, runner: TaskRunner, presenter: RecordingPresenter) -> None:
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    attempts: list[int] = []
    services = FakeServices()

    def flaky_build(_profile: object) -> FakeServices:
        attempts.append(1)
        if len(attempts) == 1:
            raise NodeUnreachable("down")
        return services

    session = WalletSession(
        window=window, runner=runner, home=None, profile_name="demo",
        open_profile=opener(FakeProfile()), build_services=flaky_build, parent=window,
    )  # fmt: skip
    with qtbot.waitSignal(session.sig_load_failed, timeout=3000):
        session.start()
    with qtbot.waitSignal(session.sig_live_data_shown, timeout=3000):
        window.refresh_action.trigger()
    assert len(attempts) == 2
    assert window.chain_status.state_label.text() == "Connected"
    session.close()


def test_node_going_down_is_reported_once_not_at_every_poll(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    services = FakeServices()
    r = rig(services=services, interval_ms=20)
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    services.network.state = ConnectionState.DISCONNECTED
    services.network.message = "No answer from the node."
    calls_before = services.network.calls
    qtbot.waitUntil(lambda: services.network.calls >= calls_before + 5, timeout=3000)
    assert [type(e) for e in r.presenter.errors] == [NodeUnreachable]
    assert r.presenter.errors[0].user_message == "No answer from the node."
    assert r.window.chain_status.state_label.text() == "Disconnected"
    assert "not refreshed" in r.window.vaults_page.notice.text()
    services.network.state = ConnectionState.CONNECTED
    qtbot.waitUntil(lambda: r.window.chain_status.state_label.text() == "Connected", timeout=3000)
    assert not r.window.vaults_page.notice.isVisible()


def test_wrong_chain_is_reported_and_vaults_are_not_read(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    services = FakeServices(
        network=FakeNetwork(state=ConnectionState.WRONG_CHAIN, message="Chain id 1, expected 1770177")
    )
    r = rig(services=services)
    with qtbot.waitSignal(r.session.sig_load_failed, timeout=3000):
        r.session.start()
    qtbot.waitUntil(lambda: r.runner.in_flight == 0)
    assert [type(e) for e in r.presenter.errors] == [ChainIdMismatch]
    assert r.window.chain_status.state_label.text() == "Wrong chain"
    assert services.vaults.calls == 0  # nothing is read from a chain that is not the profile's


def test_vaults_are_read_again_only_when_a_new_block_arrives(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    services = FakeServices()
    r = rig(services=services, interval_ms=20)
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    polls = services.network.calls
    qtbot.waitUntil(lambda: services.network.calls >= polls + 4, timeout=3000)
    assert services.vaults.calls == 1
    services.vaults.vaults = make_vaults(121, nonce=8)
    services.network.block = 121
    qtbot.waitUntil(lambda: services.vaults.calls == 2, timeout=3000)
    qtbot.waitUntil(lambda: r.window.chain_status.block_label.text() == "Block 121")


def test_event_loop_keeps_turning_while_the_chain_is_slow(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    r = rig(services=FakeServices(FakeVaults(make_vaults(), delay=1.5)))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    started = time.perf_counter()
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=5000):
        r.session.start()
    timer.stop()
    assert time.perf_counter() - started >= 1.5
    gaps = [b - a for a, b in zip([started, *ticks], ticks, strict=False)]
    assert max(gaps) < 0.1, f"the event loop stalled for {max(gaps) * 1000:.0f} ms"


def test_closing_closes_the_services_and_profile_on_the_serial_lane(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    services = FakeServices()
    profile = FakeProfile()
    r = rig(profile, services)
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    r.session.close()
    assert r.runner.shutdown(timeout=3)
    assert services.closed == 1
    assert profile.closed


def test_services_still_being_built_are_closed_at_exit(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    services = FakeServices()
    release = threading.Event()

    def slow_build(_profile: object) -> FakeServices:
        release.wait(3)
        return services

    r = rig()
    r.session._build_services = slow_build  # the window is closed while the devnet is still opening
    r.session.start()
    qtbot.waitUntil(lambda: r.session.phase == "connecting", timeout=3000)
    r.session.close()
    release.set()
    assert r.runner.shutdown(timeout=3)
    assert services.closed == 1


def test_every_label_is_plain_text(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    r = rig(FakeProfile(snapshot=FakeSnapshot(make_vaults(100), 100)))
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    labels = r.window.findChildren(QLabel)
    assert labels
    rich = [label.objectName() or label.text() for label in labels if label.textFormat() != Qt.TextFormat.PlainText]
    assert rich == []


def test_ctrl_c_copies_full_addresses(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    r = rig()
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    page = r.window.vaults_page
    r.window.activateWindow()
    page.table.setFocus()
    page.table.setCurrentIndex(page.proxy.index(1, VaultColumn.LABEL))  # the cursor on the label cell
    qtbot.keyClick(page.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == OPERATIONS  # the address, not the label under the cursor
    page.owners_view.setFocus()
    page.owners_view.setCurrentIndex(page.owners_model.index(0, 0))
    qtbot.keyClick(page.owners_view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == OWNERS[0]


def test_owners_are_named_from_the_profile_address_book(qtbot: QtBot, rig: Callable[..., Rig]) -> None:
    r = rig(FakeProfile(names={OWNERS[0]: "Alice Chan (officer)"}))
    with qtbot.waitSignal(r.session.sig_live_data_shown, timeout=3000):
        r.session.start()
    model = r.window.vaults_page.owners_model
    assert model.data(model.index(0, 0)) == f"{OWNERS[0]}   Alice Chan (officer)"
    r.window.vaults_page.owners_view.setCurrentIndex(model.index(0, 0))
    r.window.vaults_page.copy_selected_owners()
    assert QGuiApplication.clipboard().text() == OWNERS[0]


def test_the_saved_snapshot_is_painted_from_the_peek_before_the_profile_database_opens(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    opened = threading.Event()
    release = threading.Event()
    snapshot = FakeSnapshot(make_vaults(100, nonce=2), 100)

    def slow_open(home: Path | None, name: str) -> FakeProfile:
        opened.set()
        release.wait(5)  # the database and its imports are slow on a cold start
        return FakeProfile()

    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    session = WalletSession(
        window=window, runner=runner, home=None, profile_name="demo", open_profile=slow_open,
        build_services=builder(FakeServices()), peek_profile=lambda home, name: FakePeek(snapshot=snapshot),
        parent=window,
    )
    window.show()
    with qtbot.waitSignal(session.sig_snapshot_shown, timeout=3000) as shown:
        session.start()
    assert shown.args == [100]
    assert window.vaults_page.model.rowCount() == 2 and not release.is_set()
    release.set()
    with qtbot.waitSignal(session.sig_live_data_shown, timeout=3000):
        pass
    session.close()
