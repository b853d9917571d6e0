"""What the offline signer's cold vault tests share (tests/ui/test_offline_cold_ceremony.py,
tests/ui/test_offline_cold_sign.py): share files at the lowest scrypt cost, the signer with a cold vault that
tests/unit/test_cold_signing.py builds, and the offline signer's window attached to a profile until the test ends.
A test module takes the fixtures by naming them at its top level (`fast_scrypt = cold_fixtures.fast_scrypt`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.unit import test_cold_signing
from ui.offline import work
from ui.offline.window import OfflineSignerWindow
from ui.tasks import TaskRunner
from wallet_app.cold import share_file
from wallet_app.cold.share_file import LOWEST_N

WAIT_MS = 20_000
LEFT = Qt.MouseButton.LeftButton

signer = test_cold_signing.signer  # an offline profile, its cold vault (2 of 3 share files) and a policy naming it


@pytest.fixture(autouse=True)
def fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(share_file, "SCRYPT_N", LOWEST_N)


def attached_window(qtbot: QtBot, runner: TaskRunner, context: work.SignerContext) -> Iterator[OfflineSignerWindow]:
    """The window shown and attached to `context` (its cold vaults read), detached when the test is done."""
    shown = OfflineSignerWindow(profile_name="signer")
    qtbot.addWidget(shown)
    shown.show()
    with qtbot.waitSignal(shown.cold_page.sig_vaults_shown, timeout=WAIT_MS):
        shown.attach(context, runner)
    yield shown
    shown.detach()
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT_MS)
