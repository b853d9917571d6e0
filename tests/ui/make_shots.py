"""Render the main window offscreen with demo-like data, in a light and a dark palette: the Vaults page (live,
cached, disconnected), the Keys page, the key dialogs (unlock after a wrong password, create, delete), and the
Holdings page (demo-like holdings, then refreshing a large register), the History tab (demo-like transfers), the
Tokens dialog with its approval dialog, and the Policy tab (policy in force, drafts, a check, recent decisions, a
tampered policy, the approval dialog), the Audit tab (a demo-like log, verified intact; then with an edited entry),
and, on a real demo profile, the Approvals tab with its review and propose dialogs.

.venv/bin/python -m tests.ui.make_shots                  # fakes; writes shots/*.png (gitignored)
.venv/bin/python -m tests.ui.make_shots --home DIR       # also the real demo profile in DIR
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory, QWidget

from tests.ui.fakes import (
    OWNERS,
    FakeKeyService,
    FakeNetwork,
    FakeProfile,
    FakeServices,
    FakeSnapshot,
    FakeVaults,
    builder,
    make_vaults,
    opener,
)
from tests.ui.history_fakes import FakeHistory, FakeValueHistory
from tests.ui.holdings_fakes import FakeHoldings, make_big_snapshot, make_snapshot
from tests.ui.policy_fakes import (
    CLIENT_VAULT,
    DANA,
    HKD,
    HKDH,
    KOWLOON,
    NAMES,
    FakeChecker,
    FakePolicy,
    policy_vaults,
    seed_decisions,
    transfer_data,
)
from tests.ui.tokens_fakes import HOSTILE, SPAM, FakeTokens
from ui.app import configure_application
from ui.dialogs.command_dialog import CommandDialog
from ui.errors import ErrorPresenter
from ui.main_window import MainWindow
from ui.session import WalletSession
from ui.tasks import TaskRunner
from wallet_app.domain.network import ConnectionState
from wallet_app.errors import NodeUnreachable

OUT = Path(__file__).resolve().parents[2] / "shots"


def dark_palette() -> QPalette:
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for r, c in {
        role.Window: "#2b2b2b",
        role.WindowText: "#e6e6e6",
        role.Base: "#1f1f1f",
        role.AlternateBase: "#2a2a2a",
        role.ToolTipBase: "#3a3a3a",
        role.ToolTipText: "#f0f0f0",
        role.PlaceholderText: "#8c8c8c",
        role.Text: "#e6e6e6",
        role.Button: "#353535",
        role.ButtonText: "#e6e6e6",
        role.BrightText: "#ff6b6b",
        role.Light: "#4a4a4a",
        role.Midlight: "#3d3d3d",
        role.Mid: "#303030",
        role.Dark: "#202020",
        role.Shadow: "#101010",
        role.Highlight: "#2f6fb0",
        role.HighlightedText: "#ffffff",
        role.Link: "#6cb4ff",
    }.items():
        p.setColor(r, QColor(c))
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(group.Disabled, r, QColor("#7a7a7a"))
    return p


def wait_until(app: QApplication, done: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        app.processEvents()
        time.sleep(0.005)


def render(app: QApplication, name: str, *, gate: threading.Event | None = None, fail: bool = False) -> None:
    snapshot = FakeSnapshot(make_vaults(118, nonce=2), 118)
    profile = FakeProfile(snapshot=snapshot)
    vaults = FakeVaults(make_vaults(120), gate=gate)
    network = FakeNetwork(120)
    if fail:
        network.state = ConnectionState.DISCONNECTED
        network.message = "No answer from http://127.0.0.1:8545 (connection refused)"
        vaults.error = NodeUnreachable(network.message)
    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name="demo")
    session = WalletSession(
        window=window,
        runner=runner,
        home=None,
        profile_name="demo",
        open_profile=opener(profile),
        build_services=builder(FakeServices(vaults, network)),
    )
    window.resize(1280, 800)
    window.show()
    shown: list[int] = []
    session.sig_live_data_shown.connect(shown.append)
    session.start()
    if gate is not None or fail:
        wait_until(app, lambda: window.vaults_page.model.rowCount() > 0 and session.phase == "ready")
        wait_until(app, lambda: (network.calls > 0 and not runner.in_flight) or gate is not None, 2)
        time.sleep(0.05)
        app.processEvents()
    else:
        wait_until(app, lambda: bool(shown))
    window.vaults_page.select_row(0)
    app.processEvents()
    path = OUT / f"main_{name}.png"
    window.grab().save(str(path))
    print(path)
    for widget in app.topLevelWidgets():  # dialogs opened by the presenter
        if widget is not window and widget.isVisible():
            widget.grab().save(str(OUT / f"dialog_{name}.png"))
            print(OUT / f"dialog_{name}.png")
            widget.close()
    if gate is not None:
        gate.set()
    session.close()
    runner.shutdown(3)
    window.close()
    window.deleteLater()
    app.processEvents()


def render_keys(app: QApplication, name: str) -> None:
    """The Keys page of a demo-like profile, then its dialogs, each saved on its own."""
    keys = FakeKeyService(unlock_delay=0.05)
    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name="demo")
    session = WalletSession(
        window=window,
        runner=runner,
        home=None,
        profile_name="demo",
        open_profile=opener(FakeProfile()),
        build_services=builder(FakeServices(keys=keys)),
    )
    window.resize(1280, 800)
    window.pages.setCurrentWidget(window.keys_page)
    window.show()
    page = window.keys_page
    shown: list[int] = []
    page.sig_keys_shown.connect(shown.append)
    session.start()
    wait_until(app, lambda: bool(shown) and not runner.in_flight)
    page.select_address(OWNERS[1])
    page.show_status("All keys are locked.")
    app.processEvents()
    window.grab().save(str(OUT / f"keys_{name}.png"))
    print(OUT / f"keys_{name}.png")

    def open_dialog(trigger: Callable[[], object]) -> CommandDialog:
        trigger()
        wait_until(app, lambda: page.dialog is not None or False)
        dialog = page.dialog
        assert dialog is not None
        return dialog

    def save(dialog: CommandDialog, shot: str) -> None:
        app.processEvents()
        dialog.grab().save(str(OUT / f"{shot}_{name}.png"))
        print(OUT / f"{shot}_{name}.png")
        dialog.reject()
        wait_until(app, lambda: page.dialog is None and not runner.in_flight)

    unlock = open_dialog(page.unlock_action.trigger)
    unlock.secret.setText("not the password")  # type: ignore[attr-defined]
    unlock.submit()
    wait_until(app, lambda: unlock.error.isVisible())
    save(unlock, "unlock")
    busy = open_dialog(page.unlock_action.trigger)
    keys.unlock_delay = 0.5
    busy.secret.setText("custos-demo")  # type: ignore[attr-defined]
    busy.submit()
    for _ in range(20):  # let the busy bar move
        app.processEvents()
        time.sleep(0.01)
    busy.grab().save(str(OUT / f"unlock_busy_{name}.png"))
    print(OUT / f"unlock_busy_{name}.png")
    wait_until(app, lambda: page.dialog is None)
    keys.unlock_delay = 0.05
    create = open_dialog(page.create_action.trigger)
    create.label.setText("Dana Reyes (new officer)")  # type: ignore[attr-defined]
    create.passwords.password.setText("correct horse")  # type: ignore[attr-defined]
    create.passwords.confirm.setText("correct hors")  # type: ignore[attr-defined]
    save(create, "create_key")
    delete = open_dialog(page.delete_action.trigger)
    save(delete, "delete_key")
    mnemonic = open_dialog(page.import_mnemonic_action.trigger)
    mnemonic.mnemonic.setText("test " * 11 + "junk")  # type: ignore[attr-defined]
    save(mnemonic, "import_mnemonic")
    page.select_address(OWNERS[2])
    save(open_dialog(page.add_hsm_action.trigger), "add_hsm")
    session.close()
    runner.shutdown(3)
    window.close()
    window.deleteLater()
    app.processEvents()


def render_holdings(app: QApplication, name: str) -> None:
    """The Holdings page with demo-like holdings (hostile symbol, unpriced NFTs, a frozen ERC-3643 holding), then
    the same page busy refreshing a 20,000-row register, filtered to compliance issues."""
    holdings = FakeHoldings(make_snapshot())
    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name="demo")
    session = WalletSession(
        window=window,
        runner=runner,
        home=None,
        profile_name="demo",
        open_profile=opener(FakeProfile()),
        build_services=builder(FakeServices(holdings=holdings)),
    )
    window.resize(1280, 800)
    page = window.holdings_page
    window.pages.setCurrentWidget(page)
    window.show()
    shown: list[int] = []
    page.sig_holdings_shown.connect(shown.append)
    session.start()
    wait_until(app, lambda: bool(shown) and not runner.in_flight)
    page.table.selectRow(3)
    app.processEvents()
    window.grab().save(str(OUT / f"holdings_{name}.png"))
    print(OUT / f"holdings_{name}.png")
    page.show_snapshot(make_big_snapshot(20_000))
    page.issues_only.setChecked(True)
    page.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
    gate = threading.Event()
    holdings.gates = [threading.Event()] * len(holdings.calls) + [gate]
    for event in holdings.gates[:-1]:
        event.set()
    page.refresh()
    for _ in range(20):  # let the busy bar move
        app.processEvents()
        time.sleep(0.01)
    window.grab().save(str(OUT / f"holdings_big_{name}.png"))
    print(OUT / f"holdings_big_{name}.png")
    gate.set()
    session.close()
    runner.shutdown(3)
    window.close()
    window.deleteLater()
    app.processEvents()


def render_history(app: QApplication, name: str) -> None:
    """The History tab with demo-like transfers: in, out, to itself, a mint, NFTs, an unreviewed hostile symbol, the
    value of each then; above them the value over time, first while it is read (block 2 of 12), then drawn."""
    history = FakeHistory()
    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name="demo")
    services = FakeServices(holdings=FakeHoldings(make_snapshot()), history=history)
    values = FakeValueHistory()
    values.gate = threading.Event()
    services.value_history = values  # type: ignore[attr-defined]
    session = WalletSession(
        window=window,
        runner=runner,
        home=None,
        profile_name="demo",
        open_profile=opener(FakeProfile()),
        build_services=builder(services),
    )
    window.resize(1280, 800)
    window.show()
    shown: list[str] = []
    window.history_page.sig_history_shown.connect(lambda account, _n: shown.append(account))
    session.start()
    wait_until(app, lambda: window.history_page.attached and window.history_page.account_choice.count() > 0)
    window.pages.setCurrentWidget(window.history_page)
    page = window.history_page
    wait_until(app, lambda: bool(shown) and page.chart_status.text().startswith("Reading value at block 2"))
    window.history_page.table.selectRow(1)
    app.processEvents()
    window.grab().save(str(OUT / f"history_reading_{name}.png"))
    print(OUT / f"history_reading_{name}.png")
    values.gate.set()
    wait_until(app, lambda: bool(page.chart.points) and not runner.in_flight)
    app.processEvents()
    window.grab().save(str(OUT / f"history_{name}.png"))
    print(OUT / f"history_{name}.png")
    page.chart.grab().save(str(OUT / f"value_chart_{name}.png"))
    print(OUT / f"value_chart_{name}.png")
    session.close()
    runner.shutdown(3)
    window.close()
    window.deleteLater()
    app.processEvents()


def render_tokens(app: QApplication, name: str) -> None:
    """The Tokens dialog over the Holdings page after a discovery (a flagged HKDH lookalike) and an add by address
    (a hostile name), then the approval dialog for the lookalike."""
    services = FakeServices(holdings=FakeHoldings(make_snapshot()))
    tokens = FakeTokens()
    services.tokens = tokens  # type: ignore[attr-defined]
    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name="demo")
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile()), build_services=builder(services))
    window.resize(1280, 800)
    page = window.holdings_page
    window.pages.setCurrentWidget(page)
    window.show()
    session.start()
    wait_until(app, lambda: not page.tokens_button.isHidden() and not runner.in_flight)
    window.grab().save(str(OUT / f"holdings_tokens_button_{name}.png"))
    print(OUT / f"holdings_tokens_button_{name}.png")
    page.tokens_button.click()
    dialog = page.tokens_dialog
    assert dialog is not None
    wait_until(app, lambda: dialog.model.rowCount() == 5 and not runner.in_flight)
    dialog.discover()
    wait_until(app, lambda: not dialog.busy and dialog.model.rowCount() == 6 and not runner.in_flight)
    dialog.address.setText(HOSTILE)
    dialog.add_token()
    wait_until(app, lambda: not dialog.busy and dialog.model.rowCount() == 7 and not runner.in_flight)
    dialog.select_address(SPAM)
    dialog.resize(1180, 560)
    app.processEvents()
    dialog.grab().save(str(OUT / f"tokens_{name}.png"))
    print(OUT / f"tokens_{name}.png")
    dialog.approve_selected()
    wait_until(app, lambda: dialog.approve_dialog is not None)
    approve = dialog.approve_dialog
    assert approve is not None
    approve.password.setText("custos-demo")
    app.processEvents()
    approve.grab().save(str(OUT / f"approve_token_{name}.png"))
    print(OUT / f"approve_token_{name}.png")
    approve.reject()
    wait_until(app, lambda: dialog.approve_dialog is None)
    dialog.reject()
    session.close()
    runner.shutdown(3)
    window.close()
    window.deleteLater()
    app.processEvents()


def render_policy(app: QApplication, name: str) -> None:
    """The Policy tab on the demo policy (real parser, comparison and engine behind the fakes): each section, a check
    that escalates, the approval dialog, then the same page when the policy in force was tampered with."""

    from wallet_app.policy.governance import PolicyTampered

    policy = FakePolicy()
    checker = FakeChecker(policy)
    seed_decisions(checker)
    services = FakeServices(vaults=FakeVaults(policy_vaults()), holdings=FakeHoldings(make_snapshot()))
    services.policy = policy  # type: ignore[attr-defined]
    services.policy_checker = checker  # type: ignore[attr-defined]
    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name="demo")
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile(names=dict(NAMES))), build_services=builder(services))
    window.resize(1280, 800)
    window.show()
    page = window.policy_page
    shown: list[object] = []
    page.sig_policy_shown.connect(shown.append)
    session.start()
    wait_until(app, lambda: page.attached and window.vaults_page.model.rowCount() > 0)
    window.pages.setCurrentWidget(page)
    wait_until(app, lambda: bool(shown) and not runner.in_flight)

    def shot(section: QWidget | None, file: str) -> None:
        if section is not None:
            page.sections.setCurrentWidget(section)
        for _ in range(5):  # layouts settle over a few rounds of posted events
            app.processEvents()
            time.sleep(0.01)
        window.grab().save(str(OUT / f"{file}_{name}.png"))
        print(OUT / f"{file}_{name}.png")

    shot(page.active_panel, "policy")
    shot(page.drafts_panel, "policy_drafts")
    form = page.check_panel.form
    form.vault.setCurrentIndex(form.vault.findData(CLIENT_VAULT))
    form.to.setText(HKDH)
    form.data.setPlainText("0x" + transfer_data(KOWLOON, 300_000 * HKD).hex())
    form.proposer.setCurrentIndex(max(form.proposer.findData(DANA), 0))
    checked: list[str] = []
    page.sig_check_shown.connect(checked.append)
    page.check()
    wait_until(app, lambda: bool(checked) and not runner.in_flight)
    shot(page.check_panel, "policy_check")
    shot(page.decisions_panel, "policy_decisions")
    page.sections.setCurrentWidget(page.drafts_panel)
    opened: list[object] = []
    page.sig_dialog_opened.connect(opened.append)
    page.approve_selected()
    wait_until(app, lambda: bool(opened))
    dialog = page.dialog
    assert dialog is not None
    dialog.password.setText("custos-demo")  # type: ignore[attr-defined]
    app.processEvents()
    dialog.grab().save(str(OUT / f"policy_approve_{name}.png"))
    print(OUT / f"policy_approve_{name}.png")
    dialog.reject()
    wait_until(app, lambda: page.dialog is None)
    policy.not_in_force = PolicyTampered(
        "The policy in force (version 1) fails its checks, so every transaction is denied: policy/active.toml "
        "differs from the policy in force: it was edited outside Custos")
    shown.clear()
    page.refresh()
    wait_until(app, lambda: bool(shown) and not runner.in_flight)
    checked.clear()
    form.data.setPlainText("0x" + transfer_data(KOWLOON, 10_000 * HKD).hex())
    page.check()
    wait_until(app, lambda: bool(checked) and not runner.in_flight)
    shot(page.check_panel, "policy_tampered")
    session.close()
    runner.shutdown(3)
    window.close()
    window.deleteLater()
    app.processEvents()


def render_audit(app: QApplication, name: str) -> None:
    """The Audit tab over a real audit log (tests/ui/audit_fakes.py) verified intact, then with entry 5 edited in the
    database and verified again (the first bad entry named in red)."""
    import shutil
    import tempfile

    from sqlalchemy import update

    from tests.ui.audit_fakes import build_audit
    from wallet_app.storage.schema import audit_log

    directory = Path(tempfile.mkdtemp(prefix="custos-shots-"))
    log, engine = build_audit(directory / "audit.db")
    services = FakeServices(vaults=FakeVaults(policy_vaults()), holdings=FakeHoldings(make_snapshot()))
    services.audit = log  # type: ignore[attr-defined]
    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name="demo")
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile(names=dict(NAMES))), build_services=builder(services))
    window.resize(1280, 800)
    window.show()
    page = window.audit_page
    session.start()
    wait_until(app, lambda: page.attached and window.vaults_page.model.rowCount() > 0)
    shown: list[int] = []
    page.sig_entries_shown.connect(shown.append)
    window.pages.setCurrentWidget(page)
    wait_until(app, lambda: bool(shown) and not runner.in_flight)
    verified: list[object] = []
    page.sig_verified.connect(verified.append)

    def verify_and_shot(file: str) -> None:
        verified.clear()
        page.verify()
        wait_until(app, lambda: bool(verified) and not runner.in_flight)
        for _ in range(5):  # layouts settle over a few rounds of posted events
            app.processEvents()
            time.sleep(0.01)
        window.grab().save(str(OUT / f"{file}_{name}.png"))
        print(OUT / f"{file}_{name}.png")

    page.table.selectRow(3)  # the officer's signed token approval
    verify_and_shot("audit")
    with engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.seq == 5).values(detail='{"signed_at":"2026-12-02"}'))
    verify_and_shot("audit_tampered")
    session.close()
    runner.shutdown(3)
    window.close()
    window.deleteLater()
    app.processEvents()
    engine.dispose()
    shutil.rmtree(directory, ignore_errors=True)


def render_approvals(app: QApplication, name: str) -> None:
    """The Approvals tab, the review dialog and the propose dialog on a real demo profile (`custos demo init`, the
    real core): the demo's queue plus a second proposal at one nonce (a conflict); the review of the payout waiting
    for a second signature, with Ben chosen to approve; a 12,500 HKDH payout to Kowloon checked with the policy."""
    import tempfile

    from tests.ui.queue_demo import BEN as BEN_LABEL
    from tests.ui.queue_demo import CLIENT_VAULT as CLIENT_LABEL
    from tests.ui.queue_demo import DANA as DANA_LABEL
    from tests.ui.queue_demo import HKDH as HKDH_LABEL
    from tests.ui.queue_demo import KOWLOON as KOWLOON_LABEL
    from tests.ui.queue_demo import LION_ROCK, open_demo

    def save(widget: QWidget, file: str) -> None:
        settle_and_save(app, widget, file, name)

    with open_demo(Path(tempfile.mkdtemp(prefix="custos-shots-"))) as demo:
        queue = demo.services.queue
        waiting = [e for e in queue.load(demo[CLIENT_LABEL]) if e.state in ("proposed", "approving")]
        signed = next(e for e in waiting if e.valid_signatures == 1)
        last = max(waiting, key=lambda e: e.item.nonce)
        demo.propose(nonce=last.item.nonce, units=2_000 * 10**6, to=LION_ROCK)  # a conflict at that nonce
        with live_window(app, demo) as (window, runner):
            page = window.approvals_page
            window.pages.setCurrentWidget(page)
            wait_until(app, lambda: page.state is not None and not page.loading and not runner.in_flight, timeout=60)
            page.select(signed.safe_tx_hash)
            save(window, "approvals")

            review = page.open_review(signed.safe_tx_hash, "approve")
            assert review is not None
            decided: list[str] = []
            review.sig_decision_shown.connect(decided.append)
            wait_until(app, lambda: bool(decided) and not runner.in_flight, timeout=60)
            review.key_choice.setCurrentIndex(review.key_choice.findData(demo[BEN_LABEL]))
            wait_until(app, lambda: len(decided) > 1 and not runner.in_flight, timeout=60)  # decided again with Ben
            save(review, "review_tx")
            review.scroll.verticalScrollBar().setValue(review.scroll.verticalScrollBar().maximum())
            save(review, "review_tx_signatures")
            review.reject()
            wait_until(app, lambda: page.dialog is None and not runner.in_flight, timeout=60)

            propose = page.open_propose_dialog()
            assert propose is not None
            loaded: list[bool] = []
            propose.sig_loaded.connect(lambda: loaded.append(True))
            wait_until(app, lambda: bool(loaded) and not runner.in_flight, timeout=60)
            propose.transfer.asset.setCurrentIndex(propose.transfer.asset.findData(demo[HKDH_LABEL]))
            propose.transfer.amount.setText("12500.00")
            propose.transfer.recipient.edit.setText(demo[KOWLOON_LABEL])
            propose.proposer.setCurrentIndex(propose.proposer.findData(demo[DANA_LABEL]))
            checked: list[str] = []
            propose.sig_checked.connect(checked.append)
            propose.check()
            wait_until(app, lambda: bool(checked) and not runner.in_flight, timeout=60)
            save(propose, "propose_tx")
            propose.reject()
            wait_until(app, lambda: page.dialog is None, timeout=60)


def render_real(app: QApplication, name: str, home: Path, profile: str) -> None:
    """The real core on a real profile (for example the demo made by `custos --home DIR demo init`)."""
    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name=profile)
    session = WalletSession(window=window, runner=runner, home=home, profile_name=profile)
    window.resize(1280, 800)
    window.show()
    shown: list[int] = []
    session.sig_live_data_shown.connect(shown.append)
    session.start()
    wait_until(app, lambda: bool(shown), timeout=60)
    app.processEvents()
    path = OUT / f"real_{name}.png"
    window.grab().save(str(path))
    print(path)
    holdings: list[int] = []
    window.holdings_page.sig_holdings_shown.connect(holdings.append)
    window.pages.setCurrentWidget(window.holdings_page)
    wait_until(app, lambda: bool(holdings) or window.holdings_page.model.rowCount() > 0, timeout=60)
    app.processEvents()
    window.grab().save(str(OUT / f"real_holdings_{name}.png"))
    print(OUT / f"real_holdings_{name}.png")
    tiers = window.holdings_page.storage_tiers
    if window.holdings_page.tabs.isTabVisible(tiers.index):
        window.holdings_page.tabs.setCurrentIndex(tiers.index)
        wait_until(app, lambda: tiers.view.prepared is not None and not runner.in_flight, timeout=60)
        app.processEvents()
        window.grab().save(str(OUT / f"real_storage_tiers_{name}.png"))
        print(OUT / f"real_storage_tiers_{name}.png")
        window.holdings_page.tabs.setCurrentIndex(0)
    page = window.history_page
    window.pages.setCurrentWidget(page)
    wait_until(app, lambda: bool(page.chart.points) and not runner.in_flight, timeout=120)
    app.processEvents()
    window.grab().save(str(OUT / f"real_history_{name}.png"))
    print(OUT / f"real_history_{name}.png")
    policy_page = window.policy_page
    if policy_page.attached:
        policy_shown: list[object] = []
        policy_page.sig_policy_shown.connect(policy_shown.append)
        window.pages.setCurrentWidget(policy_page)
        wait_until(app, lambda: bool(policy_shown) and not runner.in_flight, timeout=120)
        for section, file in ((policy_page.active_panel, "real_policy"),
                              (policy_page.decisions_panel, "real_policy_decisions")):
            policy_page.sections.setCurrentWidget(section)
            for _ in range(5):
                app.processEvents()
                time.sleep(0.01)
            window.grab().save(str(OUT / f"{file}_{name}.png"))
            print(OUT / f"{file}_{name}.png")
    session.close()
    runner.shutdown(10)
    window.close()


def render_vaults(app: QApplication, name: str) -> None:
    """The Vaults page with a taken-over vault selected (the red badge), then "Add vault…" with the F4 verdict and
    "Deploy Safe…" filled in and after the deployment."""
    from tests.ui.fakes import FakeVaults
    from tests.ui.vault_fakes import BLOCKED, KNOWN_SAFE, OK, TAKEN_OVER, FakeVaultCommands, vault

    class Vaults(FakeVaults, FakeVaultCommands):
        def __init__(self) -> None:
            FakeVaults.__init__(self, [vault(KNOWN_SAFE, "Harbour client vault", OK),
                                       vault(TAKEN_OVER, "Cold wallet (taken over)", BLOCKED)])
            FakeVaultCommands.__init__(self)

    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name="demo")
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile()), build_services=builder(FakeServices(Vaults())))
    window.resize(1280, 800)
    window.show()
    page = window.vaults_page
    session.start()
    wait_until(app, lambda: page.add_button.isEnabled() and page.model.rowCount() == 2 and not runner.in_flight)
    page.select_row(1)
    wait_until(app, lambda: "keys in this profile" in page.details_keys.text())
    window.grab().save(str(OUT / f"vaults_blocked_{name}.png"))
    print(OUT / f"vaults_blocked_{name}.png")

    def shot(dialog: CommandDialog, file: str) -> None:
        for _ in range(5):
            app.processEvents()
        dialog.grab().save(str(OUT / f"{file}_{name}.png"))
        print(OUT / f"{file}_{name}.png")

    opened: list[CommandDialog] = []
    page.sig_dialog_opened.connect(opened.append)
    page.open_add_dialog()
    add = opened.pop()
    add.address.setText(TAKEN_OVER)  # type: ignore[attr-defined]
    add.label.setText("Cold wallet 2")  # type: ignore[attr-defined]
    shot(add, "add_vault")
    add.submit()
    wait_until(app, lambda: add.verdict.isVisible())  # type: ignore[attr-defined]
    shot(add, "add_vault_blocked")
    add.accept()
    wait_until(app, lambda: page.dialog is None and not runner.in_flight)
    page.open_deploy_dialog()
    wait_until(app, lambda: bool(opened))
    deploy = opened.pop()
    for owner in OWNERS[:2]:
        deploy.set_owner_checked(owner)  # type: ignore[attr-defined]
    deploy.typed.setText("0x00000000000000000000000000000000000000Aa")  # type: ignore[attr-defined]
    deploy.add_typed_owner()  # type: ignore[attr-defined]
    deploy.threshold.setValue(2)  # type: ignore[attr-defined]
    deploy.label.setText("Harbour escrow")  # type: ignore[attr-defined]
    deploy.password.setText("custos-demo")  # type: ignore[attr-defined]
    shot(deploy, "deploy_safe")
    deploy.submit()
    wait_until(app, lambda: deploy.verdict.isVisible())  # type: ignore[attr-defined]
    shot(deploy, "deploy_safe_done")
    deploy.accept()
    session.close()
    runner.shutdown(3)
    window.close()
    window.deleteLater()
    app.processEvents()


@contextmanager
def live_window(app: QApplication, demo: Any) -> Iterator[tuple[MainWindow, TaskRunner]]:
    """The main window on a real demo's services (tests.ui.queue_demo), shown at 1280x800 with live data painted;
    closed again on leaving."""
    runner = TaskRunner(presenter=ErrorPresenter())
    window = MainWindow(profile_name="demo")
    session = WalletSession(window=window, runner=runner, home=demo.home, profile_name="demo",
                            open_profile=lambda _home, _name: demo.profile,
                            build_services=lambda _profile: demo.services)
    window.resize(1280, 800)
    window.show()
    live: list[int] = []
    session.sig_live_data_shown.connect(live.append)
    session.start()
    wait_until(app, lambda: bool(live), timeout=60)
    try:
        yield window, runner
    finally:
        session.close()
        runner.shutdown(10)
        window.close()
        window.deleteLater()
        app.processEvents()


def settle_and_save(app: QApplication, widget: QWidget, file: str, name: str) -> None:
    """`widget` as shots/`file`_`name`.png, once its layouts settled over a few rounds of posted events."""
    for _ in range(8):
        app.processEvents()
        time.sleep(0.01)
    widget.grab().save(str(OUT / f"{file}_{name}.png"))
    print(OUT / f"{file}_{name}.png")


def shoot_both_palettes(render_one: Callable[[QApplication, str], None]) -> int:
    """Run `render_one(app, "light")` then `render_one(app, "dark")` with the app styled as the desktop styles it."""
    OUT.mkdir(exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    app.setStyle(QStyleFactory.create("Fusion"))
    for palette_name, palette in (("light", app.style().standardPalette()), ("dark", dark_palette())):
        app.setPalette(palette)
        render_one(app, palette_name)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, help="also render this data directory's profile with the real core")
    parser.add_argument("--profile", default="demo")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    app.setStyle(QStyleFactory.create("Fusion"))
    for palette_name, palette in (("light", app.style().standardPalette()), ("dark", dark_palette())):
        app.setPalette(palette)
        render(app, f"{palette_name}_live")
        render(app, f"{palette_name}_cached", gate=threading.Event())
        render(app, f"{palette_name}_disconnected", fail=True)
        render_keys(app, palette_name)
        render_vaults(app, palette_name)
        render_holdings(app, palette_name)
        render_history(app, palette_name)
        render_tokens(app, palette_name)
        render_policy(app, palette_name)
        render_audit(app, palette_name)
        render_approvals(app, palette_name)
        if args.home is not None:
            render_real(app, palette_name, args.home, args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
