"""Pairing an offline signer from the online desktop's Keys page, on a real profile and the real key service.

"Pair an offline signer…" opens the scan dialog; the offline signer's account (a crypto-hdkey UR, as
`custos offline account` writes it) is read from a file; the pairing dialog shows the address, key origin and device
it declares and proposes the device name as the label; pairing records a key of kind offline, listed at once with its
device. A UR of another type, a private key or an address the profile already holds is refused in words and nothing
is recorded. The offline signer's own Keys tab has no such button. The pairing dialog is grabbed in a light and a dark
palette (CUSTOS_SHOTS=DIR keeps the PNGs; else /tmp/shots).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import shiboken6
from eth_keys.datatypes import PrivateKey
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from ui.dialogs.pair_offline_dialog import PairOfflineDialog
from ui.dialogs.qr_scan_dialog import QrScanDialog
from ui.models.keys_model import KeyColumn
from ui.offline.keys_tab import OfflineKeysTab
from ui.pages.keys_page import KeysPage
from ui.tasks import TaskRunner
from ui.widgets.account_collector import AccountUrCollector
from wallet_app.config import ProfileConfig
from wallet_app.keys.keystore_signer import KeystoreSigner
from wallet_app.keys.os_keyring import OsKeyring
from wallet_app.keys.registry import KeyRegistry
from wallet_app.keys.service import KeyService
from wallet_app.keys.signer import KeyKind
from wallet_app.offline.pairing import account_ur
from wallet_app.profiles import Profile, create_profile
from wallet_app.ur.accounts import CryptoAccount, CryptoHDKey
from wallet_app.ur.cbor import dumps
from wallet_app.ur.keypath import parse_path
from wallet_app.ur.ur import UR, encode_ur

WAIT = 10_000
DEVICE = "Ben's signer"
PATH = "m/44'/60'/0'/0/0"
MASTER = 0x5271C071
# Qt Multimedia's FFmpeg backend warns about optional acceleration libraries it cannot load on this machine.
pytestmark = pytest.mark.qt_log_ignore(r"^Couldn't (load|resolve) ")


def signer(seed: bytes = b"ben") -> KeystoreSigner:
    key = PrivateKey(hashlib.sha256(seed).digest())
    return KeystoreSigner(address=key.public_key.to_checksum_address(), private_key=key.to_bytes())


BEN = signer()


def ur_file(path: Path, ur: UR) -> Path:
    path.write_text(encode_ur(ur).upper() + "\n", encoding="ascii")
    return path


def ben_ur(device: str = DEVICE) -> UR:
    """Ben's account as his offline signer shows it, with the key origin a seed-derived key declares."""
    return account_ur(BEN, device, parse_path(PATH, source_fingerprint=MASTER))


@dataclass
class Rig:
    page: KeysPage
    keys: KeyService
    qtbot: QtBot
    tmp: Path

    def kinds(self) -> dict[str, str]:
        model = self.page.model
        return {model.data(model.index(r, KeyColumn.ADDRESS)): model.data(model.index(r, KeyColumn.KIND))
                for r in range(model.rowCount())}

    def scan(self) -> QrScanDialog:
        with self.qtbot.waitSignal(self.page.sig_dialog_opened, timeout=WAIT) as opened:
            self.page.pair_offline_button.click()
        scan = opened.args[0]
        assert isinstance(scan, QrScanDialog) and scan.isVisible() and isinstance(scan.collector, AccountUrCollector)
        return scan

    def read_file(self, scan: QrScanDialog, path: Path) -> PairOfflineDialog:
        """The scan dialog's File… reads `path`; the pairing dialog opens once the account is whole."""
        scan.ask_file = lambda _parent: [str(path)]
        with self.qtbot.waitSignal(self.page.sig_dialog_opened, timeout=WAIT) as opened:
            scan.file_button.click()
        dialog = opened.args[0]
        assert isinstance(dialog, PairOfflineDialog) and dialog.isVisible() and self.page.dialog is dialog
        assert not shiboken6.isValid(scan) or not scan.isVisible()
        return dialog

    def pair(self, dialog: PairOfflineDialog) -> None:
        assert dialog.submit_button.isEnabled()
        with self.qtbot.waitSignal(self.page.sig_keys_shown, timeout=WAIT):
            dialog.submit_button.click()
        self.qtbot.waitUntil(lambda: self.page.dialog is None, timeout=WAIT)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Profile, KeyService]]:
    config = ProfileConfig(name="desk", network="hashkey", chain_id=177, rpc_urls=("http://127.0.0.1:9",),
                           idle_lock_seconds=600)
    profile = create_profile(tmp_path / "home", config)
    keys = KeyService(registry=KeyRegistry(engine=profile.engine), keystore_dir=profile.paths.keystores,
                      os_keyring=OsKeyring(service=f"custos-test:{secrets.token_hex(4)}"), load_vaults=list,
                      allow_quorum_on_device=False, idle_timeout_seconds=600)
    yield profile, keys
    profile.close()


