"""Signing a cold vault's transfer in the offline signer's Sign tab, on a real offline profile with a cold vault (2 of
3 share files) and a policy naming it (tests/unit/test_cold_signing.py builds both): a request of data type 4 read
from its file is routed to the cold review, the officers type the signing hash and enter two shares (a share file
with its passphrase, then typed words), each checked as entered, and the answer is an eth-signature that recovers to
the vault in the assembled transaction, saved as a file. Refusals: a request short of approvals shows why and asks
for no share; one share never signs; a wrong passphrase or a share given twice is not added."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from pytestqt.qtbot import QtBot

from tests.ui import cold_fixtures
from tests.ui.cold_fixtures import LEFT, WAIT_MS
from tests.unit.test_cold_signing import (
    ALICE,
    NOW,
    PASSPHRASES,
    Signer,
    approve,
    request,
    transfer,
)
from ui.offline import work
from ui.offline.cold_sign_panel import ColdSignPanel
from ui.offline.window import OfflineSignerWindow
from ui.tasks import TaskRunner
from wallet_app.audit.actions import OFFLINE_REFUSED, OFFLINE_SIGN
from wallet_app.offline.online_check import UR_TYPE as CHECK_UR_TYPE
from wallet_app.offline.transport import ReadRequest, frames, read_signature_lines
from wallet_app.safe.journal import RELEASED
from wallet_app.ur.ur import UR

fast_scrypt = cold_fixtures.fast_scrypt
signer = cold_fixtures.signer


@pytest.fixture
def window(qtbot: QtBot, runner: TaskRunner, signer: Signer, tmp_path: Path) -> Iterator[OfflineSignerWindow]:
    context = work.open_signer(tmp_path / "home", "signer")
    context.signer.clock = lambda: NOW  # the request's check was made at NOW - 5 minutes
    yield from cold_fixtures.attached_window(qtbot, runner, context)
    context.close()


def request_file(read: ReadRequest, path: Path) -> Path:
    """The request as the online desktop writes it: the UR parts of the sign request and of its custos-check."""
    assert read.check is not None
    urs = [UR(read.sign_request.UR_TYPE, read.sign_request.to_cbor()), UR(CHECK_UR_TYPE, read.check.to_cbor())]
    path.write_text("\n".join(frames(urs)) + "\n")
    return path


def reviewed(qtbot: QtBot, window: OfflineSignerWindow, read: ReadRequest, tmp_path: Path) -> ColdSignPanel:
    page = window.sign_page
    with qtbot.waitSignal(page.cold_panel.sig_reviewed, timeout=WAIT_MS):
        page.review_file(request_file(read, tmp_path / "cold.request"))
    assert page.stack.currentWidget() is page.cold_panel
    return page.cold_panel


def enter(qtbot: QtBot, panel: ColdSignPanel, *, path: Path | None = None, passphrase: str = "",
          words: str = "") -> str:
    box = panel.share_box
    if path is not None:
        qtbot.mouseClick(box.by_file, LEFT)
        box.file_path.setText(str(path))
        qtbot.keyClicks(box.passphrase, passphrase)
    else:
        qtbot.mouseClick(box.by_words, LEFT)
        box.words.set_words(words)
        assert box.words.counts[0].text() == "4 of 4 ✓"
        assert all(field.echoMode() == field.EchoMode.Password for field in box.words.lines)
    assert box.add_button.isEnabled()
    with qtbot.waitSignal(panel.sig_share_checked, timeout=WAIT_MS) as checked:
        qtbot.mouseClick(box.add_button, LEFT)
    assert not box.passphrase.text() and not box.file_path.text() and box.words.word_count() == 0  # wiped
    return str(checked.args[0])


def share_path(signer: Signer, index: int) -> Path:
    return sorted(signer.shares_dir.glob("*.custos-share"))[index]


def test_a_cold_transfer_is_reviewed_and_signed_with_two_officers_shares(
        qtbot: QtBot, window: OfflineSignerWindow, signer: Signer, tmp_path: Path) -> None:
    tx = transfer()
    panel = reviewed(qtbot, window, request(signer, tx), tmp_path)
    page = window.sign_page
    assert not page.refusal_box.isVisible() and "reviewed on this signer." in page.status.text()
    values = {name: label.text() for name, label in panel.review_view.values.items()}
    assert values["vault"] == f"Cold Vault  {signer.vault.address}"
    assert values["shares_text"].startswith(f"Share set {signer.vault.active.identifier}: 2 of 3 shares needed "
                                            "(1. Alice Chan, 2. Ben Wong, 3. Carol Ho)")
    assert values["nonce"] == "3" and values["value"].startswith("2 HSK")
    assert values["fee_cap"].startswith("0.0021 HSK at most")
    assert values["to"].startswith("Client Vault")
    assert values["approvals"].startswith("2 verified on this signer, of the 2 of 3 approvers the policy needs:")
    assert "Allow" in panel.review_view.decision.text() and "at block 120" in panel.review_view.online.text()
    assert any(r.rule == "cold-to-client" for r in panel.review_view.verdicts_model.rows())
    signing_hash = "0x" + tx.signing_hash().hex()
    assert signing_hash in panel.hashes.toPlainText()
    box = panel.share_box
    assert box.isVisible() and not panel.refused_note.isVisible()
    assert not box.entry.isEnabled()  # the hash first
    qtbot.keyClicks(box.confirm, signing_hash.upper().replace("0X", "0x"))
    assert box.match.text().startswith("✓") and box.entry.isEnabled() and not box.sign_button.isEnabled()
    # Alice: her share file and passphrase
    assert enter(qtbot, panel, path=share_path(signer, 0), passphrase=PASSPHRASES[0]) == ""
    assert box.entered.text() == "1 of the 2 shares needed entered: ✓ share 1, Alice Chan"
    assert not box.sign_button.isEnabled()  # one share never signs
    # Alice again: not added
    refused = enter(qtbot, panel, path=share_path(signer, 0), passphrase=PASSPHRASES[0])
    assert "Share 1 (Alice Chan) was entered already" in refused and len(box.shares) == 1
    # Carol: her words, typed into the masked lines
    assert enter(qtbot, panel, words=signer.words(2)) == ""
    assert box.entered.text().startswith("2 of the 2 shares needed entered") and not box.entry.isVisible()
    assert box.sign_button.isEnabled()
    with qtbot.waitSignal(panel.sig_signed, timeout=WAIT_MS) as signed:
        qtbot.mouseClick(box.sign_button, LEFT)
    text = str(signed.args[0])
    assert panel.answer.isVisible() and panel.answer.ur_text() == text and panel.signed_text.isVisible()
    assert not box.isVisible() and box.shares == []
    answer = read_signature_lines([text])
    assert Account.recover_transaction(tx.signed_bytes(answer.v, answer.r, answer.s)) == signer.vault.address
    assert [e.state for e in signer.journal.entries()] == [RELEASED]
    action, detail = signer.audit()[-1]
    assert action == OFFLINE_SIGN and detail["shares_entered"] == ["share 1: Alice Chan", "share 3: Carol Ho"]
    # Save answer file…
    target = tmp_path / "answer.txt"
    panel.answer.ask_path = lambda _parent, _suggested: str(target)
    assert panel.answer.save_button.text() == "&Save answer file…"
    with qtbot.waitSignal(panel.answer.sig_saved, timeout=WAIT_MS):
        qtbot.mouseClick(panel.answer.save_button, LEFT)
    assert target.read_text() == text + "\n"


def test_a_wrong_passphrase_or_a_mistyped_word_adds_no_share(
        qtbot: QtBot, window: OfflineSignerWindow, signer: Signer, tmp_path: Path) -> None:
    tx = transfer()
    panel = reviewed(qtbot, window, request(signer, tx), tmp_path)
    box = panel.share_box
    qtbot.keyClicks(box.confirm, "0x" + tx.signing_hash().hex())
    refused = enter(qtbot, panel, path=share_path(signer, 1), passphrase="not-bens-passphrase")
    assert "The passphrase is wrong" in refused and box.shares == []
    assert "The passphrase is wrong" in box.entry_error.text() and box.entry_error.isVisible()
    words = signer.words(1).split()
    words[5] = "academic" if words[5] != "academic" else "acid"
    refused = enter(qtbot, panel, words=" ".join(words))
    assert refused.startswith("typed share 1:") and box.shares == []
    assert signer.words(0) not in refused and words[5] not in refused  # never quotes a share
    assert signer.journal.entries() == []


def test_a_request_short_of_approvals_is_refused_and_asks_for_no_share(
        qtbot: QtBot, window: OfflineSignerWindow, signer: Signer, tmp_path: Path) -> None:
    tx = transfer()
    panel = reviewed(qtbot, window, request(signer, tx, approvals=[approve(ALICE, signer, tx)]), tmp_path)
    page = window.sign_page
    assert page.refusal_box.isVisible() and "refused" in page.status.text()
    lines = [label.text() for label in page.refusals.labels]
    assert any("1 of the 2 approvals" in line and "not yet:" in line for line in lines), lines
    assert not panel.share_box.isVisible() and panel.refused_note.isVisible()
    assert panel.share_box.review is None
    panel.share_box.request_sign()  # nothing to sign
    assert signer.journal.entries() == []
    assert signer.audit()[-1][0] == OFFLINE_REFUSED


def test_one_share_never_signs(qtbot: QtBot, window: OfflineSignerWindow, signer: Signer, tmp_path: Path) -> None:
    tx = transfer()
    panel = reviewed(qtbot, window, request(signer, tx), tmp_path)
    box = panel.share_box
    qtbot.keyClicks(box.confirm, "0x" + tx.signing_hash().hex())
    assert enter(qtbot, panel, path=share_path(signer, 1), passphrase=PASSPHRASES[1]) == ""
    assert not box.ready() and not box.sign_button.isEnabled()
    box.request_sign()
    panel._approve()
    qtbot.wait(100)
    assert box.shares and not panel.answer.isVisible()
    assert signer.journal.entries() == [] and OFFLINE_SIGN not in [a for a, _d in signer.audit()]


def test_a_request_for_a_vault_this_signer_does_not_hold_is_not_reviewed(
        qtbot: QtBot, window: OfflineSignerWindow, signer: Signer, tmp_path: Path) -> None:
    from dataclasses import replace

    read = request(signer, transfer())
    other = replace(read, sign_request=replace(read.sign_request, address=bytes.fromhex("11" * 20)))
    page = window.sign_page
    with qtbot.waitSignal(page.sig_review_failed, timeout=WAIT_MS) as failed:
        page.review(other)
    assert "not a cold vault of this offline signer" in str(failed.args[0])
    assert page.refusal_box.isVisible() and page.stack.currentWidget() is page.message
