"""The Policy tab of the offline signer: the policy in force here (version, digest, since when, who approved it, its
rules) or why there is none, and "Import policy bundle…": a file the online desktop exported (custos policy
export), accepted only if a quorum of the owners anchored here signed it, all of it or nothing. The result is said
in words; a refusal says why and that nothing changed.

Reading the policy in force may promote a change whose cooling-off has passed, and importing writes: both run on
the serial lane."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.errors import one_line
from ui.models.policy_rows import local_time, reveal_lines
from ui.offline import work
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.error_line import ErrorLine
from ui.widgets.hash_view import HashView
from ui.widgets.plain_label import PlainLabel
from ui.widgets.policy_active import read_only_text
from ui.widgets.tone_label import ToneLabel
from wallet_app.errors import WalletError

if TYPE_CHECKING:
    from wallet_app.policy.bundle_import import ImportedBundle

AskBundlePath = Callable[[QWidget], "str | None"]


def ask_bundle_path(parent: QWidget) -> str | None:
    path, _filter = QFileDialog.getOpenFileName(parent, "Import a policy bundle", "",
                                                "Policy bundle (*.json);;All files (*)")
    return path or None


def imported_lines(result: ImportedBundle, name: str) -> list[str]:
    """What an import did, in words (as `custos policy import` says it)."""
    if result.written:
        lines = [f"Imported {name}:"] + [f"  {reveal_invisible(w, max_length=300)}" for w in result.written]
    else:
        lines = [f"Nothing new in {name}: this signer holds all of it already."]
    active = result.active
    lines.append(f"In force: version {active.version} ({active.digest}), since {local_time(active.effective_since)}")
    lines += [f"Waiting: version {d.version} ({d.digest}), in force from {local_time(d.effective_at)} unless rejected"
              for d in result.waiting]
    lines += [f"Denylist {reveal_invisible(file, max_length=80)}: keccak {fingerprint} "
              f"({'written now' if written else 'unchanged'}); compare it on both screens"
              for file, fingerprint, written in result.denylists]
    return lines


class OfflinePolicyPage(QWidget):
    sig_policy_shown = Signal(object)
    """The policy state was read and painted; carries the PolicyState."""
    sig_imported = Signal(object)
    """A bundle was imported; carries the ImportedBundle."""
    sig_import_refused = Signal(str)
    """A bundle was refused (nothing changed); carries why."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlinePolicyPage")
        self._context: work.SignerContext | None = None
        self._runner: TaskRunner | None = None
        self._busy = False
        self.ask_path: AskBundlePath = ask_bundle_path  # tests replace it: a file chooser must never block them
        self.import_button = QPushButton("&Import policy bundle…")
        self.import_button.setObjectName("importPolicyButton")
        self.import_button.setToolTip("Import the bundle exported on the online desktop (custos policy export); it "
                                      "is accepted only if a quorum of the owners anchored here signed it")
        self.import_button.clicked.connect(lambda _checked=False: self.import_bundle())
        top = QHBoxLayout()
        top.addWidget(self.import_button)
        top.addStretch(1)
        self.result = PlainLabel(selectable=True)
        self.result.setObjectName("policyImportResult")
        self.result.setWordWrap(True)
        self.result.hide()
        self.refused = ErrorLine()
        self.refused.setObjectName("policyImportRefused")

        self.state = ToneLabel(scale=1.15, bold=True, selectable=True)
        self.state.setObjectName("policyState")
        self.state.setWordWrap(True)
        self.version = PlainLabel(selectable=True)
        self.version.setObjectName("policyVersion")
        self.digest = HashView(per_line=8)
        self.digest.setObjectName("policyDigest")
        self.since = PlainLabel(selectable=True)
        self.approved = PlainLabel(selectable=True)
        self.approved.setObjectName("policyApprovedBy")
        self.approved.setWordWrap(True)
        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(PlainLabel("Version:"), self.version)
        form.addRow(PlainLabel("Digest:"), self.digest)
        form.addRow(PlainLabel("In force since:"), self.since)
        form.addRow(PlainLabel("Approved by:"), self.approved)
        self.rules = read_only_text("policyRules")
        in_force = QGroupBox("Policy in force on this signer")
        box = QVBoxLayout(in_force)
        box.addWidget(self.state)
        box.addWidget(self.details)
        box.addWidget(PlainLabel("Rules, tried from the top (the first that matches decides; anything no rule "
                                 "allows is denied):"))
        box.addWidget(self.rules, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.refused)
        layout.addWidget(self.result)
        layout.addWidget(in_force, 1)
        self.state.setText("Opening the offline signer…")
        self.details.hide()
        self._update()

    def attach(self, context: work.SignerContext, runner: TaskRunner) -> None:
        self._context, self._runner = context, runner
        self._update()
        self.refresh()

    def detach(self) -> None:
        self._context = None
        self._update()

    def refresh(self) -> None:
        if self._context is None or self._runner is None or self._runner.is_shut_down:
            return
        signer = self._context.signer
        (self._runner.command(lambda: work.policy_state(signer)).with_owner(self)
         .on_success(self._shown).on_failure(self._read_failed).quietly().run())

    def _shown(self, state: work.PolicyState) -> None:
        active = state.active
        self.details.setVisible(active is not None)
        if active is None:
            self.state.setText("No policy is in force: nothing can be signed. " + reveal_invisible(
                state.why_none, max_length=600) + " Import the policy bundle exported on the online desktop.")
            self.state.set_tone("bad")
            self.rules.clear()
        else:
            self.state.setText(f"In force: {reveal_invisible(active.document.name, max_length=120)}")
            self.state.set_tone("good")
            self.version.setText(str(active.version))
            self.digest.set_value(active.digest)
            self.since.setText(local_time(active.effective_since))
            approvers = "\n".join(active.approved_by)
            self.approved.setText(f"{len(active.approved_by)} verified signatures ({active.required} required of the "
                                  f"owners anchored here for {active.governance_vault}):\n{approvers}")
            self.rules.setPlainText("\n".join(f"{n}. {reveal_lines(r)}"
                                              for n, r in enumerate(active.describe_rules(), start=1)))
        emit(self.sig_policy_shown, state)

    def _read_failed(self, exc: BaseException) -> None:
        self.state.setText(f"The policy cannot be read: {one_line(exc)}")
        self.state.set_tone("bad")
        self.details.hide()
        if not isinstance(exc, WalletError) and self._runner is not None:
            self._runner.present(exc, self)

    def import_bundle(self, path: Path | None = None) -> None:
        """Import the bundle at `path` (asked for when not given)."""
        if self._context is None or self._runner is None or self._busy:
            return
        if path is None:
            answer = self.ask_path(self)
            if not answer:
                return
            path = Path(answer)
        site, chosen = self._context.site, path
        self._busy = True
        self.refused.clear_error()
        self.result.setText(f"Importing {chosen.name}…")
        self.result.show()
        self._update()
        (self._runner.command(lambda: work.import_policy(site, chosen)).with_owner(self)
         .on_success(lambda result: self._imported(chosen, result)).on_failure(self._import_failed).quietly().run())

    def _imported(self, path: Path, result: ImportedBundle) -> None:
        self._busy = False
        self.result.setText("\n".join(imported_lines(result, reveal_invisible(path.name, max_length=120))))
        self._update()
        self.refresh()
        emit(self.sig_imported, result)

    def _import_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.result.hide()
        text = f"Not imported; nothing was changed. {one_line(exc)}"
        self.refused.show_error(text)
        self._update()
        if not isinstance(exc, WalletError) and self._runner is not None:
            self._runner.present(exc, self)
        emit(self.sig_import_refused, text)

    def _update(self) -> None:
        self.import_button.setEnabled(self._context is not None and not self._busy)
