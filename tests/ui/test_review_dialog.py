"""The review dialog on a real demo profile (a copy of `custos demo init`, the real core): every raw field, the hashes
chunked exactly as the core chunks them and equal to its own computation, the policy's decision with the would-be
approvers, each stored signature with whether it counts and why not (a non-owner's row and a tampered row, written
into the database as an attacker would), a loud DELEGATECALL; approving signs the hash on screen and stores a signature
that verifies; a wrong password keeps everything; rejecting queues an on-chain rejection; executing shows the core's
progress until the transaction is final."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.ui.queue_demo import (
    ALICE,
    BEN,
    CARMEN,
    CLIENT_VAULT,
    DANA,
    DEMO_PASSWORD,
    KOWLOON,
    LION_ROCK,
    Demo,
    open_demo,
    sql,
)
from ui.dialogs.review_tx_dialog import ReviewTxDialog
from ui.models.queue_model import SignatureColumn
from ui.queue_sources import sources_from_services
from ui.tasks import TaskRunner
from wallet_app.domain.hex_text import chunk_hex, short_hex
from wallet_app.domain.safe_tx import compute_hashes
from wallet_app.keys.keystore_signer import KeystoreSigner

WAIT = 20_000
STRANGER_KEY = bytes.fromhex("5e" * 32)


DEMO_NAMES: dict[str, str] = {}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with open_demo(tmp_path_factory.mktemp("review-dialog")) as opened:
        DEMO_NAMES.update(opened.names)
        yield opened


class SpyQueue:
    """The real QueueService, with the hashes the dialog hands to approve, reject and execute recorded."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue
        self.calls: list[tuple[str, str, str]] = []

    def approve(self, safe_tx_hash: str, key: str, password: str) -> Any:
        self.calls.append(("approve", safe_tx_hash, key))
        return self._queue.approve(safe_tx_hash, key, password)

    def reject(self, safe_tx_hash: str, key: str, password: str) -> Any:
        self.calls.append(("reject", safe_tx_hash, key))
        return self._queue.reject(safe_tx_hash, key, password)

    def execute(self, safe_tx_hash: str, key: str, password: str, **kwargs: Any) -> Any:
        self.calls.append(("execute", safe_tx_hash, key))
        return self._queue.execute(safe_tx_hash, key, password, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)


def open_dialog(qtbot: QtBot, runner: TaskRunner, demo: Demo, safe_tx_hash: str, action: str = "",
                queue: Any = None) -> ReviewTxDialog:
    dialog = ReviewTxDialog(runner=runner, queue=queue or demo.services.queue,
                            sources=sources_from_services(demo.services), safe_tx_hash=safe_tx_hash, action=action)
    qtbot.addWidget(dialog)
    with qtbot.waitSignals([dialog.sig_review_shown, dialog.sig_decision_shown], timeout=WAIT):
        dialog.show()
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)
    return dialog


def short(label_or_address: str) -> str:
    return short_hex(DEMO_NAMES.get(label_or_address, label_or_address), head=4, tail=4)


def proposed_item(demo: Demo) -> Any:
    """An item with no signature yet: a 300,000 HKDH payout to Victoria Harbour Endowment, which the policy
    escalates to the compliance officer."""
    return demo.propose(to="Victoria Harbour Endowment (investor)", units=300_000 * 10**6)


def open_items(demo: Demo, state: str) -> list[Any]:
    return [e for e in demo.services.queue.load(demo[CLIENT_VAULT]) if e.state == state and not e.quarantined]



