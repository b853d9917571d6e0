"""The offline signer's window, on a real offline signer profile: one owner of the demo's client vault keeps his key
on it, with the demo's vaults anchored and its policy imported (tests/integration/test_offline_signing.set_up builds
both homes with the CLI, once per module). The window is driven like a person would: reading a request through the
scan dialog's File…, typing the safeTxHash and the password, saving the answer; a tampered request; anchoring a vault
with a wrong and then the right fingerprint; importing a policy bundle; pairing. A child process shows that
custos-gui routes an offline profile to this window and that reviewing and signing there import no chain client and
open no network socket."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.integration.test_offline_signing import PASSWORD, Setup, ok, rewritten, set_up
from tests.ui.fakes import RecordingPresenter
from ui.offline.banner import OFFLINE_TEXT
from ui.offline.review_rows import DECIDED_HERE, ShownReview
from ui.offline.routing import profile_is_offline
from ui.offline.session import OfflineSession
from ui.offline.window import OfflineSignerWindow
from ui.tasks import TaskRunner
from wallet_app.domain.safe_tx import compute_hashes
from wallet_app.offline.rendering import hash_lines
from wallet_app.offline.transport import read_request_lines, read_signature_lines, read_text_file
from wallet_app.safe.tx_typed_data import safe_tx_from_typed_data

REPO = Path(__file__).resolve().parents[2]
WAIT_MS = 20_000
LEFT = Qt.MouseButton.LeftButton


@dataclass(frozen=True)
class Homes:
    setup: Setup
    request: Path  # a sign request for Ben's key on the client vault's pending transfer
    tampered: Path  # the same request, its custos-check naming another safeTxHash
    safe_tx_hash: str
    online_lines: tuple[str, ...]  # what `custos offline request` printed on the online desktop


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> Homes:
    work = tmp_path_factory.mktemp("offline-window")
    setup = set_up(work)
    pending = setup.pending()
    request = work / "ui.request"
    printed = ok(setup.online_cli("offline", "request", pending, "--key", setup.ben, "--out", str(request)))
    tampered = rewritten(request, work / "ui-tampered.request", check_hash=b"\x11" * 32)
    return Homes(setup, request, tampered, pending, tuple(printed.splitlines()))


@pytest.fixture
def signer_home(homes: Homes, tmp_path: Path) -> Path:
    """A private copy of the offline signer's home: what a test signs or anchors stays in it."""
    return Path(shutil.copytree(homes.setup.offline, tmp_path / "offline", symlinks=True))


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, signer_home: Path) -> Iterator[OfflineSignerWindow]:
    shown = OfflineSignerWindow(profile_name="signer")
    qtbot.addWidget(shown)
    session = OfflineSession(window=shown, runner=runner, home=signer_home, profile_name="signer", parent=shown)
    with qtbot.waitSignal(session.sig_ready, timeout=WAIT_MS):
        shown.show()
        session.start()
    yield shown
    session.close()
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT_MS)


def review_file(qtbot: QtBot, window: OfflineSignerWindow, path: Path) -> ShownReview:
    """Read `path` as a person does: Read a request…, then File… in the scan dialog."""
    page = window.sign_page
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(page.read_button, LEFT)
    dialog = opened.args[0]
    dialog.ask_file = lambda _parent: [str(path)]
    with qtbot.waitSignal(page.sig_reviewed, timeout=WAIT_MS) as reviewed:
        qtbot.mouseClick(dialog.file_button, LEFT)
    assert page.scan_dialog is None  # it accepted and closed itself once the request was complete
    shown: ShownReview = reviewed.args[0]
    return shown


def test_only_an_offline_profile_is_routed_to_the_offline_window(homes: Homes, tmp_path: Path) -> None:
    assert profile_is_offline(homes.setup.offline, "signer")
    assert not profile_is_offline(homes.setup.online, "demo")
    assert not profile_is_offline(tmp_path, "nobody")  # opening it says why, in the main window


