"""The Audit page's "Export evidence pack…" on a real demo profile (the core's services on the embedded devnet): the
dialog lists the keys that can sign, refuses a wrong password in the dialog (nothing written), then writes the pack
off the GUI thread with its progress shown, and says where it is and its manifest digest; the pack verifies and the
export is among the newest entries the page lists. Without an exporter (a profile that cannot export) there is no
button."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.audit_fakes import build_audit
from tests.ui.queue_demo import ALICE, DEMO_PASSWORD, Demo, open_demo
from ui.dialogs.evidence_dialog import EvidenceDialog, evidence_desk
from ui.pages.audit_page import AuditPage
from ui.tasks import TaskRunner


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with open_demo(tmp_path_factory.mktemp("evidence-ui")) as opened:
        yield opened


def open_page(qtbot: QtBot, runner: TaskRunner, demo: Demo) -> AuditPage:
    page = AuditPage()
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.attach(demo.services.audit, runner, evidence=evidence_desk(demo.services))
    with qtbot.waitSignal(page.sig_entries_shown, timeout=10_000):
        page.show()
    return page


def open_dialog(qtbot: QtBot, page: AuditPage) -> EvidenceDialog:
    assert page.evidence_button.isVisible() and page.evidence_button.isEnabled()
    page.evidence_button.click()
    dialog = page.evidence_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.key.isEnabled(), timeout=10_000)
    return dialog


def test_the_dialog_exports_a_pack_that_verifies_and_shows_its_digest(qtbot: QtBot, runner: TaskRunner, demo: Demo,
                                                                      tmp_path: Path) -> None:
    from wallet_app.evidence.verify import verify_pack

    page = open_page(qtbot, runner, demo)
    dialog = open_dialog(qtbot, page)
    keys = [dialog.key.itemData(i) for i in range(dialog.key.count())]
    assert demo[ALICE] in keys and len(keys) == 5  # the demo's keystore keys; none is watch-only
    dialog.key.setCurrentIndex(keys.index(demo[ALICE]))
    out = tmp_path / "pack.zip"
    dialog.out.setText(str(out))
    assert not dialog.submit_button.isEnabled()  # no password yet

    dialog.password.setText("not the password")
    dialog.submit()
    assert dialog.busy and not dialog.fields.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    assert dialog.error.isVisible() and "password is wrong" in dialog.error.text()
    assert not out.exists() and dialog.isVisible() and dialog.submit_button.isVisible()

    progress: list[str] = []
    dialog.relay.sig_progress.connect(progress.append)
    dialog.password.setText(DEMO_PASSWORD)
    gui = threading.current_thread()
    with qtbot.waitSignal(page.sig_evidence_exported, timeout=60_000) as exported:
        dialog.submit()
        assert threading.current_thread() is gui and dialog.busy  # the export runs on a worker lane
    result = exported.args[0]
    assert result.path == out and out.exists()
    assert "Unlocking the key…" in progress and "Signing the manifest…" in progress
    assert dialog.password.text() == ""  # wiped once done
    assert dialog.result_line.isVisible() and str(out) in dialog.result_line.text()
    assert dialog.digest.text() == result.manifest_sha256 == hashlib.sha256(_manifest(out)).hexdigest()
    assert not dialog.submit_button.isVisible() and dialog.cancel_button.text() == "Close"
    assert str(out) in page.status.text() and result.manifest_sha256 in page.status.text()
    report = verify_pack(out)
    assert report.ok and report.signer == demo[ALICE]

    def logged() -> bool:  # among the newest entries (the key's lock follows it)
        rows = [page.model.row_at(i) for i in range(min(3, page.model.rowCount()))]
        return any(row is not None and row.action == "evidence_export" and row.actor == demo[ALICE] for row in rows)

    qtbot.waitUntil(logged, timeout=10_000)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: page.evidence_dialog is None, timeout=5000)


def _manifest(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read("manifest.json")


def test_an_existing_file_is_refused_in_the_dialog(qtbot: QtBot, runner: TaskRunner, demo: Demo,
                                                   tmp_path: Path) -> None:
    page = open_page(qtbot, runner, demo)
    dialog = open_dialog(qtbot, page)
    out = tmp_path / "kept.zip"
    out.write_bytes(b"kept")
    dialog.out.setText(str(out))
    dialog.password.setText(DEMO_PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)
    assert "already exists" in dialog.error.text() and out.read_bytes() == b"kept"
    dialog.reject()
    assert dialog.password.text() == ""


def test_without_an_exporter_there_is_no_button(qtbot: QtBot, runner: TaskRunner, tmp_path: Path) -> None:
    log, engine = build_audit(tmp_path / "audit.db")
    try:
        page = AuditPage()
        qtbot.addWidget(page)
        page.attach(log, runner)
        with qtbot.waitSignal(page.sig_entries_shown, timeout=5000):
            page.show()
        assert not page.evidence_button.isVisible()
        page.export_evidence()
        assert page.evidence_dialog is None
        assert evidence_desk(object()) is None
    finally:
        engine.dispose()


def test_a_statement_exported_from_the_holdings_page_is_kept_as_issued(tmp_path: Path) -> None:
    """What the session gives the Holdings page: the file as written is kept with its digest, and logged."""
    from ui.pages.holdings_statement import statement_recorder
    from wallet_app.audit.actions import EXPORT
    from wallet_app.compliance.issued import IssuedDocuments
    from wallet_app.evidence.period import build_period

    log, engine = build_audit(tmp_path / "audit.db")
    try:
        path = tmp_path / "statement-0xabc.csv"
        path.write_bytes(b"asset,units\nHKDH,1000\n")
        record = statement_recorder(log, 1770177)
        record("0xabc", "csv", path, 118)
        today = build_period("2000-01-01", "2100-01-01")
        (kept,) = IssuedDocuments(engine, 1770177).between(today.start, today.end)
        assert (kept.kind, kept.file_name, kept.content) == ("statement", path.name, path.read_bytes())
        assert kept.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and "0xabc" in kept.subject
        newest = log.load_entries(limit=1)[0]
        assert newest.action == EXPORT and newest.details()["file"] == path.name
    finally:
        engine.dispose()
