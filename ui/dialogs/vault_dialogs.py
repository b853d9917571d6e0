"""Vaults page dialogs: add an existing Safe by address, deploy a new Safe.

Both run their command on the serial lane (reading and checking a Safe takes a few RPCs; a deployment signs, sends
and waits for the receipt) while the dialog shows that it is busy. When it is done the dialog stays open and shows
the result: the check verdict (a vault whose singleton or proxy is unknown is shown in red, "signing blocked"), the
owners and which of them are keys of this profile, any custody warning; the Cancel button becomes Close. Everything
that came from the chain is shown as plain text with invisible characters revealed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.dialogs.command_dialog import CommandDialog
from ui.fonts import fixed_font
from ui.plain_text import reveal_invisible
from ui.signals import emit
from ui.tasks import TaskRunner
from ui.widgets.plain_label import PlainLabel
from ui.widgets.secret_field import SecretField
from ui.widgets.tone_label import ToneLabel

if TYPE_CHECKING:
    from wallet_app.keys.views import KeyView

BLOCKED_BADGE = "Signing blocked: unknown singleton"


class VaultCommands(Protocol):
    """The parts of the core's `VaultService` (wallet_app.vaults.service) these dialogs use; every call blocks."""

    def add_vault(self, address: str, label: str = "") -> Any: ...
    def deploy_safe(self, owners: Sequence[str], threshold: int, key: str, password: str, *, label: str,
                    salt_nonce: int | None = None) -> Any: ...


