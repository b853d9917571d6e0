"""The propose dialog on a real demo profile (a copy of `custos demo init`, the real core and its builders): the vault's
assets with what is available, an amount over the balance refused, a lookalike of a known recipient warned and
blocked (B1), a chosen nonce that already has a proposal said to be a conflict (A10), a proposal the policy denies
shown with its reasons and nothing queued, a transfer, a batch and an owner change queued, and untrusted token
symbols and labels shown as plain text (E1)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tests.ui.queue_demo import CLIENT_VAULT, DANA, DEMO_PASSWORD, HKDH, KOWLOON, LION_ROCK, Demo, open_demo
from ui.dialogs.propose_tx_dialog import BATCH, OWNERS, ProposeTxDialog
from ui.models.queue_rows import plain
from ui.queue_sources import QueueSources, sources_from_services
from ui.tasks import TaskRunner
from wallet_app.domain.addresses import to_checksum
from wallet_app.holdings.model import Standard
from wallet_app.holdings.registry import TokenEntry

WAIT = 20_000
HOSTILE = '<a href="http://evil.invalid">Claim</a><img src="http://x.invalid/y.png"><b>USDC</b>\u202e'
HOSTILE_LABEL = '<b>Kowloon</b><a href="x">go</a>\u202e'
PENDING_KYC = "Pending KYC Ltd (investor, not verified)"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with open_demo(tmp_path_factory.mktemp("propose-dialog")) as opened:
        yield opened


def open_dialog(qtbot: QtBot, runner: TaskRunner, demo: Demo, sources: QueueSources | None = None) -> ProposeTxDialog:
    dialog = ProposeTxDialog(runner=runner, queue=demo.services.queue,
                             sources=sources or sources_from_services(demo.services), vault=demo[CLIENT_VAULT])
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.sig_loaded, timeout=WAIT):
        dialog.show()
    qtbot.waitUntil(lambda: not runner.in_flight, timeout=WAIT)
    return dialog


def fill_transfer(dialog: ProposeTxDialog, demo: Demo, *, amount: str, to: str, asset: str = HKDH) -> None:
    form = dialog.transfer
    form.asset.setCurrentIndex(form.asset.findData(demo[asset]))
    form.amount.setText(amount)
    form.recipient.edit.setText(demo[to] if to in demo.names else to)


def sign(dialog: ProposeTxDialog, demo: Demo, proposer: str = DANA) -> None:
    dialog.proposer.setCurrentIndex(dialog.proposer.findData(demo[proposer]))
    dialog.password.setText(DEMO_PASSWORD)


def test_the_assets_show_what_is_available_and_an_amount_over_it_is_refused(qtbot: QtBot, runner: TaskRunner,
                                                                         demo: Demo) -> None:
    dialog = open_dialog(qtbot, runner, demo)
    balance = next(h for h in demo.services.holdings.fetch_holdings([demo[CLIENT_VAULT]]).holdings
                   if h.asset == demo[HKDH]).free
    hkdh = dialog.transfer.asset.itemText(dialog.transfer.asset.findData(demo[HKDH]))
    assert hkdh.startswith(f"HKDH — {balance // 10**6:,} HKDH available")
    assert dialog.transfer.asset.itemText(0).startswith("HSK (native coin) — ")
    before = len(demo.services.queue.load())
    fill_transfer(dialog, demo, amount=str(balance // 10**6 + 1), to=KOWLOON)
    sign(dialog, demo)
    verdict = dialog.transfer.amount_verdict
    assert verdict.isVisible() and verdict.tone == "bad"
    assert verdict.text().startswith(f"The amount {balance // 10**6 + 1:,} HKDH is more than the") and "refused" in \
        verdict.text()
    assert not dialog.submit_button.isEnabled() and not dialog.check_button.isEnabled()
    dialog.submit()  # refused even when asked directly
    assert not dialog.busy and len(demo.services.queue.load()) == before
    dialog.transfer.max_button.click()
    assert dialog.transfer.amount.text() == str(balance // 10**6)
    assert dialog.transfer.amount_verdict.tone == "good" and dialog.submit_button.isEnabled()
    dialog.transfer.amount.setText("12.3456789")  # more decimals than HKDH has
    assert dialog.transfer.amount_verdict.tone == "bad" and "6 decimal places" in dialog.transfer.amount_verdict.text()
    assert not dialog.submit_button.isEnabled()
    # An ERC-721 deed: one token id is one token, and only an id the vault holds can be sent.
    dialog.transfer.amount.clear()
    deed = dialog.transfer.asset.findData(demo["Harbour Property Deeds"])
    assert dialog.transfer.asset.itemText(deed).startswith("HDEED — 1 held (ids 1)")
    dialog.transfer.asset.setCurrentIndex(deed)
    assert dialog.transfer.token_id.isVisible() and dialog.transfer.token_id.placeholderText() == "held: 1"
    assert dialog.transfer.amount.text() == "1"
    dialog.transfer.token_id.setText("2")
    assert dialog.transfer.amount_verdict.tone == "bad" and "more than the 0 HDEED available" in \
        dialog.transfer.amount_verdict.text()
    dialog.transfer.token_id.setText("1")
    assert dialog.transfer.amount_verdict.tone == "good" and dialog.submit_button.isEnabled()


def test_a_lookalike_recipient_is_warned_and_blocked(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    dialog = open_dialog(qtbot, runner, demo)
    real = demo[KOWLOON]
    fake = to_checksum(("0x" + real[2:6] + "1" * 32 + real[-4:]).lower())  # same first and last digits, new middle
    assert fake != real
    fill_transfer(dialog, demo, amount="100", to=fake)
    sign(dialog, demo)
    verdict = dialog.transfer.recipient.verdict
    assert verdict.isVisible() and verdict.tone == "bad" and verdict.font().bold()
    assert verdict.text().startswith(f"LOOKALIKE: {fake} shares its first and last characters with Kowloon Pension")
    assert real in verdict.text() and "address poisoning" in verdict.text()
    assert not dialog.submit_button.isEnabled() and "LOOKALIKE" in dialog.submit_button.toolTip()
    # Picked from the address book instead: the policy contact, named.
    book = dialog.transfer.recipient.book
    index = book.findData(real)
    assert "policy contact" in book.itemText(index)
    book.activated.emit(index)
    assert dialog.transfer.recipient.text() == real
    assert verdict.tone == "good" and verdict.text() == "Kowloon Pension Trust — investor, policy contact"
    assert dialog.submit_button.isEnabled()
    dialog.transfer.recipient.edit.setText(real.replace("0x", "0x\u200b"))  # an invisible character: refused
    assert verdict.tone == "bad" and not dialog.submit_button.isEnabled()


def test_a_denied_proposal_shows_its_reasons_and_queues_nothing(qtbot: QtBot, runner: TaskRunner,
                                                               demo: Demo) -> None:
    dialog = open_dialog(qtbot, runner, demo)
    fill_transfer(dialog, demo, amount="100", to=PENDING_KYC)
    sign(dialog, demo)
    before = {e.safe_tx_hash for e in demo.services.queue.load()}
    with qtbot.waitSignal(dialog.sig_checked, timeout=WAIT) as checked:
        dialog.check()
    assert checked.args == ["deny"]
    assert dialog.decision.headline.text() == "Deny" and dialog.decision.headline.tone == "bad"
    with qtbot.waitSignal(dialog.sig_proposed, timeout=WAIT) as proposed:
        dialog.submit()
    outcome = proposed.args[0]
    assert not outcome.queued
    assert dialog.result.text().startswith("Denied by the policy: nothing was queued. Denied by deny-pending-kyc")
    assert dialog.result.tone == "bad" and dialog.decision.headline.text() == "Deny"
    model = dialog.decision.model
    verdicts = {(model.data(model.index(row, 1)), model.data(model.index(row, 2))) for row in range(model.rowCount())}
    assert ("deny-pending-kyc", "deny") in verdicts  # the rule that denied it, in the decision's table
    assert {e.safe_tx_hash for e in demo.services.queue.load()} == before  # nothing queued
    assert dialog.isVisible() and dialog.cancel_button.text() == "Cancel"  # corrected and tried again, or closed


def test_a_transfer_at_a_taken_nonce_is_a_conflict_and_is_queued(qtbot: QtBot, runner: TaskRunner,
                                                                 demo: Demo) -> None:
    queue = demo.services.queue
    taken = next(e for e in queue.load(demo[CLIENT_VAULT]) if e.state in ("proposed", "approving"))
    dialog = open_dialog(qtbot, runner, demo)
    assert dialog.nonce.placeholderText().startswith(f"{queue.next_nonce(demo[CLIENT_VAULT])}: the next free")
    fill_transfer(dialog, demo, amount="1500.25", to=LION_ROCK)
    dialog.nonce.setText(str(taken.item.nonce))
    assert dialog.nonce_note.tone == "warn"
    assert dialog.nonce_note.text().startswith(f"CONFLICT: nonce {taken.item.nonce} already has a proposal")
    sign(dialog, demo)
    changed: list[str] = []
    dialog.sig_queue_changed.connect(changed.append)
    with qtbot.waitSignal(dialog.sig_proposed, timeout=WAIT) as proposed:
        dialog.submit_button.click()
    assert proposed.args[0].queued and changed == [proposed.args[0].safe_tx_hash]
    entry = queue.entry(changed[0])
    assert entry.item.nonce == taken.item.nonce and taken.safe_tx_hash in entry.conflicts
    assert entry.item.proposer == demo[DANA]
    assert entry.intent_text.startswith("transfer 1,500.25 HKDH from Harbour client vault to Lion Rock")
    assert dialog.result.text().startswith(f"Queued at nonce {taken.item.nonce} as safeTxHash {changed[0]}")
    assert dialog.cancel_button.text() == "Close" and not dialog.submit_button.isEnabled()  # not twice


def test_a_batch_and_an_owner_change_go_through_the_builders(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    queue = demo.services.queue
    dialog = open_dialog(qtbot, runner, demo)
    dialog.kind.setCurrentIndex(dialog.kind.findData(BATCH))
    qtbot.waitUntil(lambda: dialog.batch.note.text() == "", timeout=WAIT)  # the policy's MultiSendCallOnly is known
    for amount, to in (("100", KOWLOON), ("250.5", LION_ROCK)):
        fill_transfer(dialog, demo, amount=amount, to=to)
        dialog.batch.add_button.click()
    assert [dialog.batch.lines.item(i).text() for i in range(dialog.batch.lines.count())] == [
        "100 HKDH to Kowloon Pension Trust", "250.5 HKDH to Lion Rock Family Office"]
    sign(dialog, demo)
    with qtbot.waitSignal(dialog.sig_proposed, timeout=WAIT) as proposed:
        dialog.submit()
    outcome = proposed.args[0]
    assert outcome.queued, dialog.result.text()
    tx = queue.entry(outcome.safe_tx_hash).item.safe_tx
    multisend = demo.services.policy.active().document.pinned_delegatecall[0].address
    assert int(tx.operation) == 1 and tx.to == multisend  # one DELEGATECALL to the pinned MultiSendCallOnly

    owners = open_dialog(qtbot, runner, demo)
    owners.kind.setCurrentIndex(owners.kind.findData(OWNERS))
    form = owners.owners
    form.kind.setCurrentIndex(form.kind.findData("threshold"))
    assert form.current.text() == "2 of 3 owners" and form.threshold.maximum() == 3
    form.threshold.setValue(3)
    sign(owners, demo)
    with qtbot.waitSignal(owners.sig_proposed, timeout=WAIT) as proposed:
        owners.submit()
    outcome = proposed.args[0]
    assert outcome.queued and outcome.check.decision == "escalate"  # governance: the quorum of 3 and a delay
    assert owners.decision.headline.text() == outcome.check.headline and owners.decision.headline.tone == "warn"
    tx = queue.entry(outcome.safe_tx_hash).item.safe_tx
    assert tx.to == demo[CLIENT_VAULT] and tx.data[:4].hex() == "694e80c3"  # changeThreshold(uint256)
    assert int.from_bytes(tx.data[4:], "big") == 3


def test_token_symbols_and_labels_are_plain_text(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    real = sources_from_services(demo.services)
    hostile_token = TokenEntry(address="0x00000000000000000000000000000000000000Aa", standard=Standard.ERC20,
                               symbol=HOSTILE, name=HOSTILE, decimals=6, verified=False)

    def load_tokens() -> list[Any]:
        assert real.load_tokens is not None
        return [*real.load_tokens(), hostile_token]

    def load_names() -> dict[str, str]:
        return {**real.load_names(), demo[KOWLOON]: HOSTILE_LABEL}

    sources = dataclasses.replace(real, load_tokens=load_tokens, load_names=load_names, load_contacts=None)
    dialog = open_dialog(qtbot, runner, demo, sources)
    index = dialog.transfer.asset.findData(hostile_token.address)
    assert dialog.transfer.asset.itemText(index).startswith(plain(HOSTILE, 16) + " — 0 ")  # literal, cut short
    dialog.transfer.asset.setCurrentIndex(index)
    assert dialog.transfer.asset_note.text() == "Note: not reviewed by an administrator"
    dialog.transfer.recipient.edit.setText(demo[KOWLOON])
    verdict = dialog.transfer.recipient.verdict
    assert verdict.text().startswith('<b>Kowloon</b><a href="x">go</a><U+202E>')  # literal, the override visible
    labels = dialog.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    assert not any(label.openExternalLinks() for label in labels)
