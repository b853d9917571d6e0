"""The Proofs page: make a proof of one holding or a statement of an account (each holding with its proof), see every
check of it, export it as JSON or as a PDF to print (`ui.proof_pdf`: the hashes in full and the bundle as QR codes)
or show it as QR codes; and check any bundle, from a file, a paste or pictures of its QR codes, with the verdict in
large coloured words and every check and claim listed.

Checking needs no key and no chain. With a profile connected, every check goes through the core's proof service,
which records it in the audit log (SERIAL lane: it writes); with none, the bundle is checked on its own
(`check_bundle_bytes`, PARALLEL lane) and the page says that check was not recorded. Making a proof reads the chain
(PARALLEL lane). In the investor view only checking is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QProgressBar, QVBoxLayout, QWidget

from ui.errors import one_line
from ui.models.proof_rows import CheckedLike, HoldingChoice, describe_checked, holding_choices
from ui.pages.proofs_export import (
    AskSavePath,
    RecordProofExport,
    add_pdf_button,
    ask_json_path,
    ask_pdf_path,
    write_new_json,
    write_new_pdf,
)
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.proof_forms import CreateBox, VerifyBox
from ui.widgets.proof_qr import bundle_from_images
from ui.widgets.proof_result import ProofResult
from wallet_app.holdings.model import Account, HoldingsSnapshot

NOT_RECORDED = "Not recorded in the audit log: no profile is connected."
RECORDED = "Recorded in the audit log."

AskPaths = Callable[[QWidget, bool], list[str]]
"""Asks which file(s) to check: (parent, images?) -> chosen paths (empty if cancelled)."""


class ProofServiceLike(Protocol):
    """The parts of the core's `ProofService` the page uses."""

    def prove(self, targets: Sequence[Any], block: int | None = None) -> Any: ...
    def statement(self, account: str, block: int | None = None) -> Any: ...
    def check(self, data: bytes, *, source: str) -> Any: ...


class HoldingsLike(Protocol):
    def fetch_holdings(self, accounts: list[str] | None = None, block: int | None = None) -> HoldingsSnapshot: ...
    def load_accounts(self) -> list[Account]: ...


def ask_open_paths(parent: QWidget, images: bool) -> list[str]:
    if images:
        paths, _f = QFileDialog.getOpenFileNames(parent, "Read a proof's QR codes", "",
                                                 "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)")
        return list(paths)
    path, _f = QFileDialog.getOpenFileName(parent, "Check a proof bundle", "", "Proof bundles (*.json);;All files (*)")
    return [path] if path else []


def read_file(path: Path) -> bytes:
    from wallet_app.proofs.bundle import read_limited  # loads the proof checker: on a worker lane only

    return read_limited(path, "file")


def unusable(reason: str) -> CheckedLike:
    from wallet_app.proofs.service import Checked  # loads the proof checker: on a worker lane only

    return Checked(None, reason)


def check_alone(data: bytes) -> CheckedLike:
    from wallet_app.proofs.service import check_bundle_bytes

    return check_bundle_bytes(data)


