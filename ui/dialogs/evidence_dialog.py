"""Export evidence pack…: the Audit page's dialog for `custos evidence export`.

The officer picks the period (UTC days, both included), one of the profile's keys that can sign, types its password,
and chooses a new .zip file. The export runs on the serial lane (it unlocks the key, reads the records, signs the
manifest and writes the zip); the core's progress is shown under the form as it goes. When it is done the dialog
stays open and shows where the pack was written, the manifest's SHA-256 and the signing key, to be noted down or
copied; a refusal (a wrong password, dates the wrong way round, an existing file) is shown in the dialog, which keeps
what was typed but the password. The password is wiped whenever the dialog closes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QDate, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.command_dialog import CommandDialog
from ui.fonts import fixed_font
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.progress_relay import ProgressRelay
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel

DATE_FORMAT = "yyyy-MM-dd"
INTRO = ("Writes one zip an inspector can check without Custos: the audit log with its verification, every policy "
         "version, every transfer proposed in the period with its decision, signatures, Travel Rule record and "
         "receipt, the address book with ownership proofs, and the statements and reports issued, with a manifest "
         "of SHA-256 digests signed by your key. The export is recorded in the audit log.")


class KeyLike(Protocol):
    @property
    def address(self) -> str: ...
    @property
    def label(self) -> str: ...


class EvidenceResultLike(Protocol):
    """The parts of `wallet_app.evidence.export.EvidenceExport` the dialog shows."""

    @property
    def path(self) -> Path: ...
    @property
    def manifest_sha256(self) -> str: ...
    @property
    def exporter(self) -> str: ...
    @property
    def files(self) -> int: ...
    @property
    def size(self) -> int: ...


class EvidenceDeskLike(Protocol):
    """The core's `wallet_app.evidence.setup.EvidenceDesk`; both calls block (run them on a worker lane)."""

    def load_keys(self) -> Sequence[KeyLike]: ...
    def export(self, *, first_day: str, last_day: str, out: Path, key: str, password: str,
               progress: Callable[[str], object] | None = None) -> Any: ...


def evidence_desk(services: Any) -> EvidenceDeskLike | None:
    """The desk over the desktop's running services (what the session gives the Audit page); None when they lack a
    profile, keys or an audit log (a profile that cannot export)."""
    profile, keys, audit = (getattr(services, name, None) for name in ("profile", "keys", "audit"))
    if profile is None or keys is None or audit is None:
        return None
    from wallet_app.evidence.setup import EvidenceDesk

    return EvidenceDesk(profile=profile, chain=getattr(services, "chain", None), audit=audit, keys=keys)


def default_pack_path(today: date) -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    base = Path(folder) if folder else Path.home()
    return base / f"custos-evidence-{today.isoformat()}.zip"


def _date_edit(value: date, name: str) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setObjectName(name)
    edit.setDisplayFormat(DATE_FORMAT)
    edit.setCalendarPopup(True)
    edit.setToolTip("A day in UTC; both days of the period are included")
    return edit