def test_every_field_and_the_hashes_equal_to_the_core_s(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    entry = proposed_item(demo)
    tx = entry.item.safe_tx
    dialog = open_dialog(qtbot, runner, demo, entry.safe_tx_hash)
    hashes = compute_hashes(tx)  # the core's own pure code, from the raw fields
    for view, digest in ((dialog.hashes.domain_hash, hashes.domain_hash),
                         (dialog.hashes.message_hash, hashes.message_hash),
                         (dialog.hashes.safe_tx_hash, hashes.safe_tx_hash)):
        assert view.value() == "0x" + digest.hex()
        assert " ".join(view.label.text().split()) == chunk_hex(digest)  # as `custos safe tx-hash` prints it
        assert view.label.text().count("\n") == 1  # two lines of eight groups of four
    assert dialog.displayed_hash == entry.safe_tx_hash
    dialog.hashes.safe_tx_hash.copy_button.click()
    assert QGuiApplication.clipboard().text() == entry.safe_tx_hash  # whole, no spaces

    fields = dialog.fields.values
    assert fields["to"].text().splitlines()[0] == f"{tx.to}  (Harbour HKD)"
    assert fields["to"].text().splitlines()[1] == "0x " + " ".join(tx.to[2:][i:i + 4] for i in range(0, 40, 4))
    assert fields["value"].text() == "0" and fields["operation"].text() == "0 — CALL"
    assert fields["nonce"].text() == str(tx.nonce)
    for name in ("safeTxGas", "baseGas", "gasPrice"):
        assert fields[name].text() == "0"
    assert fields["gasToken"].text().endswith("(none)") and fields["refundReceiver"].text().endswith("(none)")
    assert dialog.fields.data.toPlainText() == "0x" + tx.data.hex() and dialog.fields.data.isReadOnly()
    assert dialog.fields.data_size.text() == "68 bytes, selector 0xa9059cbb"
    assert not dialog.fields.delegatecall.isVisible()
    assert dialog.intent.text() == entry.intent_text

    # The policy decided with the would-be approvers: the valid signers (none) and the first key that could approve.
    assert dialog.decision.approvers.text() == f"Decided with the approvals of: Alice Chan (officer) ({short(ALICE)})"
    assert dialog.decision.headline.text() in ("Allow", "Deny") or dialog.decision.headline.text().startswith(
        "Escalate: needs 2 approvals")
    assert dialog.decision.simulation.text().startswith("simulated at block")
    assert dialog.decision.model.rowCount() > 5
    assert dialog.signatures.summary.text() == "0 valid signatures of threshold 2"
    assert dialog.signatures.none.isVisible()
    labels = dialog.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)


def test_approving_signs_the_displayed_hash_and_the_signature_counts(qtbot: QtBot, runner: TaskRunner,
                                                                     demo: Demo) -> None:
    entry = proposed_item(demo)
    spy = SpyQueue(demo.services.queue)
    dialog = open_dialog(qtbot, runner, demo, entry.safe_tx_hash, "approve", queue=spy)
    assert dialog.action_box.isVisible() and dialog.submit_button.text() == "Sign and approve"
    offered = [dialog.key_choice.itemData(i) for i in range(dialog.key_choice.count())]
    assert offered == [demo[ALICE], demo[BEN], demo[CARMEN]]  # owner keys that have not signed; never Dana
    dialog.key_choice.setCurrentIndex(offered.index(demo[BEN]))
    assert not dialog.submit_button.isEnabled()  # the password is asked every time
    dialog.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT):
        dialog.submit_button.click()
    assert spy.calls == [("approve", dialog.displayed_hash, demo[BEN])]
    assert dialog.displayed_hash == entry.safe_tx_hash
    after = demo.services.queue.entry(entry.safe_tx_hash)
    assert demo[BEN] in after.signers and after.valid_signatures == 1
    check = next(c for c in after.tally.checks if c.signer == demo[BEN])
    assert check.valid and check.kind.value == "ecdsa"  # verified by the core against the owners read now
    assert dialog.result.text() == f"Approved by Ben Wong (officer) ({short(BEN)}): 1 valid signature of threshold 2."
    assert dialog.signatures.summary.text() == "1 valid signature of threshold 2"
    assert dialog.signatures.model.rows()[0].texts[SignatureColumn.COUNTS] == "counts"
    assert not dialog.action_box.isVisible() and dialog.password.text() == ""
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)
    dialog.choose_action("approve")
    assert demo[BEN] not in [dialog.key_choice.itemData(i) for i in range(dialog.key_choice.count())]