def test_the_banner_is_above_every_tab(window: OfflineSignerWindow) -> None:
    assert window.pages.count() == 6
    titles = [window.pages.tabText(i).replace("&", "") for i in range(window.pages.count())]
    assert titles == ["Sign", "Vaults", "Cold vaults", "Keys", "Policy", "Audit"]
    for index in range(window.pages.count()):
        window.pages.setCurrentIndex(index)
        assert window.banner.isVisible() and window.banner.text() == OFFLINE_TEXT
        assert not window.pages.isAncestorOf(window.banner)
    assert "no network connection" in window.profile_status.text()


def test_a_request_is_read_reviewed_and_signed_after_the_hash_is_confirmed(
        qtbot: QtBot, window: OfflineSignerWindow, homes: Homes, tmp_path: Path, presenter: RecordingPresenter) -> None:
    shown = review_file(qtbot, window, homes.request)
    page, box = window.sign_page, window.sign_page.sign_box
    read = read_request_lines(read_text_file(homes.request, "request"))
    typed = json.loads(read.sign_request.sign_data)
    tx = safe_tx_from_typed_data(typed, safe=typed["domain"]["verifyingContract"], chain_id=typed["domain"]["chainId"],
                                 version="1.4.1")
    expected = hash_lines(compute_hashes(tx))
    assert page.panel.hash_text_lines() == expected  # K6: the very strings of hash_lines
    assert all(line in homes.online_lines for line in expected)  # ...which the online desktop printed
    assert shown.refusals == () and shown.review.refusals == (), shown.refusals
    assert shown.safe_tx_hash == homes.safe_tx_hash and shown.can_sign and not page.refusal_box.isVisible()
    assert "Harbour client vault" in page.panel.vault.text() and page.panel.nonce.text() == str(tx.nonce)
    assert page.panel.decision.text() == "Allow" and page.panel.online.text().startswith("Allow at block ")
    wheres = {row.where for row in page.panel.verdicts_model.rows()}
    assert DECIDED_HERE in wheres and wheres <= {DECIDED_HERE, f"checked online at block {shown.review.online_block}"}

    assert box.isVisible() and not box.sign_button.isEnabled()
    qtbot.keyClicks(box.password, PASSWORD)
    assert not box.sign_button.isEnabled()  # a password alone is not enough
    qtbot.keyClicks(box.confirm, "0x" + "0" * 64)
    assert not box.sign_button.isEnabled() and "Not the safeTxHash" in box.match.text()
    box.confirm.clear()
    grouped = next(line for line in expected if line.strip().startswith("0x ") and
                   line.replace(" ", "").endswith(homes.safe_tx_hash[2:]))
    qtbot.keyClicks(box.confirm, grouped.strip()[:-4])  # the grouped form, not quite finished
    assert not box.sign_button.isEnabled()
    qtbot.keyClicks(box.confirm, grouped.strip()[-4:])
    assert box.sign_button.isEnabled() and box.match.tone == "good"

    with qtbot.waitSignal(page.sig_signed, timeout=WAIT_MS) as signed:
        qtbot.mouseClick(box.sign_button, LEFT)
    text: str = signed.args[0]
    assert text.startswith("UR:ETH-SIGNATURE/") and text == text.upper()
    assert box.password.text() == "" and not box.isVisible() and page.answer.isVisible()
    assert page.answer.ur_text() == text
    target = tmp_path / "answer.txt"
    page.answer.ask_path = lambda _parent, _name: str(target)
    with qtbot.waitSignal(page.answer.sig_saved, timeout=WAIT_MS):
        qtbot.mouseClick(page.answer.save_button, LEFT)
    answer = read_signature_lines(read_text_file(target, "answer"))
    assert answer.request_id == read.sign_request.request_id and len(answer.signature) == 65
    before = target.read_bytes()
    qtbot.mouseClick(page.answer.save_button, LEFT)  # the same name again: refused, never overwritten
    qtbot.waitUntil(lambda: page.answer.problem.isVisible(), timeout=WAIT_MS)
    assert "already exists" in page.answer.problem.text() and target.read_bytes() == before
    assert presenter.errors == []