@pytest.fixture
def rig(qtbot: QtBot, runner: TaskRunner, desk: tuple[Profile, KeyService], tmp_path: Path) -> Iterator[Rig]:
    _profile, keys = desk
    page = KeysPage()
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitExposed(page)
    with qtbot.waitSignal(page.sig_keys_shown, timeout=WAIT):
        page.attach(keys, runner)
    yield Rig(page, keys, qtbot, tmp_path)
    if shiboken6.isValid(page):
        page.detach()
    runner.shutdown(timeout=3)


def test_pairing_from_a_file_records_an_offline_key_listed_with_its_device(rig: Rig) -> None:
    page = rig.page
    assert page.pair_offline_button.isVisible() and page.pair_offline_button.isEnabled()
    assert page.pair_offline_button.text() == "Pair an offline signer…"
    dialog = rig.read_file(rig.scan(), ur_file(rig.tmp / "ben.ur", ben_ur()))
    assert dialog.device.text() == DEVICE
    assert [label.text() for label in dialog.address_labels] == [BEN.address]
    assert [label.text() for label in dialog.origin_labels] == [f"{PATH} (master fingerprint 5271c071)"]
    assert dialog.label.text() == DEVICE  # the device name unless changed
    assert not dialog.error.isVisible()
    dialog.label.setText("Ben Wong")
    rig.pair(dialog)
    assert rig.kinds() == {BEN.address: "Offline signer"}
    view = rig.keys.load_keys()[0]
    assert (view.address, view.kind, view.label) == (BEN.address, KeyKind.OFFLINE, "Ben Wong")
    origin = rig.keys.offline_origin(BEN.address)
    assert origin is not None and (origin.device, origin.path, origin.fingerprint) == (DEVICE, PATH, MASTER)
    assert page.selected_key() is not None and page.selected_key().address == BEN.address  # type: ignore[union-attr]
    assert page.details_kind.text() == "Offline signer"
    rig.qtbot.waitUntil(lambda: page.details.paired.text() != "", timeout=WAIT)
    assert page.details.paired.text() == f"“{DEVICE}”, key origin {PATH} (master fingerprint 5271c071)"
    assert page.details.paired.isVisible() and "signs on its own device" in page.details_state.text()
    assert page.status.text() == "Paired “Ben Wong”: it signs on its own device, not here."
    assert not page.buttons[page.unlock_action].isEnabled() and not page.buttons[page.export_action].isEnabled()


def test_a_crypto_account_of_several_keys_pairs_each_with_its_key_origin(rig: Rig) -> None:
    carmen = signer(b"carmen")
    keys = []
    for number, who in enumerate((BEN, carmen)):
        path = parse_path(f"m/44'/60'/{number}'/0/0", source_fingerprint=MASTER)
        keys.append(CryptoHDKey.from_cbor(account_ur(who, "Keystone 3 Pro", path).cbor))
    account = UR(CryptoAccount.UR_TYPE, CryptoAccount(MASTER, tuple(keys)).to_cbor())
    dialog = rig.read_file(rig.scan(), ur_file(rig.tmp / "account.ur", account))
    assert [label.text() for label in dialog.address_labels] == [BEN.address, carmen.address]
    assert dialog.submit_button.text() == "Pair 2 keys" and dialog.label.text() == "Keystone 3 Pro"
    rig.pair(dialog)
    assert rig.kinds() == {BEN.address: "Offline signer", carmen.address: "Offline signer"}
    labels = {view.address: view.label for view in rig.keys.load_keys()}
    assert labels == {BEN.address: "Keystone 3 Pro (m/44'/60'/0'/0/0)",
                      carmen.address: "Keystone 3 Pro (m/44'/60'/1'/0/0)"}