def test_a_wrong_password_is_said_in_the_dialog_and_nothing_is_lost(qtbot: QtBot, runner: TaskRunner,
                                                                   demo: Demo) -> None:
    entry = open_items(demo, "approving")[0]
    before = entry.valid_signatures
    dialog = open_dialog(qtbot, runner, demo, entry.safe_tx_hash, "approve")
    chosen = dialog.key_choice.itemData(dialog.key_choice.count() - 1)
    dialog.key_choice.setCurrentIndex(dialog.key_choice.count() - 1)
    dialog.password.setText("not the password")
    with qtbot.waitSignal(dialog.sig_action_failed, timeout=WAIT):
        dialog.submit()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert dialog.error.text().startswith("Not approved: ") and "password" in dialog.error.text().lower()
    assert dialog.key_choice.currentData() == chosen and dialog.action_box.isVisible()
    assert dialog.password.text() == "" and not dialog.busy
    assert demo.services.queue.entry(entry.safe_tx_hash).valid_signatures == before
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)


def test_flagged_rows_are_shown_with_their_reasons(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    entry = open_items(demo, "ready")[0]  # Alice and Ben signed it
    digest = bytes.fromhex(entry.safe_tx_hash[2:])
    stranger = KeystoreSigner(address=str(Account.from_key(STRANGER_KEY).address), private_key=STRANGER_KEY)
    alice_signature = next(c for c in entry.tally.checks if c.signer == demo[ALICE]).signature
    insert = ("INSERT INTO queue_signatures (chain_id, safe_tx_hash, owner, signature, source, added_at, added_by) "
              "VALUES (:c, :h, :o, :s, 'custos', CURRENT_TIMESTAMP, 'desk-9')")
    # A stranger's genuine signature, and a row that names Carmen but carries Alice's signature (J2, J6).
    sql(demo, insert, c=demo.services.queue.chain_id, h=entry.safe_tx_hash, o=stranger.address,
        s="0x" + stranger.sign_digest(digest).to_bytes().hex())
    sql(demo, insert, c=demo.services.queue.chain_id, h=entry.safe_tx_hash, o=demo[CARMEN],
        s="0x" + alice_signature.static_bytes().hex())
    dialog = open_dialog(qtbot, runner, demo, entry.safe_tx_hash)
    assert dialog.signatures.summary.text() == "2 valid signatures of threshold 2 (2 valid of 4 rows)"
    rows = dialog.signatures.model.rows()
    assert len(rows) == 4
    counted = [r for r in rows if r.texts[SignatureColumn.COUNTS] == "counts"]
    assert sorted(r.texts[SignatureColumn.SIGNER].split(" (")[0] for r in counted) == ["Alice Chan", "Ben Wong"]
    strange = next(r for r in rows if r.texts[SignatureColumn.SIGNER] == stranger.address)
    assert strange.texts[SignatureColumn.COUNTS] == "does not count" and strange.tone == "bad"
    core = {c.signer: c for c in demo.services.queue.entry(entry.safe_tx_hash).tally.flagged}
    assert core[stranger.address].flag.value in ("non_owner", "stale_approver")  # as the core judges the row
    assert strange.texts[SignatureColumn.WHY].endswith(core[stranger.address].reason)  # in the core's words
    forged = [r for r in rows if r not in counted and r is not strange]
    assert len(forged) == 1 and forged[0].texts[SignatureColumn.COUNTS] == "does not count"
    forged_check = next(c for c in core.values() if c.signer != stranger.address)
    assert forged[0].texts[SignatureColumn.WHY].endswith(forged_check.reason)  # tampered or duplicate
    warnings = [label.text() for label in dialog.warning_labels]
    assert any(w.startswith(f"Does not count: {stranger.address}: ") for w in warnings)
    assert dialog.signatures.model.data(dialog.signatures.model.index(0, SignatureColumn.WHY)) is not None


def test_a_batch_shows_its_delegatecall_loudly(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    from wallet_app.queue.builders import BatchCall, build_batch

    multisend = demo.services.policy.active().document.pinned_delegatecall[0].address
    calls = [BatchCall(r.to, r.value, r.data) for r in (demo.transfer_request(units=100 * 10**6),
                                                         demo.transfer_request(units=200 * 10**6, to=LION_ROCK))]
    request = build_batch(safe=demo[CLIENT_VAULT], calls=calls, multisend=multisend)
    result = demo.services.queue.propose(request, demo[DANA], DEMO_PASSWORD)
    assert result.entry is not None, result.check.decision.reasons
    dialog = open_dialog(qtbot, runner, demo, result.entry.safe_tx_hash)
    assert dialog.fields.delegatecall.isVisible() and dialog.fields.delegatecall.tone == "bad"
    assert dialog.fields.delegatecall.text().startswith("DELEGATECALL: the called contract runs as the vault itself")
    assert dialog.fields.values["operation"].text() == "1 — DELEGATECALL"
    assert dialog.fields.values["operation"].tone == "bad" and dialog.fields.values["operation"].font().bold()
    assert dialog.fields.values["to"].text().splitlines()[0].startswith(multisend)
    assert KOWLOON.split(" (")[0] in dialog.intent.text()


def test_executing_shows_the_core_s_progress_until_final(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    queue = demo.services.queue
    vault = next(v for v in demo.services.vaults.fetch_vaults() if v.address == demo[CLIENT_VAULT])
    entry = next(e for e in queue.load(vault.address) if e.item.nonce == vault.nonce and e.state == "approving")
    demo.approve(entry, CARMEN)  # the compliance officer's signature: the threshold is met, the policy allows it
    dialog = open_dialog(qtbot, runner, demo, entry.safe_tx_hash)
    assert dialog.execute_button.isEnabled()
    dialog.execute_button.click()
    assert dialog.key_label.text() == "Execute from:" and dialog.submit_button.text() == "Execute now"
    dialog.key_choice.setCurrentIndex(dialog.key_choice.findData(demo[ALICE]))
    dialog.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT):
        dialog.submit()
    progress = dialog.log.toPlainText().splitlines()
    assert progress and any(line.startswith("Mined in block") for line in progress)
    assert dialog.result.text().startswith("Sent as 0x") and "state: final" in dialog.result.text()
    assert queue.entry(entry.safe_tx_hash).state == "final"
    assert not dialog.execute_button.isEnabled() and dialog.state.text().startswith("Executed")


def test_rejecting_queues_an_on_chain_rejection_at_the_same_nonce(qtbot: QtBot, runner: TaskRunner,
                                                                  demo: Demo) -> None:
    entry = open_items(demo, "approving")[0]
    dialog = open_dialog(qtbot, runner, demo, entry.safe_tx_hash, "reject")
    dialog.key_choice.setCurrentIndex(dialog.key_choice.findData(demo[BEN]))
    dialog.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sig_queue_changed, timeout=WAIT):
        dialog.submit()
    assert dialog.result.text().startswith(f"Rejection queued by Ben Wong (officer) ({short(BEN)})")
    assert f"at nonce {entry.item.nonce}" in dialog.result.text()
    same_nonce = [e for e in demo.services.queue.load(demo[CLIENT_VAULT]) if e.item.nonce == entry.item.nonce
                  and e.state in ("proposed", "approving", "ready")]
    rejection = next(e for e in same_nonce if e.safe_tx_hash != entry.safe_tx_hash)
    assert rejection.item.safe_tx.to == demo[CLIENT_VAULT] and rejection.item.safe_tx.data == b""
    assert demo[BEN] in rejection.signers
    assert any(w.startswith("Conflict: 1 other proposal") for w in (label.text() for label in dialog.warning_labels))
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)


def test_a7_fields_changed_after_review_are_never_signed(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    entry = demo.propose(units=321 * 10**6)
    dialog = open_dialog(qtbot, runner, demo, entry.safe_tx_hash, "approve")
    shown = dialog.displayed_hash
    evil = demo.transfer_request(units=3_210_000 * 10**6).data  # between review and signing, the payload changes
    sql(demo, "UPDATE queue_items SET data = :d WHERE safe_tx_hash = :h", d="0x" + evil.hex(), h=shown)
    dialog.key_choice.setCurrentIndex(dialog.key_choice.findData(demo[BEN]))
    dialog.password.setText(DEMO_PASSWORD)
    with qtbot.waitSignals([dialog.sig_action_failed, dialog.sig_review_shown], timeout=WAIT):
        dialog.submit()
    assert dialog.error.text().startswith("Not approved: ") and "quarantined" in dialog.error.text()
    assert dialog.state.text().startswith("QUARANTINED")  # read again: the reviewer sees what happened
    assert not dialog.approve_button.isEnabled()
    after = demo.services.queue.entry(shown)
    assert after.signature_rows == 0 and after.signers == ()  # no signature was made or stored
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)
