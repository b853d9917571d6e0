"""The Audit page: the profile's audit log, newest first, filtered by action, actor and text; "Verify chain" walks the
hash chain and checks every signature in the background and says the log is intact, or names the first bad entry in
red and selects it; "Export…" writes every entry as CSV or JSON to a new file (the export is itself logged); "Export
evidence pack…" opens the dialog that writes the signed evidence pack of a period for an inspector
(`ui.dialogs.evidence_dialog`, `custos evidence export`) and, once it is written, says where and its manifest digest.

Threads: reading and verifying only read (PARALLEL lane); exporting writes an audit entry (SERIAL lane), and so does
the evidence pack (its dialog runs it there). Nothing is
read until the page is on screen, and its widgets are built the first time it is shown.

Not in the investor view.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.errors import one_line
from ui.pages.lazy_page import LazyPage
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.plain_label import PlainLabel

if TYPE_CHECKING:  # built on first show (ensure_built), not at start-up
    from PySide6.QtWidgets import QPlainTextEdit, QTableView

    from ui.dialogs.evidence_dialog import EvidenceDeskLike, EvidenceDialog
    from ui.models.audit_model import AuditEntryLike, AuditFilterProxy, AuditRow, AuditTableModel
    from ui.widgets.tone_label import ToneLabel

WAITING_TEXT = "The audit log is read once the profile is connected."
LIST_LIMIT = 10_000  # the newest entries the page holds; `custos audit export` has them all
EXPORT_FILTERS = "CSV (*.csv);;JSON (*.json)"
ALL_ACTIONS_TEXT = "All actions"
ALL_ACTORS_TEXT = "All actors"


class VerifyReportLike(Protocol):
    """The parts of `wallet_app.audit.verify.VerifyReport` the page shows."""

    @property
    def intact(self) -> bool: ...
    @property
    def problem(self) -> Any: ...  # VerifyProblem: .seq, .kind, .message
    def describe(self) -> str: ...


class AuditLogLike(Protocol):
    """The parts of the core's `AuditLog` the page uses; every call may block (database)."""

    def load_entries(self, *, action: str | None = None, actor: str | None = None, search: str | None = None,
                     limit: int | None = None) -> Sequence[AuditEntryLike]: ...
    def load_all(self) -> Sequence[Any]: ...
    def verify(self) -> VerifyReportLike: ...
    def record_export(self, *, kind: str, fmt: str, path: Path | None, subject: str = "",
                      detail: Any = None) -> Any: ...


AskExportPath = Callable[[QWidget, str], "str | None"]
"""Asks where to export: (parent, suggested file name) -> chosen path, or None if cancelled."""


def ask_export_path(parent: QWidget, suggested: str) -> str | None:
    """The save dialog; it does not offer to overwrite: exports never replace a file."""
    path, chosen_filter = QFileDialog.getSaveFileName(parent, "Export the audit log", suggested, EXPORT_FILTERS,
                                                      options=QFileDialog.Option.DontConfirmOverwrite)
    if not path:
        return None
    if Path(path).suffix.lower() not in (".csv", ".json"):
        path += ".json" if "json" in chosen_filter.lower() else ".csv"
    return path


def run_export(audit: AuditLogLike, path: Path) -> tuple[str, int]:
    """Write the export (serial lane): CSV or JSON by the suffix; refuses an existing file."""
    from wallet_app.audit.export import export_audit

    result = export_audit(audit, path.suffix.lower().lstrip("."), path)  # type: ignore[arg-type]  # duck-typed log
    return os.fspath(path), result.entries


def read_rows(audit: AuditLogLike) -> list[AuditRow]:
    from ui.models.audit_model import prepare_audit_rows

    return prepare_audit_rows(audit.load_entries(limit=LIST_LIMIT))


