"""The Approvals page on a real demo profile (a copy of `custos demo init`, the real core): the queue grouped by vault
and nonce, two proposals at one nonce both shown with a warning and never picked for the officer (A10), gaps, a
quarantined item (its row edited in the database, J3) and the demo's rejected item marked, executed items behind
"Show executed", the vault filter; refreshing follows the chain and then reads the queue on worker lanes while the
window keeps running; the page is built and read only when first shown, and the investor view has no such tab."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.ui.fakes import FakeProfile, FakeServices, builder, opener
from tests.ui.queue_demo import CLIENT_VAULT, LION_ROCK, TREASURY, Demo, open_demo, sql
from ui.main_window import MainWindow
from ui.models.queue_model import QueueColumn
from ui.pages.approvals_page import ApprovalsPage
from ui.queue_sources import QueueSources, sources_from_services
from ui.session import WalletSession
from ui.tasks import TaskRunner

WAIT = 20_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with open_demo(tmp_path_factory.mktemp("approvals-page")) as opened:
        yield opened


def open_page(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> ApprovalsPage:
    page = ApprovalsPage()
    qtbot.addWidget(page)
    page.resize(1240, 760)
    page.attach(demo.services.queue, runner, sources_from_services(demo.services))
    assert not page.built  # nothing is built or read before the page is on screen
    with qtbot.waitSignal(page.sig_queue_shown, timeout=WAIT):
        page.show()
    qtbot.waitUntil(lambda: not runner.in_flight and not page.loading, timeout=WAIT)
    return page


def test_the_queue_is_grouped_by_vault_and_nonce_with_conflicts_and_gaps(qtbot: QtBot, runner: TaskRunner,
                                                                          demo: Demo) -> None:
    client = demo[CLIENT_VAULT]
    queue = demo.services.queue
    # The demo's queue holds payouts at the client vault's next nonces; one has Alice's signature. A third payout is
    # proposed at the next free nonce.
    open_items = [e for e in queue.load(client) if e.state in ("proposed", "approving")]
    signed = next(e for e in open_items if e.valid_signatures == 1)
    first = demo.propose(to="Victoria Harbour Endowment (investor)", units=300_000 * 10**6)  # the next free nonce
    nonce = first.item.nonce
    rival = demo.propose(nonce=nonce, units=2_000 * 10**6, to=LION_ROCK)  # A10: another transaction at that nonce
    top = max(e.item.nonce for e in queue.load(client) if e.state in ("proposed", "approving", "ready"))
    later = demo.propose(nonce=top + 2, units=3_000 * 10**6)  # nothing at top + 1: a gap
    page = open_page(qtbot, runner, demo)
    ModelTester(qtbot).check(page.model)

    group = next(g for g in page.model.groups if g.safe == client)
    assert group.text.startswith(f"{CLIENT_VAULT}  ") and "2 of 3 owners" in group.text
    nonces = [n.nonce for n in group.nonces]
    assert nonces == sorted(nonces) and {nonce, top + 2} <= set(nonces)
    conflict = next(n for n in group.nonces if n.nonce == nonce)
    assert [i.safe_tx_hash for i in conflict.items] == [first.safe_tx_hash, rival.safe_tx_hash]  # both, in order
    assert conflict.tone == "warn" and "2 proposals at nonce" in conflict.warning
    assert "never picks" in conflict.warning
    gap = next(n for n in group.nonces if n.nonce == top + 2)
    assert gap.tone == "warn" and gap.warning.startswith("Gap:") and str(top + 1) in gap.warning

    # The tree reads vault -> nonce -> transactions, the headings across the whole row.
    vault_row = next(r for r in range(page.model.rowCount())
                     if page.model.index(r, 0).data().startswith(CLIENT_VAULT))
    vault_index = page.model.index(vault_row, 0)
    assert page.tree.isFirstColumnSpanned(vault_row, page.model.parent(vault_index))
    nonce_row = next(r for r in range(page.model.rowCount(vault_index))
                     if page.model.index(r, 0, vault_index).data().startswith(f"Nonce {nonce}"))
    nonce_index = page.model.index(nonce_row, 0, vault_index)
    assert "only one can execute" in nonce_index.data()
    assert page.model.rowCount(nonce_index) == 2
    assert not page.model.flags(nonce_index) & Qt.ItemFlag.ItemIsSelectable  # a heading is not a transaction

    approved = page.model.item_at(page.model.index_of(signed.safe_tx_hash))
    assert approved is not None
    assert approved.texts[QueueColumn.SIGNATURES] == "1 valid signature of threshold 2"
    assert approved.texts[QueueColumn.TRANSACTION].startswith("transfer ")
    assert approved.texts[QueueColumn.STATE] == "Approving" and approved.tone == "plain"
    assert approved.texts[QueueColumn.FOR_YOU] == "Sign"  # Ben and Carmen, of this profile, have not signed
    waiting = next(e for e in queue.load(client) if e.state == "ready" and e.item.nonce > e.vault_nonce)
    row = page.model.item_at(page.model.index_of(waiting.safe_tx_hash))
    assert row.texts[QueueColumn.STATE] == f"Signed, waits for nonce {waiting.vault_nonce}"
    assert row.texts[QueueColumn.SIGNATURES] == "2 valid signatures of threshold 2"
    in_conflict = page.model.item_at(page.model.index_of(first.safe_tx_hash))
    assert in_conflict.texts[QueueColumn.STATE] == "Proposed" and in_conflict.tone == "warn"
    assert page.model.item_at(page.model.index_of(later.safe_tx_hash)).texts[QueueColumn.STATE] == "Proposed"
    tip = page.model.index_of(later.safe_tx_hash).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("<qt>transfer 3,000.00 HKDH")  # escaped: Qt would guess rich text in a tooltip

    # Never picked for the officer: nothing is selected and nothing can be approved until one is chosen.
    assert page.selected() is None
    assert not page.approve_button.isEnabled() and not page.review_button.isEnabled()
    assert page.select(rival.safe_tx_hash)
    assert page.selected().safe_tx_hash == rival.safe_tx_hash
    assert page.approve_button.isEnabled() and page.reject_button.isEnabled()
    assert not page.execute_button.isEnabled()  # one valid signature of two
    warnings = [label.text() for label in page.details.warnings]
    assert any(w.startswith("Conflict: 1 other proposal at nonce") and first.safe_tx_hash[:8] in w
               for w in warnings)
    assert page.details.intent.text().startswith("transfer 2,000.00 HKDH from Harbour client vault to Lion Rock")
    assert page.details.state.text() == "Proposed — 0 valid signatures of threshold 2"
    status = page.status.text()
    assert "need your signature" in status and "1 signed, waiting for a lower nonce" in status  # the demo's
    assert "1 nonce with conflicting proposals" in status


def test_quarantined_rejected_and_executed_items_are_marked(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    target = demo.propose(units=4_000 * 10**6)
    evil = demo.transfer_request(units=4_000_000 * 10**6).data  # the payload swapped, the key kept (J3)
    assert sql(demo, "UPDATE queue_items SET data = :d WHERE safe_tx_hash = :h", d="0x" + evil.hex(),
               h=target.safe_tx_hash) == 1
    page = open_page(qtbot, runner, demo)
    rows = {row.safe_tx_hash: row for row in page.model.items()}

    quarantined = rows[target.safe_tx_hash]
    assert quarantined.texts[QueueColumn.STATE] == "QUARANTINED" and quarantined.tone == "bad"
    assert quarantined.texts[QueueColumn.SIGNATURES].startswith("none counted (quarantined")
    assert quarantined.texts[QueueColumn.FOR_YOU] == ""  # nothing can be signed
    assert quarantined.warnings[0][0] == "bad" and "hash to" in quarantined.warnings[0][1]
    page.select(target.safe_tx_hash)
    assert not page.approve_button.isEnabled() and not page.reject_button.isEnabled()
    assert page.review_button.isEnabled()  # it can still be looked at

    every = demo.services.queue.load()
    rejected = next(e for e in every if e.state == "rejected")  # the demo's payout burnt by an executed rejection
    executed = next(e for e in every if e.state == "final")
    row = rows[rejected.safe_tx_hash]
    assert row.texts[QueueColumn.STATE] == "Rejected (nonce burnt)" and row.tone == "muted"
    assert executed.safe_tx_hash not in rows  # executed items only on request
    page.show_executed.setChecked(True)
    shown = {row.safe_tx_hash: row for row in page.model.items()}
    assert shown[executed.safe_tx_hash].texts[QueueColumn.STATE] == "Executed"
    assert shown[executed.safe_tx_hash].texts[QueueColumn.TRANSACTION].startswith("On-chain rejection")


def test_the_vault_filter_shows_one_vault(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> None:
    page = open_page(qtbot, runner, demo)
    page.set_vaults(demo.services.vaults.fetch_vaults())
    texts = [page.vault_filter.itemText(i) for i in range(page.vault_filter.count())]
    assert texts[0] == "All vaults" and any(t.startswith(TREASURY) for t in texts)
    page.vault_filter.setCurrentIndex(page.vault_filter.findData(demo[TREASURY]))
    assert [g.safe for g in page.model.groups] == [demo[TREASURY]]
    assert page.model.items() == [] and page.message.text().startswith("Nothing")
    page.vault_filter.setCurrentIndex(page.vault_filter.findData(demo[CLIENT_VAULT]))
    assert [g.safe for g in page.model.groups] == [demo[CLIENT_VAULT]] and page.model.items()


class SlowQueue:
    """A queue whose `follow` blocks until released and reports progress: refreshing must not freeze the window."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[tuple[str, int]] = []

    def follow(self, *, progress: Any = None) -> list[str]:
        self.calls.append(("follow", threading.get_ident()))
        progress("reading the receipt of 0xabc…")
        self.release.wait(10)
        return ["0xabc is final"]

    def load(self, safe: str | None = None) -> list[Any]:
        self.calls.append(("load", threading.get_ident()))
        return []

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def test_refresh_follows_the_chain_then_reads_the_queue_off_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    queue = SlowQueue()
    page = ApprovalsPage()
    qtbot.addWidget(page)
    page.attach(queue, runner, QueueSources(load_keys=list))  # type: ignore[arg-type]
    page.show()
    qtbot.waitUntil(lambda: page.progress.text() == "reading the receipt of 0xabc…", timeout=5000)
    assert page.busy_bar.isVisible() and not page.refresh_button.isEnabled()
    ticks: list[float] = []
    timer = QTimer(page)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    qtbot.wait(150)  # follow() is blocked on its worker: the event loop keeps turning
    assert len(ticks) >= 5
    timer.stop()
    with qtbot.waitSignal(page.sig_queue_shown, timeout=5000):
        queue.release.set()
    assert [name for name, _thread in queue.calls] == ["follow", "load"]
    assert all(thread != threading.get_ident() for _name, thread in queue.calls)
    assert page.message.text().startswith("Nothing is queued") and not page.busy_bar.isVisible()


def test_the_page_is_built_only_when_shown_and_absent_from_the_investor_view(qtbot: QtBot,
                                                                               runner: TaskRunner) -> None:
    window = MainWindow(profile_name="demo")
    qtbot.addWidget(window)
    texts = [window.pages.tabText(i) for i in range(window.pages.count())]
    assert "Appr&ovals" in texts and not window.approvals_page.built
    session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                            open_profile=opener(FakeProfile()), build_services=builder(FakeServices()),
                            status_interval_ms=50)
    window.enter_investor_view(None)
    window.show()
    session.start()
    qtbot.waitUntil(lambda: session.phase == "ready", timeout=5000)
    assert "Appr&ovals" not in [window.pages.tabText(i) for i in range(window.pages.count())]
    assert not window.approvals_page.built and not window.approvals_page.attached
    assert getattr(window, "queue_notifier", None) is None  # no polling, no notification either
    session.close()