def test_a_wrong_password_is_said_and_nothing_is_signed(qtbot: QtBot, window: OfflineSignerWindow,
                                                        homes: Homes) -> None:
    review_file(qtbot, window, homes.request)
    box = window.sign_page.sign_box
    qtbot.keyClicks(box.confirm, homes.safe_tx_hash)
    qtbot.keyClicks(box.password, "not the password")
    qtbot.mouseClick(box.sign_button, LEFT)
    qtbot.waitUntil(lambda: box.error.isVisible(), timeout=WAIT_MS)
    assert box.isVisible() and not window.sign_page.answer.isVisible() and box.password.text() == ""
    assert box.confirm.text() == homes.safe_tx_hash  # the comparison need not be done again


def test_a_tampered_request_is_refused_with_no_way_to_sign(qtbot: QtBot, window: OfflineSignerWindow,
                                                           homes: Homes) -> None:
    shown = review_file(qtbot, window, homes.tampered)
    page = window.sign_page
    assert not shown.can_sign
    assert page.refusal_box.isVisible()
    refusals = [label.text() for label in page.refusals.labels]
    assert any("the fields or the hash were altered" in text for text in refusals)
    assert not page.sign_box.isVisible() and not page.sign_box.isEnabled()
    assert not page.sign_box.sign_button.isEnabled() and page.refused_note.isVisible()
    page.sign_box.request_sign()  # even called directly, nothing happens
    assert not page.answer.isVisible()
    qtbot.keyClicks(page.sign_box.confirm, homes.safe_tx_hash)
    assert not page.sign_box.sign_button.isEnabled()
    context = window.context
    assert context is not None
    refused = context.signer.audit.load_entries(action="offline_refused")
    assert refused and refused[0].subject == homes.safe_tx_hash


def test_the_anchor_dialog_refuses_a_wrong_fingerprint(qtbot: QtBot, window: OfflineSignerWindow,
                                                       homes: Homes) -> None:
    from ui.offline.anchor_dialog import AnchorVaultDialog
    from wallet_app.vaults.anchors import vault_facts

    page = window.vaults_page
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT_MS)
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(page.anchor_button, LEFT)
    dialog: AnchorVaultDialog = opened.args[0]
    vault, owners = "0x" + "ab" * 20, [homes.setup.ben, homes.setup.alice]
    qtbot.keyClicks(dialog.address, vault)
    assert "owners" in dialog.problem.text() and dialog.computed.text() == "—"
    dialog.owners.setPlainText("\n".join([*owners, "0x1234"]))
    assert "is not an address" in dialog.problem.text() and not dialog.submit_button.isEnabled()
    dialog.owners.setPlainText("\n".join(owners))
    dialog.threshold.setValue(2)
    dialog.label.setText("Escrow")
    context = window.context
    assert context is not None
    facts = vault_facts(context.chain_id, vault, "1.4.1", owners, 2, "Escrow")
    assert dialog.computed.text() == facts.fingerprint_words and not dialog.problem.isVisible()
    other = vault_facts(context.chain_id, vault, "1.4.1", owners, 1)
    qtbot.keyClicks(dialog.typed, other.fingerprint_words)
    assert not dialog.submit_button.isEnabled() and "Not the same fingerprint" in dialog.match.text()
    dialog.submit()
    assert dialog.isVisible()  # nothing is anchored
    dialog.typed.clear()
    qtbot.keyClicks(dialog.typed, facts.fingerprint_words.lower().replace(" ", ""))
    assert dialog.submit_button.isEnabled()
    with qtbot.waitSignal(page.sig_vaults_shown, timeout=WAIT_MS) as shown:
        qtbot.mouseClick(dialog.submit_button, LEFT)
    assert shown.args[0] == 3 and "Anchored Escrow" in page.status.text()