def test_a_bad_ur_is_refused_in_words_and_reading_goes_on(rig: Rig) -> None:
    """A code of another type, a private key and a malformed code are said in the scan dialog; nothing is kept or
    recorded, and the right account read afterwards still pairs."""
    scan = rig.scan()
    public = CryptoHDKey.from_cbor(ben_ur().cbor).to_item()
    private = UR(CryptoHDKey.UR_TYPE, dumps({**public, 2: True}))
    for code, words in ((encode_ur(UR("eth-signature", dumps({2: b"\x01" * 65}))),
                         "not an offline signer's account (crypto-hdkey or crypto-account)"),
                        (encode_ur(private), "This crypto-hdkey carries a private key: Custos accepts public keys "
                                             "only, never secrets. Nothing was recorded."),
                        ("UR:CRYPTO-HDKEY/NOT-BYTEWORDS", ""),
                        ("https://example.com/pair", "not a UR")):
        refused = scan.take([code], "qr")
        assert refused and words in refused and scan.problem.isVisible() and words in scan.problem.text()
        assert scan.isVisible() and not scan.collector.is_complete and scan.frames_read == 0
        assert rig.page.dialog is scan
        scan.problem.clear_error()
    assert rig.keys.load_keys() == [] and rig.page.model.rowCount() == 0  # nothing recorded
    dialog = rig.read_file(scan, ur_file(rig.tmp / "ben.ur", ben_ur()))
    rig.pair(dialog)
    assert rig.kinds() == {BEN.address: "Offline signer"}


def test_an_address_already_in_the_profile_is_refused_and_nothing_is_recorded(rig: Rig, runner: TaskRunner) -> None:
    rig.keys.add_watch(BEN.address, "Ben (watch-only)")
    rig.page.reload()
    rig.qtbot.waitUntil(lambda: rig.page.model.rowCount() == 1, timeout=WAIT)
    dialog = rig.read_file(rig.scan(), ur_file(rig.tmp / "ben.ur", ben_ur()))
    assert dialog.error.isVisible() and f"This profile already holds {BEN.address}" in dialog.error.text()
    assert not dialog.submit_button.isEnabled()
    dialog.reject()
    rig.qtbot.waitUntil(lambda: rig.page.dialog is None, timeout=WAIT)
    # The core decides too: a dialog that did not know the key (another desktop added it meanwhile) is refused.
    accounts = AccountUrCollector()
    accounts.receive(encode_ur(ben_ur()))
    late = PairOfflineDialog(runner=runner, keys=rig.keys, accounts=accounts.accounts, held=())
    rig.qtbot.addWidget(late)
    late.show()
    late.submit_button.click()
    rig.qtbot.waitUntil(lambda: late.error.isVisible() and not late.busy, timeout=WAIT)
    assert f"This profile already holds {BEN.address}" in late.error.text() and late.isVisible()
    assert [(v.kind, v.label) for v in rig.keys.load_keys()] == [(KeyKind.WATCH, "Ben (watch-only)")]
    assert rig.keys.offline_origin(BEN.address) is None


def test_cancelling_the_scan_or_the_pairing_records_nothing(rig: Rig) -> None:
    scan = rig.scan()
    scan.reject()
    rig.qtbot.waitUntil(lambda: rig.page.dialog is None, timeout=WAIT)
    dialog = rig.read_file(rig.scan(), ur_file(rig.tmp / "ben.ur", ben_ur()))
    dialog.reject()
    rig.qtbot.waitUntil(lambda: rig.page.dialog is None, timeout=WAIT)
    assert rig.keys.load_keys() == [] and rig.page.pair_offline_button.isEnabled()


def test_the_offline_signer_keys_tab_offers_no_pairing(qtbot: QtBot) -> None:
    tab = OfflineKeysTab()
    qtbot.addWidget(tab)
    tab.show()
    page = tab.keys_page
    assert page.pair_offline_button.isHidden() and not page.pair_offline_action.isEnabled()
    page.pair_offline()
    assert page.dialog is None
    online = KeysPage()
    qtbot.addWidget(online)
    assert not online.pair_offline_button.isHidden()


def test_the_pairing_dialog_in_a_light_and_a_dark_palette(rig: Rig) -> None:
    """At its normal size, every line readable: the address is not cut in either palette."""
    from tests.ui.make_shots import dark_palette

    out = Path(os.environ.get("CUSTOS_SHOTS", "/tmp/shots"))
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = QPalette(app.palette())
    path = ur_file(rig.tmp / "ben.ur", ben_ur())
    try:
        for name, palette in (("light", app.style().standardPalette()), ("dark", dark_palette())):
            app.setPalette(palette)
            dialog = rig.read_file(rig.scan(), path)
            dialog.adjustSize()
            rig.qtbot.wait(50)
            address = dialog.address_labels[0]
            assert address.fontMetrics().horizontalAdvance(address.text()) <= address.width()
            assert dialog.grab().save(str(out / f"pair-offline-{name}.png"))
            dialog.reject()
            rig.qtbot.waitUntil(lambda: rig.page.dialog is None, timeout=WAIT)
    finally:
        app.setPalette(original)