class ProofsPage(QWidget):
    sig_checked = Signal(object)
    """A bundle was checked and its verdict shown; carries the `Checked`."""
    sig_created = Signal(object)
    """A proof or statement was made; carries the `Created`."""
    sig_exported = Signal(str)
    """A bundle was written; carries its path."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("proofsPage")
        self._runner: TaskRunner | None = None
        self._proofs: ProofServiceLike | None = None
        self._holdings: HoldingsLike | None = None
        self.record_export: RecordProofExport | None = None
        self.ask_paths: AskPaths = ask_open_paths  # tests replace these: a file chooser must never block them
        self.ask_save: AskSavePath = ask_json_path
        self.ask_save_pdf: AskSavePath = ask_pdf_path
        self._busy = ""  # what is running, if anything
        self._accounts_read = False
        self._generation = 0
        self._choices: list[HoldingChoice] = []
        self._created: Any = None
        self._created_title = ""
        self.qr_dialog: QWidget | None = None
        self.create_box = CreateBox()
        self.verify_box = VerifyBox()
        self.result = ProofResult()
        self.export_pdf_button = add_pdf_button(self.create_box.export_button)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("proofBusy")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.hide()
        self.problem = ErrorLine()
        self.problem.setObjectName("proofProblem")
        boxes = QHBoxLayout()
        boxes.addWidget(self.create_box, 1)
        boxes.addWidget(self.verify_box, 1)
        status = QHBoxLayout()
        status.addWidget(self.problem, 1)
        status.addWidget(self.busy_bar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(9, 9, 9, 9)
        layout.addLayout(boxes)
        layout.addLayout(status)
        layout.addWidget(self.result, 1)
        c, v = self.create_box, self.verify_box
        c.account.currentIndexChanged.connect(lambda _i: self._account_chosen())
        c.prove_button.clicked.connect(self.prove_holding)
        c.statement_button.clicked.connect(self.make_statement)
        c.export_button.clicked.connect(self.export_json)
        self.export_pdf_button.clicked.connect(self.export_pdf)
        c.qr_button.clicked.connect(self.show_qr)
        v.open_button.clicked.connect(self.open_file)
        v.images_button.clicked.connect(self.open_images)
        v.check_button.clicked.connect(self.check_pasted)
        c.holding.currentIndexChanged.connect(lambda _i: self._update_buttons())
        v.paste.textChanged.connect(self._update_buttons)
        self._say_create("Create proofs once the profile is connected.")
        self._update_buttons()

    # -- what the session tells it --------------------------------------------------------------------------
    def set_runner(self, runner: TaskRunner) -> None:
        """Checking works from the start, with no profile at all."""
        self._runner = runner
        self._update_buttons()

    def attach(self, proofs: ProofServiceLike | None, holdings: HoldingsLike | None, runner: TaskRunner) -> None:
        self._proofs, self._holdings, self._runner = proofs, holdings, runner
        self._accounts_read = False
        self._say_create("Reading the accounts…" if self._can_create() else "Proofs cannot be made in this profile.")
        self._update_buttons()
        if self.isVisible():
            self._read_accounts()

    def detach(self) -> None:
        self._proofs = self._holdings = None
        self._generation += 1
        self._busy = ""
        self._set_busy("")

    def set_investor_view(self) -> None:
        """Checking only: an investor checks statements sent to them, with no key and nothing to make."""
        self.create_box.hide()

    @property
    def busy(self) -> bool:
        return bool(self._busy)

    @property
    def created(self) -> Any:
        return self._created

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._accounts_read:
            self._read_accounts()

    def _can_create(self) -> bool:
        return self._proofs is not None and self._holdings is not None and not self.create_box.isHidden()

    # -- choosing what to prove -----------------------------------------------------------------------------
    def _read_accounts(self) -> None:
        if not self._can_create() or self._runner is None or self._runner.is_shut_down:
            return
        holdings = self._holdings
        assert holdings is not None
        self._accounts_read = True
        (self._runner.query(holdings.load_accounts).with_key((id(self), "accounts")).with_owner(self)
         .on_success(self._accounts_arrived)
         .on_failure(lambda exc: self._say_create(f"The accounts could not be read: {one_line(exc)}"))
         .quietly().run())

    def _accounts_arrived(self, accounts: list[Account]) -> None:
        combo = self.create_box.account
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        for account in accounts:
            label = reveal_invisible(account.label, max_length=40)
            combo.addItem(f"{label} — {account.address}" if label else account.address, account.address)
        combo.setCurrentIndex(max(combo.findData(current), 0) if current else 0)
        combo.blockSignals(False)
        self._say_create("Choose an account and a holding." if accounts else "The profile has no accounts.")
        self._account_chosen()

    def _account_chosen(self) -> None:
        account = self.create_box.account.currentData()
        self._choices = []
        self.create_box.holding.clear()
        self._update_buttons()
        if not account or self._holdings is None or self._runner is None or self._runner.is_shut_down:
            return
        holdings = self._holdings
        self.create_box.holding.setPlaceholderText("Reading its holdings…")

        def read() -> list[HoldingChoice]:
            return holding_choices(holdings.fetch_holdings([account]).holdings, account)

        (self._runner.query(read).with_key((id(self), "holdings")).with_owner(self)
         .on_success(lambda choices: self._holdings_arrived(account, choices))
         .on_failure(lambda exc: self._holdings_failed(account, exc)).quietly().run())

    def _holdings_arrived(self, account: str, choices: list[HoldingChoice]) -> None:
        if account != self.create_box.account.currentData():
            return
        self._choices = choices
        combo = self.create_box.holding
        combo.clear()
        combo.setPlaceholderText("Nothing held to prove")
        for choice in choices:
            combo.addItem(choice.text)
        combo.setCurrentIndex(0 if choices else -1)
        self._update_buttons()

    def _holdings_failed(self, account: str, exc: BaseException) -> None:
        if account == self.create_box.account.currentData():
            self.create_box.holding.setPlaceholderText("Holdings could not be read")
            self._say_create(f"Its holdings could not be read: {one_line(exc)}")

    # -- creating -------------------------------------------------------------------------------------------
    def prove_holding(self) -> None:
        account = self.create_box.account.currentData()
        index = self.create_box.holding.currentIndex()
        if self._proofs is None or not account or not 0 <= index < len(self._choices) or self._busy:
            return
        from wallet_app.proofs.create import Target  # a plain value type; its module loads the proof stack

        choice, proofs = self._choices[index], self._proofs
        target = Target(account, choice.asset, choice.token_id)
        self._create(lambda: proofs.prove([target]), f"Proof of {choice.text} held by {account}")

    def make_statement(self) -> None:
        account = self.create_box.account.currentData()
        if self._proofs is None or not account or self._busy:
            return
        proofs = self._proofs
        self._create(lambda: proofs.statement(account), f"Statement of account {account}")

    def _create(self, make: Callable[[], Any], title: str) -> None:
        assert self._runner is not None
        self._start(f"Making the proof ({title})…")
        generation = self._generation
        (self._runner.query(make).with_owner(self)
         .on_success(lambda created: self._made(generation, title, created))
         .on_failure(lambda exc: self._failed(generation, "The proof was not made", exc)).run())

    def _made(self, generation: int, title: str, created: Any) -> None:
        if generation != self._generation:
            return
        self._created, self._created_title = created, title
        notes = [reveal_invisible(n, max_length=300) for n in created.notes]
        notes += [f"Not proven: {reveal_invisible(str(u.get('asset', '')), max_length=60)} — "
                  f"{reveal_invisible(str(u.get('reason', '')), max_length=200)}" for u in created.unproven]
        self._say_create(f"Made at block {created.header.number:,}. " + " ".join(notes))
        emit(self.sig_created, created)
        self._busy = ""
        from wallet_app.proofs.bundle import bundle_json  # loaded once a bundle exists, not at start-up

        data = bundle_json(created.bundle)
        self._check(lambda: data, f"{title} (made here)")

    # -- checking -------------------------------------------------------------------------------------------
    def open_file(self) -> None:
        paths = self.ask_paths(self, False) if not self._busy else []
        if paths:
            path = Path(paths[0])
            self._check(lambda: read_file(path), f"file {path.name}")

    def open_images(self) -> None:
        paths = [Path(p) for p in (self.ask_paths(self, True) if not self._busy else [])]
        if not paths:
            return

        def join() -> bytes:
            data, why = bundle_from_images(paths)
            if data is None:
                raise ValueError(why)
            return data

        names = ", ".join(p.name for p in paths[:4]) + ("…" if len(paths) > 4 else "")
        self._check(join, f"QR images {names}")

    def check_pasted(self) -> None:
        text = self.verify_box.paste.toPlainText().strip()
        if text and not self._busy:
            data = text.encode("utf-8")
            self._check(lambda: data, "pasted text")

    def _check(self, read: Callable[[], bytes], source: str) -> None:
        runner, proofs = self._runner, self._proofs
        if runner is None or runner.is_shut_down:
            return
        self._start(f"Checking the bundle ({source})…")
        generation = self._generation

        def work() -> tuple[CheckedLike, str]:
            try:
                data = read()
            except (OSError, ValueError) as exc:
                reason = str(exc) if isinstance(exc, ValueError) else f"the file could not be read ({exc.strerror})"
                data, early = b"", reason
            else:
                early = ""
            if early:  # nothing was read, so nothing was checked
                return unusable(early), "Not checked, so not recorded in the audit log."
            if proofs is not None:  # the core records every check in the audit log
                return proofs.check(data, source=source), RECORDED
            return check_alone(data), NOT_RECORDED

        task = runner.command(work) if proofs is not None else runner.query(work)
        (task.with_owner(self).on_success(lambda result: self._checked(generation, source, *result))
         .on_failure(lambda exc: self._failed(generation, "The bundle was not checked", exc)).run())

    def _checked(self, generation: int, source: str, checked: CheckedLike, recorded: str) -> None:
        if generation != self._generation:
            return
        self._stop()
        view = describe_checked(checked)
        self.result.show_view(view, f"Checked: {reveal_invisible(source, max_length=200)}. {recorded}")
        emit(self.sig_checked, checked)

    def _failed(self, generation: int, what: str, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._stop()
        self.result.show_message(f"{what}.", "bad")
        self.problem.show_error(f"{what}: {one_line(exc)}")

    # -- exporting ------------------------------------------------------------------------------------------
    def export_json(self) -> None:
        created = self._created
        if created is None or self._runner is None or self._busy:
            return
        from wallet_app.proofs.bundle import bundle_json  # loaded once a bundle exists, not at start-up

        data = bundle_json(created.bundle)
        self._export(self.ask_save(self, "proof.json"), "bundle",
                     lambda path, record, account: write_new_json(path, data, record, account))

    def export_pdf(self) -> None:
        """The bundle's PDF form: what it proves, hashes in full, and the whole bundle as QR codes."""
        created = self._created
        if created is None or self._runner is None or self._busy:
            return
        bundle = created.bundle
        suggested = "statement.pdf" if isinstance(bundle, dict) and "statement" in bundle else "proof.pdf"
        self._export(self.ask_save_pdf(self, suggested), "PDF",
                     lambda path, record, account: write_new_pdf(path, bundle, record, account))

    def _export(self, answer: str | None, what: str,
                write: Callable[[Path, RecordProofExport | None, str], str]) -> None:
        runner = self._runner
        if not answer or runner is None:
            return
        path = Path(answer)
        if path.exists():
            self.problem.show_error(f"Not written: {path} already exists. Exports are never overwritten.")
            return
        record, account = self.record_export, self.create_box.account.currentData() or ""
        self._start(f"Writing {path.name}…")
        generation = self._generation
        (runner.command(lambda: write(path, record, account)).with_owner(self)
         .on_success(lambda written: self._exported(generation, written))
         .on_failure(lambda exc: self._failed(generation, f"The {what} was not written", exc)).run())

    def _exported(self, generation: int, path: str) -> None:
        if generation != self._generation:
            return
        self._stop()
        self._say_create(f"Written to {path}.")
        emit(self.sig_exported, path)

    def show_qr(self) -> None:
        if self._created is None:
            return
        from ui.dialogs.proof_qr_dialog import ProofQrDialog
        from wallet_app.proofs.errors import UnusableInput
        from wallet_app.proofs.qr_parts import bundle_parts

        try:
            parts = bundle_parts(self._created.bundle)
        except UnusableInput as exc:
            self.problem.show_error(exc.user_message)
            return
        dialog = ProofQrDialog(parts, self._created_title, self)
        self.qr_dialog = dialog
        dialog.open()

    # -- state of the controls ------------------------------------------------------------------------------
    def _say_create(self, text: str) -> None:
        self.create_box.status.setText(text)

    def _start(self, text: str) -> None:
        self._busy = text
        self.problem.clear_error()
        self.result.show_busy(text)
        self._set_busy(text)

    def _stop(self) -> None:
        self._busy = ""
        self._set_busy("")

    def _set_busy(self, text: str) -> None:
        self.busy_bar.setVisible(bool(text))
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self._busy and self._runner is not None
        account = bool(self.create_box.account.currentData())
        c, v = self.create_box, self.verify_box
        c.prove_button.setEnabled(idle and self._proofs is not None and account
                                  and 0 <= c.holding.currentIndex() < len(self._choices))
        c.statement_button.setEnabled(idle and self._proofs is not None and account)
        c.export_button.setEnabled(idle and self._created is not None)
        self.export_pdf_button.setEnabled(idle and self._created is not None)
        c.qr_button.setEnabled(idle and self._created is not None)
        v.open_button.setEnabled(idle)
        v.images_button.setEnabled(idle)
        v.check_button.setEnabled(idle and bool(v.paste.toPlainText().strip()))
        v.note.setText("Checks are recorded in the audit log." if self._proofs is not None else
                       "Checked on this computer with no key and no chain. " + NOT_RECORDED)

