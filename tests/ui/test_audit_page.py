"""The Audit tab over a real audit log on SQLite: the table and its models (qtmodeltester), the filters, "Verify chain"
in the background (intact in words, or the first bad entry named in red and selected), Export… through a replaceable
file chooser (never over an existing file, and logged), outside text shown literally, and no tab in the investor
view."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import Engine, update

from tests.ui.audit_fakes import ALICE, HKDH, HOSTILE_LABEL, build_audit
from tests.ui.fakes import FakeProfile, FakeServices, builder, opener
from ui.main_window import MainWindow
from ui.models.audit_model import AuditColumn, AuditFilterProxy, AuditTableModel, prepare_audit_rows
from ui.pages.audit_page import ALL_ACTIONS_TEXT, AuditPage
from ui.session import WalletSession
from ui.tasks import TaskRunner
from ui.tones import tone_color
from wallet_app.audit.log import AuditLog
from wallet_app.storage.schema import audit_log


@pytest.fixture
def audit(tmp_path: Path) -> Iterator[tuple[AuditLog, Engine]]:
    log, engine = build_audit(tmp_path / "audit.db", hostile=True)
    yield log, engine
    engine.dispose()


def open_page(qtbot: QtBot, runner: TaskRunner, log: AuditLog) -> AuditPage:
    page = AuditPage()
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.attach(log, runner)
    assert not page.built  # nothing is built or read before the page is on screen
    with qtbot.waitSignal(page.sig_entries_shown, timeout=5000) as blocker:
        page.show()
    assert blocker.args == [13]
    return page


def visible_seqs(page: AuditPage) -> list[int]:
    return [int(page.proxy.index(r, AuditColumn.SEQ).data().split()[-1]) for r in range(page.proxy.rowCount())]


def test_the_models_pass_qtmodeltester(qtmodeltester: ModelTester, audit: tuple[AuditLog, Engine]) -> None:
    log, _engine = audit
    model = AuditTableModel()
    model.set_rows(prepare_audit_rows(log.load_entries()))
    qtmodeltester.check(model)
    model.set_bad_seq(4)
    qtmodeltester.check(model)
    proxy = AuditFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filters(action="lock")
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 1
    assert model.headerData(AuditColumn.ACTOR, Qt.Orientation.Horizontal) == "Actor"
    assert model.index(0, AuditColumn.SEQ).data() == "13" and model.rowCount() == 13


def test_the_table_shows_who_did_what_newest_first(qtbot: QtBot, runner: TaskRunner,
                                                   audit: tuple[AuditLog, Engine]) -> None:
    page = open_page(qtbot, runner, audit[0])
    assert visible_seqs(page) == list(range(13, 0, -1))
    rows = {page.model.row_at(r).seq: page.model.row_at(r) for r in range(13)}  # type: ignore[union-attr]
    approval = rows[10]
    assert approval.texts[AuditColumn.ACTION] == "✎ token_approve" and approval.signed
    assert approval.texts[AuditColumn.ACTOR].endswith(f" · {ALICE[:6]}…{ALICE[-4:]}")
    assert "\u202e" not in approval.texts[AuditColumn.ACTOR] and "<U+202E>" in approval.texts[AuditColumn.ACTOR]
    assert rows[9].texts[AuditColumn.SUBJECT] == HKDH and "symbol: <b>HKDH</b><U+202E>" in rows[9].texts[6]
    assert rows[8].texts[AuditColumn.ROLE].startswith("owner of Harbour client vault")
    page.table.selectRow(0)
    assert "entry_hash: 0x" in page.detail.toPlainText() and "action: export" in page.detail.toPlainText()
    assert page.status.text() == "13 entries, newest first."


def test_filters_by_action_actor_and_text(qtbot: QtBot, runner: TaskRunner, audit: tuple[AuditLog, Engine]) -> None:
    page = open_page(qtbot, runner, audit[0])
    assert page.action_filter.itemText(0) == ALL_ACTIONS_TEXT
    page.action_filter.setCurrentIndex(page.action_filter.findData("key_create"))
    assert visible_seqs(page) == [3, 2, 1]
    page.action_filter.setCurrentIndex(0)
    page.actor_filter.setCurrentIndex(page.actor_filter.findData(ALICE))
    assert visible_seqs(page) == [11, 10, 8, 4]
    page.actor_filter.setCurrentIndex(0)
    page.search.setText("statement-client")
    assert visible_seqs(page) == [13]
    page.search.setText(HKDH.lower())
    assert visible_seqs(page) == [10, 9]
    page.search.clear()
    assert page.proxy.rowCount() == 13


def test_verify_says_intact_then_names_the_first_bad_entry_in_red(qtbot: QtBot, runner: TaskRunner,
                                                                   audit: tuple[AuditLog, Engine]) -> None:
    log, engine = audit
    page = open_page(qtbot, runner, log)
    with qtbot.waitSignal(page.sig_verified, timeout=5000) as blocker:
        page.verify_button.click()
    assert blocker.args[0].intact
    assert page.verdict.isVisible() and page.verdict.tone == "good"
    assert page.verdict.text().startswith("The audit log is intact: 13 entries, 3 signed, head 13:0x")
    with engine.begin() as conn:  # someone edits entry 4 in the database
        conn.execute(update(audit_log).where(audit_log.c.seq == 4).values(detail='{"version":2}'))
    page.search.setText("statement")  # entry 4 is filtered out: naming it clears the filters
    with qtbot.waitSignal(page.sig_verified, timeout=5000) as blocker:
        page.verify()
    report = blocker.args[0]
    assert not report.intact and report.problem.seq == 4
    assert page.problem.isVisible() and not page.verdict.isVisible()
    assert page.problem.text() == ("The audit log is NOT intact — entry 4: its hash does not match its content "
                                   "(edited?)")
    assert page.problem.textFormat() == Qt.TextFormat.PlainText
    selected = page.selected_row()
    assert selected is not None and selected.seq == 4 and page.search.text() == ""
    index = page.model.index(page.model.row_of(4) or 0, AuditColumn.SEQ)
    assert index.data() == "BAD 4"
    assert index.data(Qt.ItemDataRole.ForegroundRole) == tone_color("bad")


def test_verify_runs_in_the_background(qtbot: QtBot, runner: TaskRunner, audit: tuple[AuditLog, Engine]) -> None:
    log = audit[0]
    page = open_page(qtbot, runner, log)
    release = threading.Event()
    real = log.verify

    def slow_verify() -> object:
        release.wait(5)
        return real()

    page._audit = type("Slow", (), {"verify": staticmethod(slow_verify)})()  # type: ignore[assignment]
    page.verify()
    assert not page.verify_button.isEnabled() and page.busy_bar.isVisible()
    assert page.verdict.text().startswith("Verifying")
    qtbot.wait(50)  # the event loop runs while it verifies
    with qtbot.waitSignal(page.sig_verified, timeout=5000):
        release.set()
    assert page.verify_button.isEnabled()


def test_export_writes_a_new_file_and_is_logged(qtbot: QtBot, runner: TaskRunner, tmp_path: Path,
                                                audit: tuple[AuditLog, Engine]) -> None:
    log = audit[0]
    page = open_page(qtbot, runner, log)
    target = tmp_path / "audit.csv"
    page.ask_path = lambda _parent, _suggested: str(target)
    with qtbot.waitSignals([page.sig_exported, page.sig_entries_shown], timeout=5000):
        page.export_button.click()
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["seq", "at", "monotonic_ns"] and len(rows) == 14
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]
    assert page.status.text() == f"14 entries, newest first. Exported 13 entries to {target}."
    assert visible_seqs(page)[0] == 14  # the export is an entry of its own
    assert log.load_entries(limit=1)[0].details()["file"] == "audit.csv"
    before = target.read_bytes()
    page.export()  # the same name again: refused before anything runs
    assert "already exists" in page.problem.text() and target.read_bytes() == before
    json_target = tmp_path / "audit.json"
    page.ask_path = lambda _parent, _suggested: str(json_target)
    with qtbot.waitSignal(page.sig_exported, timeout=5000):
        page.export()
    assert json.loads(json_target.read_text(encoding="utf-8"))["head"]["seq"] == 14
    page.ask_path = lambda _parent, _suggested: None  # cancelled: nothing happens
    page.export()
    assert not (tmp_path / "audit-log.csv").exists()


def test_E2_outside_text_on_the_audit_page_is_plain(qtbot: QtBot, runner: TaskRunner,
                                                     audit: tuple[AuditLog, Engine]) -> None:
    page = open_page(qtbot, runner, audit[0])
    page.table.selectRow(page.proxy.mapFromSource(page.model.index(page.model.row_of(10) or 0, 0)).row())
    text = page.detail.toPlainText()
    assert "<b>Alice</b>" in text and "<U+202E>" in text and "\u202e" not in text  # literal, and made visible
    labels = page.findChildren(QLabel)
    assert labels and all(label.textFormat() == Qt.TextFormat.PlainText for label in labels)
    assert HOSTILE_LABEL not in page.model.row_at(0).texts  # type: ignore[union-attr]


def test_the_session_attaches_the_log_and_the_investor_view_has_no_audit_tab(
        qtbot: QtBot, runner: TaskRunner, audit: tuple[AuditLog, Engine]) -> None:
    for investor in (False, True):
        window = MainWindow(profile_name="demo")
        qtbot.addWidget(window)
        assert "&Audit" in [window.pages.tabText(i) for i in range(window.pages.count())]
        if investor:
            window.enter_investor_view(None)
            assert "&Audit" not in [window.pages.tabText(i) for i in range(window.pages.count())]
        services = FakeServices()
        services.audit = audit[0]  # type: ignore[attr-defined]
        session = WalletSession(window=window, runner=runner, home=None, profile_name="demo",
                                open_profile=opener(FakeProfile()), build_services=builder(services),
                                status_interval_ms=50)
        window.show()
        with qtbot.waitSignal(session.sig_live_data_shown, timeout=5000):
            session.start()
        assert window.audit_page.attached is not investor and not window.audit_page.built
        assert window.holdings_page.record_export is not None  # statements are logged in both views
        if not investor:
            with qtbot.waitSignal(window.audit_page.sig_entries_shown, timeout=5000):
                window.pages.setCurrentWidget(window.audit_page)
        session.close()
        assert not window.audit_page.attached