class VerdictView(QWidget):
    """The result of adding or deploying: verdict (red when signing is blocked), facts, findings, owners."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = ToneLabel(bold=True, scale=1.1, selectable=True)
        self.headline.setObjectName("vaultVerdict")
        self.headline.setWordWrap(True)
        self.facts = PlainLabel(selectable=True)
        self.facts.setFont(fixed_font())
        self.facts.setWordWrap(True)
        self.findings = ToneLabel(selectable=True)
        self.findings.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.headline, self.facts, self.findings):
            layout.addWidget(widget)
        self.setVisible(False)

    def show_added(self, added: Any, lead: Sequence[str] = ()) -> None:
        info, check = added.info, added.check
        if check.blocking:
            self.headline.setText(f"{BLOCKED_BADGE}. {reveal_invisible(check.message, max_length=600)}")
            self.headline.set_tone("bad")
        else:
            self.headline.setText(reveal_invisible(check.message, max_length=300))
            self.headline.set_tone("warn" if check.findings else "good")
        lines = [*lead, f"{reveal_invisible(info.label, max_length=80)}  {info.address}",
                 f"Safe {reveal_invisible(info.version, max_length=40) or '(no answer)'}, {info.threshold} of "
                 f"{len(info.owners)} owners, nonce {info.nonce}"]
        for owner in info.owners:
            mine = "   key in this profile" if owner in added.owner_keys else ""
            lines.append(f"owner      {owner}{mine}")
        lines += [f"singleton  {check.singleton}", f"guard      {check.guard or 'none'}",
                  f"fallback   {check.fallback_handler or 'none'}",
                  f"modules    {', '.join(check.modules) or 'none'}"]
        self.facts.setText("\n".join(lines))
        notes = list(check.findings) + list(added.warnings)
        self.findings.setText("\n".join(reveal_invisible(n, max_length=600) for n in notes))
        self.findings.set_tone("bad" if check.blocking else "warn")
        self.findings.setVisible(bool(notes))
        self.setVisible(True)


class _ResultDialog(CommandDialog):
    """A command dialog that stays open after success, showing what happened."""

    def _build_result(self) -> None:
        self.verdict = VerdictView()
        self.layout().insertWidget(self.layout().count() - 2, self.verdict)  # type: ignore[union-attr]
        self.result: Any = None

    def _succeeded(self, result: object) -> None:  # keeps the dialog open with the verdict
        self._busy = False
        self.busy_row.setVisible(False)
        self.wipe_secrets()
        self.result = result
        self.fields.setEnabled(False)
        self.fields.setVisible(False)  # the result repeats what was asked for; it needs the room
        self.intro.setVisible(False)
        self.submit_button.setVisible(False)
        self.cancel_button.setEnabled(True)
        self.buttons.removeButton(self.cancel_button)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.accept)
        self.show_result(result)
        self.adjustSize()
        emit(self.sig_succeeded, result)

    def show_result(self, result: Any) -> None:
        raise NotImplementedError


class AddVaultDialog(_ResultDialog):
    def __init__(self, *, runner: TaskRunner, vaults: VaultCommands, parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, title="Add a vault", submit_text="Add vault", parent=parent,
                         intro="The address of an existing Safe on this profile's chain. Custos reads its version, "
                               "owners, threshold, nonce, modules, guard, fallback handler and singleton, and checks "
                               "its code against the known Safe deployments. A Safe whose singleton is unknown is "
                               "added marked \"signing blocked\".")
        self._vaults = vaults
        self.address = QLineEdit()
        self.address.setObjectName("vaultAddress")
        self.address.setPlaceholderText("0x… (40 hex digits)")
        self.address.setFont(fixed_font())
        self.label = QLineEdit()
        self.label.setObjectName("vaultLabel")
        self.label.setPlaceholderText("e.g. Client vault (optional)")
        self.label.setMaxLength(80)
        self.form.addRow(PlainLabel("Address:"), self.address)
        self.form.addRow(PlainLabel("Label:"), self.label)
        self.address.textChanged.connect(self.update_ready)
        self.busy_label.setText("Reading and checking the Safe…")
        self._build_result()
        self.update_ready()

    def ready(self) -> bool:
        text = self.address.text().strip()
        return len(text) == 42 and text.startswith("0x")

    def make_command(self) -> Callable[[], object] | None:
        vaults, address, label = self._vaults, self.address.text().strip(), self.label.text()
        return lambda: vaults.add_vault(address, label)

    def show_result(self, result: Any) -> None:
        self.verdict.show_added(result, ["Added to this profile."])


class DeploySafeDialog(_ResultDialog):
    def __init__(self, *, runner: TaskRunner, vaults: VaultCommands, keys: Sequence[KeyView],
                 parent: QWidget | None = None) -> None:
        super().__init__(runner=runner, title="Deploy a new Safe", submit_text="Deploy", parent=parent,
                         intro="A new Safe 1.4.1 (L2 build) made through the canonical Safe proxy factory, with the "
                               "owners ticked below and the number of signatures they need. One of this profile's "
                               "keys sends the transaction and pays its fee.")
        self._vaults = vaults
        self.setMinimumWidth(760)
        self.owners = QListWidget()
        self.owners.setObjectName("deployOwners")
        self.owners.setMinimumHeight(130)
        for key in keys:
            self._add_owner_item(key.address, key.label)
        self.typed = QLineEdit()
        self.typed.setObjectName("deployTypedOwner")
        self.typed.setPlaceholderText("Another owner's address, 0x…")
        self.typed.setFont(fixed_font())
        self.add_owner_button = QPushButton("Add owner")
        self.add_owner_button.clicked.connect(self.add_typed_owner)
        typed_row = QWidget()
        row = QHBoxLayout(typed_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.typed, 1)
        row.addWidget(self.add_owner_button)
        owners_box = QWidget()
        box = QVBoxLayout(owners_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.owners)
        box.addWidget(typed_row)
        self.threshold = QSpinBox()
        self.threshold.setObjectName("deployThreshold")
        self.threshold_note = PlainLabel()
        threshold_row = QWidget()
        trow = QHBoxLayout(threshold_row)
        trow.setContentsMargins(0, 0, 0, 0)
        trow.addWidget(self.threshold)
        trow.addWidget(self.threshold_note, 1)
        self.sender = QComboBox()
        self.sender.setObjectName("deploySender")
        for key in keys:
            if key.can_sign:
                self.sender.addItem(f"{reveal_invisible(key.label, max_length=60)}  {key.address}", key.address)
        self.password = SecretField("The sender key's password (or PIN)")
        self.password.setObjectName("deployPassword")
        self.label = QLineEdit()
        self.label.setObjectName("deployLabel")
        self.label.setMaxLength(80)
        self.label.setPlaceholderText("e.g. Client vault 2")
        self.form.addRow(PlainLabel("Owners:"), owners_box)
        self.form.addRow(PlainLabel("Signatures needed:"), threshold_row)
        self.form.addRow(PlainLabel("Label:"), self.label)
        self.form.addRow(PlainLabel("Sent from:"), self.sender)
        self.form.addRow(PlainLabel("Password:"), self.password)
        self.add_secret(self.password)
        self.owners.itemChanged.connect(lambda _item: self._owners_changed())
        self.threshold.valueChanged.connect(lambda _v: self._owners_changed())
        self.busy_label.setText("Deploying: signing, sending and waiting for the receipt…")
        self._build_result()
        self._owners_changed()

    def _add_owner_item(self, address: str, name: str) -> None:
        text = f"{address}   {reveal_invisible(name, max_length=60)}" if name else address
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, address)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        item.setFont(fixed_font())
        self.owners.addItem(item)

    def add_typed_owner(self) -> None:
        text = self.typed.text().strip()
        if len(text) != 42 or not text.startswith("0x"):
            self.error.show_error("An owner's address is 0x followed by 40 hex digits")
            return
        if text.lower() in (a.lower() for a in self.all_owner_addresses()):
            self.error.show_error("That address is already in the list")
            return
        self.error.clear_error()
        self._add_owner_item(text, "typed")
        self.owners.item(self.owners.count() - 1).setCheckState(Qt.CheckState.Checked)
        self.typed.clear()

    def all_owner_addresses(self) -> list[str]:
        return [str(self.owners.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.owners.count())]

    def chosen_owners(self) -> list[str]:
        return [str(self.owners.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.owners.count())
                if self.owners.item(i).checkState() == Qt.CheckState.Checked]

    def set_owner_checked(self, address: str, checked: bool = True) -> None:
        for i in range(self.owners.count()):
            item = self.owners.item(i)
            if str(item.data(Qt.ItemDataRole.UserRole)).lower() == address.lower():
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _owners_changed(self) -> None:
        count = len(self.chosen_owners())
        self.threshold.blockSignals(True)
        self.threshold.setRange(1 if count else 0, max(count, 0))
        self.threshold.blockSignals(False)
        self.threshold_note.setText(f"of {count} owner(s)" if count else "tick at least one owner")
        self.update_ready()

    def ready(self) -> bool:
        chosen = self.chosen_owners()
        return bool(chosen) and 1 <= self.threshold.value() <= len(chosen) and self.sender.currentIndex() >= 0 \
            and bool(self.password.text())

    def make_command(self) -> Callable[[], object] | None:
        vaults, owners, threshold = self._vaults, self.chosen_owners(), self.threshold.value()
        key, password, label = str(self.sender.currentData()), self.password.text(), self.label.text()
        return lambda: vaults.deploy_safe(owners, threshold, key, password, label=label)

    def show_result(self, result: Any) -> None:
        lead = [f"Deployed in block {result.block_number}, transaction 0x{result.tx_hash.hex()}",
                f"Safe {result.version} L2 through the factory {result.proxy_factory}", ""]
        self.verdict.show_added(result.added, lead)