def test_a_policy_bundle_is_imported_and_a_bad_one_changes_nothing(qtbot: QtBot, window: OfflineSignerWindow,
                                                                    homes: Homes, tmp_path: Path) -> None:
    page = window.policy_page
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.details.isVisible(), timeout=WAIT_MS)
    assert page.version.text() == "1" and page.digest.value().startswith("0x")
    assert "3 verified signatures" in page.approved.text()
    with qtbot.waitSignal(page.sig_imported, timeout=WAIT_MS):
        page.import_bundle(homes.setup.work / "policy.json")
    assert "Nothing new" in page.result.text() and "In force: version 1" in page.result.text()
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "not a bundle"}')
    page.ask_path = lambda _parent: str(bad)
    with qtbot.waitSignal(page.sig_import_refused, timeout=WAIT_MS) as refused:
        qtbot.mouseClick(page.import_button, LEFT)
    assert "nothing was changed" in refused.args[0] and page.refused.isVisible()
    assert page.version.text() == "1"


def test_a_key_shows_its_account_for_pairing(qtbot: QtBot, window: OfflineSignerWindow, homes: Homes,
                                             tmp_path: Path) -> None:
    from ui.offline.account_dialog import AccountDialog, AccountQrDialog
    from wallet_app.offline.pairing import paired_accounts
    from wallet_app.ur.ur import decode_ur

    tab = window.keys_tab
    window.pages.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.pair_button.isEnabled(), timeout=WAIT_MS)
    with qtbot.waitSignal(tab.sig_dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(tab.pair_button, LEFT)
    dialog: AccountDialog = opened.args[0]
    dialog.device.setText("Ben's signer")
    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(tab.sig_dialog_opened, timeout=WAIT_MS) as shown:
        qtbot.mouseClick(dialog.submit_button, LEFT)
    qr: AccountQrDialog = shown.args[0]
    text = qr.view.ur_text()
    assert text.startswith("UR:CRYPTO-HDKEY/")
    [account] = paired_accounts(decode_ur(text))
    assert account.address == homes.setup.ben and account.device == "Ben's signer"
    assert not qr.view.qr.current_image().isNull() or qr.view.qr.cycle_length == 1
    target = tmp_path / "account.txt"
    qr.view.ask_path = lambda _parent, _name: str(target)
    with qtbot.waitSignal(qr.view.sig_saved, timeout=WAIT_MS):
        qr.view.save()
    assert target.read_text().strip() == text
    qr.close()
    keys = tab.keys_page.model
    qtbot.waitUntil(lambda: keys.rowCount() == 1 and not keys.key_at(0).unlocked, timeout=WAIT_MS)


def test_the_audit_tab_reads_the_signers_log(qtbot: QtBot, window: OfflineSignerWindow) -> None:
    page = window.audit_page
    with qtbot.waitSignal(page.sig_entries_shown, timeout=WAIT_MS) as shown:
        window.pages.setCurrentWidget(page)
    assert shown.args[0] >= 5  # key import, anchors, the policy's records: the entries are the Audit page's business


def test_a_new_offline_profile_says_what_is_missing(qtbot: QtBot, runner: TaskRunner, homes: Homes,
                                                   tmp_path: Path) -> None:
    """Built directly (create_profile with offline=True, a key imported): no vault anchored, no policy in force."""
    from ui.offline.policy_page import OfflinePolicyPage
    from ui.offline.vaults_page import EMPTY_TEXT
    from wallet_app.config import ProfileConfig
    from wallet_app.domain.network import PRESETS
    from wallet_app.profile_keys import build_key_service
    from wallet_app.profiles import create_profile

    config = ProfileConfig(name="fresh", network="devnet", chain_id=PRESETS["devnet"].chain_id, offline=True)
    profile = create_profile(tmp_path, config)
    try:
        build_key_service(profile).import_private_key((homes.setup.work / "ben.key").read_text().strip(), "Ben",
                                                      PASSWORD)
    finally:
        profile.close()
    shown = OfflineSignerWindow(profile_name="fresh")
    qtbot.addWidget(shown)
    session = OfflineSession(window=shown, runner=runner, home=tmp_path, profile_name="fresh", parent=shown)
    policy: OfflinePolicyPage = shown.policy_page
    with qtbot.waitSignals([session.sig_ready, policy.sig_policy_shown, shown.vaults_page.sig_vaults_shown],
                           timeout=WAIT_MS):
        shown.show()
        session.start()
    assert policy.state.text().startswith("No policy is in force") and not policy.details.isVisible()
    assert shown.vaults_page.message.text() == EMPTY_TEXT
    with qtbot.waitSignal(shown.sign_page.sig_review_failed, timeout=WAIT_MS) as failed:
        shown.sign_page.review_file(homes.request)
    assert "No policy is in force on this signer" in failed.args[0]
    assert shown.sign_page.refusal_box.isVisible() and not shown.sign_page.sign_box.isVisible()
    session.close()
    qtbot.waitUntil(lambda: runner.in_flight == 0, timeout=WAIT_MS)


def test_the_scan_waits_for_the_online_check_after_the_sign_request(homes: Homes) -> None:
    """The request file holds the sign request first: a reader that stopped there would lose the check."""
    from wallet_app.offline.transport import RequestReader

    first, *rest = [line for line in read_text_file(homes.request, "request") if line.strip()]
    collector = RequestReader()
    collector.receive(first)
    assert not collector.is_complete and collector.sign_request_only
    assert collector.progress == 0.5
    for line in rest:
        collector.receive(line)
    assert collector.is_complete and not collector.sign_request_only
    assert collector.result().check is not None


NO_NETWORK_GUI = """
import json, os, socket, sys, time
events = []
def hook(event, args):
    if event == "socket.__new__" and args[1] in (socket.AF_INET, socket.AF_INET6):
        events.append(event)
    elif event == "socket.connect" and getattr(args[0], "family", None) in (socket.AF_INET, socket.AF_INET6):
        events.append(f"{event} {args[1]}")
    elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
        events.append(f"{event} {args[0:1]}")
sys.addaudithook(hook)
CHAIN_STACK = ("web3", "eth_tester", "wallet_app.chain.web3", "wallet_app.chain.connect", "wallet_app.chain.monitor",
               "wallet_app.chain.devnet", "wallet_app.chain.sending", "wallet_app.services")
home, request, confirm, password = sys.argv[1:5]
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.app import main
code = main(["--home", home, "--profile", "signer", "--quit-after-load"])
from pathlib import Path
from ui.errors import ErrorPresenter
from ui.offline.session import OfflineSession
from ui.offline.window import OfflineSignerWindow
from ui.tasks import TaskRunner
def wait(done):
    deadline = time.monotonic() + 60
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.01)
runner = TaskRunner(presenter=ErrorPresenter(show=lambda report, parent: print(report.text, file=sys.stderr)))
window = OfflineSignerWindow(profile_name="signer")
session = OfflineSession(window=window, runner=runner, home=Path(home), profile_name="signer")
window.show()
session.start()
wait(lambda: session.phase == "ready")
window.sign_page.review_file(Path(request))
wait(lambda: window.sign_page.shown is not None)
window.sign_page.sign_box.confirm.setText(confirm)
window.sign_page.sign_box.password.setText(password)
window.sign_page.sign_box.request_sign()
wait(lambda: window.sign_page.answer.ur_text() != "")
session.close()
runner.shutdown(10)
print(json.dumps({"code": code, "events": events, "signed": window.sign_page.answer.ur_text()[:17],
                  "chain": sorted(m for m in sys.modules if m.startswith(CHAIN_STACK))}))
"""


def test_custos_gui_opens_the_offline_window_with_no_chain_and_no_socket(homes: Homes, signer_home: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CUSTOS_HOME": ""}
    result = subprocess.run([sys.executable, "-c", NO_NETWORK_GUI, str(signer_home), str(homes.request),
                             homes.safe_tx_hash, PASSWORD], capture_output=True, text=True, cwd=REPO, timeout=180,
                            env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert any(line.startswith("ready: ") for line in lines), result.stdout  # the offline window, not the main one
    report: dict[str, Any] = json.loads(lines[-1])
    assert report["code"] == 0
    assert report["signed"] == "UR:ETH-SIGNATURE/"
    assert report["events"] == [] and report["chain"] == [], report["chain"]


# -- anchoring from the online desktop's set-up code ----------------------------------------------------------------
SETUP_VAULT = "0x" + "cd" * 20


def open_anchor_dialog(qtbot: QtBot, window: OfflineSignerWindow) -> Any:
    page = window.vaults_page
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT_MS)
    with qtbot.waitSignal(page.sig_dialog_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(page.anchor_button, LEFT)
    return opened.args[0]


def setup_file(path: Path, chain_id: int, homes: Homes, label: str = "Escrow by code") -> Any:
    """A set-up UR file as `custos offline vault show VAULT --out FILE` writes it online; returns its facts."""
    from wallet_app.ur.ur import encode_ur
    from wallet_app.vaults.anchor_setup import setup_ur
    from wallet_app.vaults.anchors import vault_facts

    facts = vault_facts(chain_id, SETUP_VAULT, "1.4.1", [homes.setup.ben, homes.setup.alice], 2, label)
    path.write_text(encode_ur(setup_ur(facts)).upper() + "\n")
    return facts


def scan_setup(qtbot: QtBot, dialog: Any, path: Path) -> Any:
    """Read the set-up code..., then File... in the scan dialog, as a person does; returns the scan dialog."""
    with qtbot.waitSignal(dialog.sig_scan_opened, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(dialog.read_setup_button, LEFT)
    scan = opened.args[0]
    scan.ask_file = lambda _parent: [str(path)]
    qtbot.mouseClick(scan.file_button, LEFT)
    return scan


def test_a_set_up_code_fills_the_anchor_dialog_read_only(qtbot: QtBot, window: OfflineSignerWindow, homes: Homes,
                                                         tmp_path: Path) -> None:
    context = window.context
    assert context is not None
    facts = setup_file(tmp_path / "vault.setup", context.chain_id, homes)
    dialog = open_anchor_dialog(qtbot, window)
    assert not dialog.from_setup and not dialog.clear_setup_button.isVisible()
    with qtbot.waitSignal(dialog.sig_setup_read, timeout=WAIT_MS) as read:
        scan_setup(qtbot, dialog, tmp_path / "vault.setup")
    assert read.args[0] == facts and dialog.scan_dialog is None  # the scan dialog closed itself
    assert dialog.address.text() == facts.address and dialog.version.text() == "1.4.1"
    assert dialog.owner_lines() == [homes.setup.ben, homes.setup.alice]
    assert dialog.threshold.value() == 2 and dialog.label.text() == "Escrow by code"
    fields = (dialog.address, dialog.version, dialog.owners, dialog.threshold, dialog.label)
    assert all(field.isReadOnly() for field in fields)
    assert dialog.from_setup and dialog.clear_setup_button.isVisible()
    assert "from a file" in dialog.setup_note.text() and "compare the fingerprint" in dialog.setup_note.text()
    assert dialog.computed.text() == facts.fingerprint_words and not dialog.problem.isVisible()
    assert not dialog.submit_button.isEnabled()  # the fingerprint must still be typed
    qtbot.mouseClick(dialog.clear_setup_button, LEFT)
    assert not dialog.from_setup and not any(field.isReadOnly() for field in fields)
    assert dialog.address.text() == "" and dialog.owner_lines() == [] and dialog.computed.text() == "—"
    qtbot.keyClicks(dialog.address, SETUP_VAULT)  # typed instead
    assert dialog.address.text() == SETUP_VAULT
    dialog.reject()


def test_a_vault_read_from_its_set_up_code_is_anchored_as_setup_qr(qtbot: QtBot, window: OfflineSignerWindow,
                                                                   homes: Homes, tmp_path: Path) -> None:
    from ui.offline.vaults_page import AnchorColumn
    from wallet_app.vaults.anchors import HOW_SETUP_QR, vault_facts

    context = window.context
    assert context is not None
    facts = setup_file(tmp_path / "vault.setup", context.chain_id, homes)
    dialog = open_anchor_dialog(qtbot, window)
    with qtbot.waitSignal(dialog.sig_setup_read, timeout=WAIT_MS):
        scan_setup(qtbot, dialog, tmp_path / "vault.setup")
    other = vault_facts(context.chain_id, SETUP_VAULT, "1.4.1", [homes.setup.ben, homes.setup.alice], 1)
    qtbot.keyClicks(dialog.typed, other.fingerprint_words)  # as if the code was swapped on the way
    assert not dialog.submit_button.isEnabled() and "Not the same fingerprint" in dialog.match.text()
    dialog.submit()
    assert dialog.isVisible() and context.signer.anchors.find(SETUP_VAULT) is None  # nothing is anchored
    dialog.typed.clear()
    qtbot.keyClicks(dialog.typed, facts.fingerprint_words)
    assert dialog.submit_button.isEnabled() and dialog.match.tone == "good"
    page = window.vaults_page
    with qtbot.waitSignal(page.sig_vaults_shown, timeout=WAIT_MS) as shown:
        qtbot.mouseClick(dialog.submit_button, LEFT)
    assert shown.args[0] == 3 and "Anchored Escrow by code" in page.status.text()
    anchored = context.signer.anchors.find(SETUP_VAULT)
    assert anchored is not None and anchored.how == HOW_SETUP_QR == "setup-qr" and anchored.facts == facts
    [entry] = [e for e in context.signer.audit.load_entries(action="offline_anchor") if e.subject == facts.address]
    assert json.loads(entry.detail)["how"] == "setup-qr"
    [listed] = [v for r in range(page.model.rowCount())
                if (v := page.model.vault_at(r)) is not None and v.facts.address == facts.address]
    assert "from the set-up QR code" in page.model.text(listed, AnchorColumn.ANCHORED)


def test_a_set_up_code_for_another_chain_or_of_another_type_is_refused(
        qtbot: QtBot, window: OfflineSignerWindow, homes: Homes, tmp_path: Path) -> None:
    context = window.context
    assert context is not None
    setup_file(tmp_path / "other-chain.setup", 1, homes)
    dialog = open_anchor_dialog(qtbot, window)
    with qtbot.waitSignal(dialog.sig_setup_refused, timeout=WAIT_MS) as refused:
        scan_setup(qtbot, dialog, tmp_path / "other-chain.setup")
    text: str = refused.args[0]
    assert "chain 1 (Ethereum)" in text and f"chain {context.chain_id}" in text and "Nothing was filled" in text
    assert dialog.setup_note.text() == text and dialog.setup_note.tone == "bad"
    assert not dialog.from_setup and dialog.address.text() == "" and dialog.owner_lines() == []
    assert not dialog.address.isReadOnly() and not dialog.submit_button.isEnabled()
    scan = scan_setup(qtbot, dialog, homes.request)  # a sign request is not a vault's set-up
    qtbot.waitUntil(lambda: scan.problem.isVisible(), timeout=WAIT_MS)
    assert "not the custos-vault that is expected here" in scan.problem.text()
    assert scan.isVisible() and dialog.scan_dialog is scan and dialog.address.text() == ""
    scan.reject()
    assert dialog.scan_dialog is None and not dialog.from_setup and dialog.owner_lines() == []
    dialog.reject()