class EvidenceDialog(CommandDialog):
    sig_keys_shown = Signal(int)
    """The keys that can sign were read; carries how many."""
    sig_exported = Signal(object)
    """The pack was written; carries the core's result (path, manifest digest, signer)."""

    def __init__(self, *, runner: TaskRunner, desk: EvidenceDeskLike, today: date | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, title="Export evidence pack", intro=INTRO, submit_text="Export",
                         parent=parent)
        self.setObjectName("evidenceDialog")
        self.setMinimumWidth(640)
        self._desk = desk
        now = today or datetime.now(UTC).date()
        self.first_day = _date_edit(date(now.year, 1, 1), "evidenceFrom")
        self.last_day = _date_edit(now, "evidenceTo")
        period = QWidget()
        row = QHBoxLayout(period)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.first_day)
        row.addWidget(PlainLabel("to"))
        row.addWidget(self.last_day)
        row.addWidget(PlainLabel("(UTC, both days included)"))
        row.addStretch(1)
        self.key = QComboBox()
        self.key.setObjectName("evidenceKey")
        self.key.setMinimumContentsLength(40)
        self.key.addItem("Reading the keys…", None)
        self.key.setEnabled(False)
        self.password = SecretField("The key's password (or PIN)")
        self.password.setObjectName("evidencePassword")
        self.out = QLineEdit(str(default_pack_path(now)))
        self.out.setObjectName("evidencePath")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        out_row = QWidget()
        out_layout = QHBoxLayout(out_row)
        out_layout.setContentsMargins(0, 0, 0, 0)
        out_layout.addWidget(self.out, 1)
        out_layout.addWidget(choose)
        self.form.addRow(PlainLabel("Period:"), period)
        self.form.addRow(PlainLabel("Signed by:"), self.key)
        self.form.addRow(PlainLabel("Password:"), self.password)
        self.form.addRow(PlainLabel("Save to:"), out_row)
        self.add_secret(self.password)
        self.out.textChanged.connect(self.update_ready)
        self.key.currentIndexChanged.connect(lambda _i: self.update_ready())
        self.result_line = ToneLabel(bold=True, selectable=True)
        self.result_line.setObjectName("evidenceResult")
        self.result_line.setWordWrap(True)
        self.result_line.hide()
        self.digest = PlainLabel(selectable=True)
        self.digest.setObjectName("evidenceDigest")
        self.digest.setFont(fixed_font())
        self.digest.hide()
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.indexOf(self.busy_row) + 1, self.result_line)
        layout.insertWidget(layout.indexOf(self.result_line) + 1, self.digest)
        self.relay = ProgressRelay(self)
        self.relay.sig_progress.connect(self.busy_label.setText)
        self.busy_label.setText("Exporting…")
        self.update_ready()
        self._load_keys()

    # -- the keys -------------------------------------------------------------------------------------------
    def _load_keys(self) -> None:
        (self._runner.query(self._desk.load_keys).with_owner(self).on_success(self._keys_arrived)
         .on_failure(lambda exc: self.error.show_error(f"The keys could not be read: {exc}")).quietly().run())

    def _keys_arrived(self, keys: Sequence[KeyLike]) -> None:
        self.key.clear()
        for key in keys:
            self.key.addItem(f"{reveal_invisible(key.label, max_length=60)} — {key.address}", key.address)
        if not keys:
            self.key.addItem("No key of this profile can sign here", None)
        self.key.setEnabled(bool(keys))
        self.update_ready()
        emit(self.sig_keys_shown, len(keys))

    def _choose(self) -> None:
        chooser = QFileDialog(self, "Save the evidence pack as", self.out.text())
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setOption(QFileDialog.Option.DontConfirmOverwrite)  # a pack is never written over a file
        chooser.setNameFilters(["Evidence packs (*.zip)"])
        chooser.setDefaultSuffix("zip")
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(self.out.setText)
        chooser.open()

    # -- running --------------------------------------------------------------------------------------------
    def ready(self) -> bool:
        return self.key.currentData() is not None and bool(self.password.text()) and bool(self.out.text().strip())

    def make_command(self) -> Callable[[], object]:
        desk, relay = self._desk, self.relay
        first, last = self.first_day.date().toString(DATE_FORMAT), self.last_day.date().toString(DATE_FORMAT)
        key, password = str(self.key.currentData()), self.password.text()
        out = Path(self.out.text().strip()).expanduser()
        self.result_line.hide()
        self.digest.hide()
        return lambda: desk.export(first_day=first, last_day=last, out=out, key=key, password=password,
                                   progress=relay)

    def _succeeded(self, result: object) -> None:
        """The pack is written: show where, and its manifest digest; the dialog stays open until closed."""
        self._set_busy(False)
        self.wipe_secrets()
        self.fields.setEnabled(False)
        self.submit_button.hide()
        self.cancel_button.setText("Close")
        shown: Any = result
        self.result_line.set_tone("good")
        self.result_line.setText(f"The evidence pack is written to {shown.path}\n{shown.files} files, "
                                 f"{shown.size:,} bytes, signed by {shown.exporter}\nManifest SHA-256 (keep it with "
                                 "the pack; the audit log records it too):")
        self.result_line.show()
        self.digest.setText(str(shown.manifest_sha256))
        self.digest.show()
        self.adjustSize()
        emit(self.sig_exported, result)
        emit(self.sig_succeeded, result)
