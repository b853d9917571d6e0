"""Vaults page: "Add vault…" and "Deploy Safe…" against a fake VaultService of the core's shape; the F4 verdict in red;
the badge and the owners that are keys of this profile."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.fakes import OWNERS, FakeKeyService
from tests.ui.vault_fakes import ATTACKER, BLOCKED, KNOWN_SAFE, NEW_SAFE, OK, TAKEN_OVER, FakeVaultCommands, vault
from ui.dialogs.vault_dialogs import BLOCKED_BADGE, AddVaultDialog, DeploySafeDialog
from ui.pages.vaults_page import VaultsPage
from ui.tasks import TaskRunner


def finish(qtbot: QtBot, dialog: AddVaultDialog | DeploySafeDialog) -> None:
    with qtbot.waitSignal(dialog.sig_succeeded, timeout=5000):
        dialog.submit()


def test_add_a_known_safe_shows_the_verdict_and_stays_open(qtbot: QtBot, runner: TaskRunner) -> None:
    vaults = FakeVaultCommands()
    dialog = AddVaultDialog(runner=runner, vaults=vaults)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.submit_button.isEnabled()
    dialog.address.setText(KNOWN_SAFE)
    dialog.label.setText("Client vault")
    assert dialog.submit_button.isEnabled()
    finish(qtbot, dialog)
    assert vaults.threads and threading.get_ident() not in vaults.threads  # never on the GUI thread
    assert dialog.isVisible() and dialog.verdict.isVisible()
    assert dialog.verdict.headline.text() == OK.message and dialog.verdict.headline.tone == "good"
    assert "key in this profile" in dialog.verdict.facts.text()
    assert not dialog.submit_button.isVisible() and dialog.close_button.isEnabled()


def test_F4_add_a_taken_over_safe_shows_the_blocked_verdict_in_red(qtbot: QtBot, runner: TaskRunner) -> None:
    dialog = AddVaultDialog(runner=runner, vaults=FakeVaultCommands())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.address.setText(TAKEN_OVER)
    finish(qtbot, dialog)
    text = dialog.verdict.headline.text()
    assert text.startswith(BLOCKED_BADGE) and "signing is blocked for this vault" in text and ATTACKER in text
    assert dialog.verdict.headline.tone == "bad"


def test_add_refused_shows_the_reason_in_the_dialog(qtbot: QtBot, runner: TaskRunner) -> None:
    vaults = FakeVaultCommands(added=[KNOWN_SAFE])
    dialog = AddVaultDialog(runner=runner, vaults=vaults)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.address.setText(KNOWN_SAFE)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "already one of this profile's vaults" in dialog.error.text()
    assert dialog.submit_button.isEnabled() and not dialog.verdict.isVisible()


def test_deploy_picks_owners_from_keys_and_typed_addresses(qtbot: QtBot, runner: TaskRunner) -> None:
    keys = FakeKeyService().load_keys()
    vaults = FakeVaultCommands()
    dialog = DeploySafeDialog(runner=runner, vaults=vaults, keys=keys)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.submit_button.isEnabled() and dialog.threshold_note.text() == "tick at least one owner"
    dialog.set_owner_checked(OWNERS[0])
    dialog.set_owner_checked(OWNERS[1])
    typed = "0x00000000000000000000000000000000000000Aa"
    dialog.typed.setText(typed)
    qtbot.mouseClick(dialog.add_owner_button, Qt.MouseButton.LeftButton)
    assert dialog.chosen_owners() == [OWNERS[0], OWNERS[1], typed]
    dialog.typed.setText(typed.lower())
    dialog.add_typed_owner()
    assert "already in the list" in dialog.error.text()
    assert dialog.threshold.maximum() == 3 and dialog.threshold_note.text() == "of 3 owner(s)"
    dialog.threshold.setValue(2)
    dialog.label.setText("Escrow")
    assert not dialog.submit_button.isEnabled()  # no password yet
    dialog.password.setText("custos-demo")
    assert dialog.submit_button.isEnabled()
    finish(qtbot, dialog)
    owners, threshold, key, label = vaults.deployed[0]
    assert owners == (OWNERS[0], OWNERS[1], typed) and threshold == 2 and label == "Escrow"
    assert key == dialog.sender.currentData()
    assert dialog.password.text() == ""  # wiped
    facts = dialog.verdict.facts.text()
    assert "Deployed in block 121" in facts and NEW_SAFE in facts and "0x1d1d" in facts
    assert "quorum" in dialog.verdict.findings.text()


def test_deploy_with_a_wrong_password_keeps_the_dialog_for_a_retry(qtbot: QtBot, runner: TaskRunner) -> None:
    dialog = DeploySafeDialog(runner=runner, vaults=FakeVaultCommands(), keys=FakeKeyService().load_keys())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_owner_checked(OWNERS[0])
    dialog.password.setText("nope")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "Wrong password" in dialog.error.text() and dialog.submit_button.isEnabled()


def test_the_page_shows_the_badge_and_the_owner_keys_and_opens_the_dialogs(qtbot: QtBot, runner: TaskRunner) -> None:
    page = VaultsPage()
    qtbot.addWidget(page)
    page.show()
    assert not page.add_button.isEnabled() and not page.deploy_button.isEnabled()  # until attached
    page.show_vaults([vault(KNOWN_SAFE, "Client vault", OK), vault(TAKEN_OVER, "Cold wallet", BLOCKED),
                      vault(NEW_SAFE, "Old snapshot", None)], stale=False)
    keys = FakeKeyService()
    vaults = FakeVaultCommands()
    page.attach(vaults, runner, load_keys=keys.load_keys)
    qtbot.waitUntil(lambda: "owners are keys in this profile" in page.details_keys.text(), timeout=5000)
    assert page.add_button.isEnabled() and page.deploy_button.isEnabled()
    assert not page.details_badge.isVisible() and page.details_check.tone == "good"
    page.select_row(1)
    assert page.details_badge.isVisible() and page.details_badge.text().startswith(BLOCKED_BADGE)
    assert page.details_badge.tone == "bad" and page.details_check.tone == "bad"
    page.select_row(2)
    assert "Not checked yet" in page.details_check.text() and not page.details_badge.isVisible()
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=3000) as opened:
        qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    add = opened.args[0]
    assert isinstance(add, AddVaultDialog)
    add.address.setText(KNOWN_SAFE)
    with qtbot.waitSignal(page.sig_vaults_changed, timeout=5000):
        add.submit()
    add.close_button.click()
    qtbot.waitUntil(lambda: page.dialog is None, timeout=3000)
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=3000) as opened:
        qtbot.mouseClick(page.deploy_button, Qt.MouseButton.LeftButton)
    deploy = opened.args[0]
    assert isinstance(deploy, DeploySafeDialog)
    assert deploy.owners.count() == len(keys.load_keys())
    assert deploy.sender.count() == len([k for k in keys.load_keys() if k.can_sign])
    deploy.reject()
    page.detach()
    assert not page.add_button.isEnabled()