class AuditPage(LazyPage):
    sig_entries_shown = Signal(int)
    """The entries were painted; carries how many were read."""
    sig_verified = Signal(object)
    """A verification ended; carries its report."""
    sig_exported = Signal(str)
    """An export was written; carries its path."""
    sig_evidence_exported = Signal(object)
    """An evidence pack was written; carries the core's result (path, manifest digest, signer)."""

    # Built on first show (ensure_built):
    status: PlainLabel
    busy_bar: QProgressBar
    refresh_button: QPushButton
    verify_button: QPushButton
    export_button: QPushButton
    evidence_button: QPushButton
    verdict: ToneLabel
    problem: ErrorLine
    action_filter: QComboBox
    actor_filter: QComboBox
    search: QLineEdit
    model: AuditTableModel
    proxy: AuditFilterProxy
    table: QTableView
    detail: QPlainTextEdit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditPage")
        self._audit: AuditLogLike | None = None
        self._evidence: EvidenceDeskLike | None = None
        self.evidence_dialog: EvidenceDialog | None = None  # while it is open
        self._runner: TaskRunner | None = None
        self._reading = self._verifying = self._exporting = False
        self._generation = 0
        self._note = ""  # said after the next count of entries (the last export)
        self.ask_path: AskExportPath = ask_export_path  # tests replace it: a file chooser must never block them

    # -- building (on first show) ---------------------------------------------------------------------------
    def _build(self) -> None:
        from ui.models.audit_model import AuditColumn, AuditFilterProxy, AuditTableModel
        from ui.widgets.policy_active import read_only_text
        from ui.widgets.table_layout import build_read_only_table, build_vertical_split
        from ui.widgets.tone_label import ToneLabel

        self.status = PlainLabel(WAITING_TEXT)
        self.status.setObjectName("auditStatus")
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("auditBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.hide()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("auditRefresh")
        self.refresh_button.setToolTip("Read the audit log again")
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setObjectName("auditVerify")
        self.verify_button.setToolTip("Recompute every entry's hash, check the links between them and every "
                                      "signature; name the first bad entry")
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("auditExport")
        self.export_button.setToolTip("Write every entry to a new CSV or JSON file (never over an existing one)")
        head = QHBoxLayout()
        head.addWidget(self.status, 1)
        head.addWidget(self.busy_bar)
        head.addWidget(self.refresh_button)
        head.addWidget(self.verify_button)
        head.addWidget(self.export_button)
        self.evidence_button = QPushButton("Export evidence pack…")
        self.evidence_button.setObjectName("auditEvidence")
        self.evidence_button.setToolTip("Write a zip of a period's records for an inspector: the audit log, policy "
                                        "versions, transfers, address book and documents issued, with a manifest "
                                        "signed by your key")
        head.addWidget(self.evidence_button)

        self.verdict = ToneLabel(bold=True, selectable=True)
        self.verdict.setObjectName("auditVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.hide()
        self.problem = ErrorLine()
        self.problem.setObjectName("auditProblem")
        self.problem.setTextInteractionFlags(self.verdict.textInteractionFlags())

        self.action_filter = QComboBox()
        self.action_filter.setObjectName("auditActionFilter")
        self.action_filter.setToolTip("Only entries of this action")
        self.actor_filter = QComboBox()
        self.actor_filter.setObjectName("auditActorFilter")
        self.actor_filter.setToolTip("Only entries of this actor")
        self.actor_filter.setMinimumContentsLength(24)
        self.search = QLineEdit()
        self.search.setObjectName("auditSearch")
        self.search.setPlaceholderText("Search labels, addresses, digests, details…")
        self.search.setClearButtonEnabled(True)
        filters = QHBoxLayout()
        filters.addWidget(self.action_filter)
        filters.addWidget(self.actor_filter)
        filters.addWidget(self.search, 1)

        self.model = AuditTableModel(self)
        self.proxy = AuditFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = build_read_only_table(self.proxy, "auditTable")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(AuditColumn.DETAIL, QHeaderView.ResizeMode.Stretch)
        for column, width in ((AuditColumn.SEQ, 64), (AuditColumn.TIME, 150), (AuditColumn.ACTOR, 230),
                              (AuditColumn.ROLE, 210), (AuditColumn.ACTION, 130), (AuditColumn.SUBJECT, 210)):
            header.resizeSection(column, width)
        self.detail = read_only_text("auditEntry", fixed=True)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.table, 1)
        splitter = build_vertical_split(top, self.detail, stretch=(3, 1), sizes=(460, 160))
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.setContentsMargins(9, 9, 9, 9)
        layout.addLayout(head)
        layout.addWidget(self.verdict)
        layout.addWidget(self.problem)
        layout.addWidget(splitter, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.export)
        self.evidence_button.clicked.connect(self.export_evidence)
        self.action_filter.currentIndexChanged.connect(lambda _i: self._filter())
        self.actor_filter.currentIndexChanged.connect(lambda _i: self._filter())
        self.search.textChanged.connect(lambda _t: self._filter())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_selected())
        self._fill_filters([])
        self._update_buttons()

    # -- what the session tells it --------------------------------------------------------------------------
    def attach(self, audit: AuditLogLike, runner: TaskRunner, *, evidence: EvidenceDeskLike | None = None) -> None:
        """The services are ready; nothing is read until the page is on screen. With `evidence`, the page offers to
        export an evidence pack."""
        self._audit, self._runner, self._evidence = audit, runner, evidence
        if self._built:
            self.status.setText("Reading the audit log…")
            self._update_buttons()
        if self.isVisible():
            self.refresh()

    def detach(self) -> None:
        self._audit = self._evidence = None
        self._generation += 1
        self._reading = self._verifying = self._exporting = False
        if self._built:
            self._set_busy()
            self._update_buttons()

    @property
    def attached(self) -> bool:
        return self._audit is not None

    def _ready(self) -> bool:
        return self._audit is not None and self._runner is not None and not self._runner.is_shut_down

    # -- reading --------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the newest entries again (when on screen)."""
        if not self._built or not self.isVisible() or not self._ready() or self._reading:
            return
        audit, runner = self._audit, self._runner
        assert audit is not None and runner is not None
        self._reading = True
        self._generation += 1
        generation = self._generation
        self._set_busy()
        (runner.query(lambda: read_rows(audit)).with_key((id(self), "entries")).with_owner(self)
         .on_success(lambda rows: self._rows_arrived(generation, rows))
         .on_failure(lambda exc: self._read_failed(generation, exc)).quietly().run())

    def _rows_arrived(self, generation: int, rows: list[AuditRow]) -> None:
        if generation != self._generation:
            return
        self._reading = False
        self._set_busy()
        bad = self.model.bad_seq
        self.model.set_rows(rows)
        self.model.set_bad_seq(bad)
        self._fill_filters(rows)
        self._filter()
        more = " (the newest)" if len(rows) >= LIST_LIMIT else ""
        note, self._note = self._note, ""
        self.status.setText((f"{len(rows):,} entries{more}, newest first." if rows else
                             "The audit log is empty: nothing has been done in this profile yet.")
                            + (f" {note}" if note else ""))
        self._update_buttons()
        emit(self.sig_entries_shown, len(rows))

    def _read_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._reading = False
        self._set_busy()
        self.problem.show_error(f"The audit log could not be read: {one_line(exc)}")
        self._update_buttons()

    def _fill_filters(self, rows: Sequence[AuditRow]) -> None:
        actions = sorted({r.action for r in rows})
        actors: dict[str, str] = {}
        for r in rows:
            actors.setdefault(r.actor, r.texts[2])  # newest label first
        for combo, first, items in ((self.action_filter, ALL_ACTIONS_TEXT, [(a, a) for a in actions]),
                                    (self.actor_filter, ALL_ACTORS_TEXT,
                                     sorted(((text, actor) for actor, text in actors.items()),
                                            key=lambda item: item[0].casefold()))):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, "")
            for text, data in items:
                combo.addItem(text, data)
            index = combo.findData(current) if current else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _filter(self) -> None:
        self.proxy.set_filters(action=self.action_filter.currentData() or "",
                               actor=self.actor_filter.currentData() or "", text=self.search.text())
        self._show_selected()

    def _show_selected(self) -> None:
        row = self.selected_row()
        self.detail.setPlainText(row.full if row is not None else "")

    def selected_row(self) -> AuditRow | None:
        if not self._built:
            return None
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row_at(self.proxy.mapToSource(rows[0]).row())

    def select_seq(self, seq: int) -> bool:
        """Select and show entry `seq` (clearing the filters if they hide it); False when it is not on the page."""
        row = self.model.row_of(seq)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.search.clear()
            self.action_filter.setCurrentIndex(0)
            self.actor_filter.setCurrentIndex(0)
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    # -- verifying ------------------------------------------------------------------------------------------
    def verify(self) -> None:
        if not self._built or not self._ready() or self._verifying:
            return
        audit, runner = self._audit, self._runner
        assert audit is not None and runner is not None
        self._verifying = True
        self._set_busy()
        self.problem.clear_error()
        self.verdict.set_tone("plain")
        self.verdict.setText("Verifying the hash chain and the signatures…")
        self.verdict.show()
        self._update_buttons()
        generation = self._generation
        (runner.query(audit.verify).with_key((id(self), "verify")).with_owner(self)
         .on_success(lambda report: self._verified(generation, report))
         .on_failure(self._verify_failed).quietly().run())

    def _verified(self, _generation: int, report: VerifyReportLike) -> None:
        self._verifying = False
        self._set_busy()
        self._update_buttons()
        if report.intact:
            self.model.set_bad_seq(None)
            self.verdict.set_tone("good")
            self.verdict.setText(report.describe())
            self.problem.clear_error()
        else:
            self.verdict.hide()
            self.problem.show_error(f"The audit log is NOT intact — {report.describe()}")
            seq = getattr(report.problem, "seq", None)
            self.model.set_bad_seq(seq if isinstance(seq, int) else None)
            if isinstance(seq, int):
                self.select_seq(seq)
        emit(self.sig_verified, report)

    def _verify_failed(self, exc: BaseException) -> None:
        self._verifying = False
        self._set_busy()
        self._update_buttons()
        self.verdict.hide()
        self.problem.show_error(f"The audit log could not be verified: {one_line(exc)}")

    # -- exporting ------------------------------------------------------------------------------------------
    def export(self) -> None:
        if not self._built or not self._ready() or self._exporting:
            return
        answer = self.ask_path(self, "audit-log.csv")
        if not answer:
            return
        path = Path(answer)
        if path.suffix.lower() not in (".csv", ".json"):
            self.problem.show_error("Choose a file name ending in .csv or .json.")
            return
        if path.exists():
            self.problem.show_error(f"Not written: {path} already exists. Exports are never overwritten.")
            return
        audit, runner = self._audit, self._runner
        assert audit is not None and runner is not None
        self._exporting = True
        self._set_busy()
        self._update_buttons()
        self.problem.clear_error()
        self.status.setText(f"Exporting the audit log to {path}…")
        (runner.command(lambda: run_export(audit, path)).with_owner(self)
         .on_success(self._exported).on_failure(self._export_failed).quietly().run())

    def _exported(self, result: tuple[str, int]) -> None:
        path, entries = result
        self._exporting = False
        self._set_busy()
        self._update_buttons()
        self._note = f"Exported {entries:,} entries to {path}."
        self.status.setText(self._note)
        emit(self.sig_exported, path)
        self.refresh()  # the export is an entry of its own

    def _export_failed(self, exc: BaseException) -> None:
        self._exporting = False
        self._set_busy()
        self._update_buttons()
        self.problem.show_error(f"The audit log was not exported: {one_line(exc)}")

    # -- the evidence pack ----------------------------------------------------------------------------------
    def export_evidence(self) -> None:
        """Open the dialog (one at a time); it runs the export itself, on the serial lane."""
        from ui.dialogs.evidence_dialog import EvidenceDialog

        if not self._built or not self._ready() or self._evidence is None:
            return
        if self.evidence_dialog is not None:
            self.evidence_dialog.raise_()
            return
        runner = self._runner
        assert runner is not None
        dialog = EvidenceDialog(runner=runner, desk=self._evidence, parent=self)
        dialog.sig_exported.connect(self._evidence_written)
        dialog.finished.connect(lambda _result: self._evidence_closed())
        self.evidence_dialog = dialog
        dialog.open()

    def _evidence_closed(self) -> None:
        self.evidence_dialog = None

    def _evidence_written(self, result: Any) -> None:
        self.problem.clear_error()
        self._note = f"Evidence pack written to {result.path} (manifest SHA-256 {result.manifest_sha256})."
        self.status.setText(self._note)
        emit(self.sig_evidence_exported, result)
        self.refresh()  # the export is an entry of its own

    # -- state of the controls ------------------------------------------------------------------------------
    def _set_busy(self) -> None:
        if self._built:
            self.busy_bar.setVisible(self._reading or self._verifying or self._exporting)

    def _update_buttons(self) -> None:
        if not self._built:
            return
        ready = self._ready()
        self.refresh_button.setEnabled(ready and not self._reading)
        self.verify_button.setEnabled(ready and not self._verifying)
        self.export_button.setEnabled(ready and not self._exporting)
        self.evidence_button.setVisible(self._evidence is not None)
        self.evidence_button.setEnabled(ready and self._evidence is not None)
