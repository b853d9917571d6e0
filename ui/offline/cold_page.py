"""The Cold vaults tab of the offline signer: the cold vaults made on this machine (label, address, active share set,
K of N, a reshare waiting for confirmation) with the selected one's share sets and who holds which share and how
they took it, and "New cold vault…", the guided key ceremony. This signer never kept a cold vault's key: only these
facts."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHeaderView, QWidget

from ui.fonts import fixed_font
from ui.models.column_table import AnyIndex
from ui.models.policy_rows import local_time
from ui.offline import cold_work
from ui.offline.cold_ceremony_dialog import ColdCeremonyDialog
from ui.offline.vault_list import VaultListPage, VaultsTableModel
from ui.plain_text import reveal_invisible
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from ui.offline import work
    from wallet_app.cold.store import ColdVault, ShareSet

EMPTY_TEXT = ("No cold vault on this signer yet. A cold vault is a plain account whose key exists only as shares "
              "held by officers; make one with New cold vault… (the key ceremony), with the officers present.")


class ColdColumn(IntEnum):
    LABEL = 0
    ADDRESS = 1
    SHARE_SET = 2
    QUORUM = 3
    HOLDERS = 4
    PENDING = 5


def _name(text: str) -> str:
    return reveal_invisible(text, max_length=80)


SHORT_HOW = {"words": "words", "file": "file"}


def holders_text(share_set: ShareSet, separator: str = ", ", *, short: bool = False) -> str:
    how = SHORT_HOW if short else cold_work.HOW_TEXT
    return separator.join(f"{h.member_index + 1}. {_name(h.name)} ({how.get(h.delivery, h.delivery)})"
                          for h in share_set.holders)


def pending_text(vault: ColdVault) -> str:
    pending = vault.pending
    if pending is None:
        return "—"
    return f"set {pending.identifier}, {pending.threshold} of {pending.share_count}: waiting for confirmation"


class ColdVaultsModel(VaultsTableModel["ColdVault"]):
    headers = {
        ColdColumn.LABEL: ("Cold vault", "The name given to the vault on this signer"),
        ColdColumn.ADDRESS: ("Address", "The vault's account address"),
        ColdColumn.SHARE_SET: ("Share set", "The SLIP-39 share set in use: only its shares open the vault"),
        ColdColumn.QUORUM: ("Shares", "Shares needed to sign, of the shares made"),
        ColdColumn.HOLDERS: ("Holders", "Who holds each share of the set in use, and how they took it"),
        ColdColumn.PENDING: ("Reshare", "A new share set made by a reshare, in use once K of its shares confirm it"),
    }
    numeric = frozenset({ColdColumn.SHARE_SET})

    @staticmethod
    def text(vault: ColdVault, col: int) -> str:
        active = vault.active
        return (_name(vault.label) or "—", vault.address, str(active.identifier),
                f"{active.threshold} of {active.share_count}", holders_text(active, short=True),
                pending_text(vault))[col]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index)
        if cell is None:
            return None
        vault, col = self._rows[cell[0]], cell[1]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(vault, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return holders_text(vault.active, "\n") if col == ColdColumn.HOLDERS else self.text(vault, col)
        if role == Qt.ItemDataRole.FontRole and col == ColdColumn.ADDRESS:
            return fixed_font()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(col)
        return None


def vault_details(vault: ColdVault) -> str:
    """The selected vault's facts and every share set, newest first, with its holders."""
    lines = [f"{_name(vault.label) or 'Cold vault'}  {vault.address}",
             f"Chain id {vault.chain_id} · made {local_time(vault.created_at)}", ""]
    for s in reversed(vault.sets):
        state = {"active": "in use", "pending": "pending (a reshare waiting for confirmation)",
                 "retired": "retired (its shares are refused)"}.get(s.state, s.state)
        lines.append(f"Share set {s.identifier} · {state} · {s.threshold} of {s.share_count} needed · made "
                     f"{local_time(s.created_at)}")
        lines += [f"    {line}" for line in holders_text(s, "\n").split("\n")]
        lines.append("")
    return "\n".join(lines).rstrip()


class ColdVaultsPage(VaultListPage["ColdVault"]):
    empty_text = EMPTY_TEXT
    unreadable_text = "The cold vaults cannot be read."
    load_key = "cold"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(model=ColdVaultsModel(), button=(
            "&New cold vault…", "newColdVaultButton",
            "The key ceremony: make a key, split it K of N among officers, and wipe it"), names={
            "page": "offlineColdPage", "status": "coldStatus", "table": "coldVaultsTable", "message": "coldMessage",
            "details": "coldVaultDetails"},
            details_title="Share sets of the selected cold vault", sizes=(360, 260), parent=parent)
        self.new_button = self.action_button
        self.table.horizontalHeader().setSectionResizeMode(ColdColumn.HOLDERS, QHeaderView.ResizeMode.Stretch)

    def detach(self) -> None:
        if isinstance(self.dialog, ColdCeremonyDialog):
            self.dialog.abort()
        super().detach()

    def load_work(self, context: work.SignerContext) -> Callable[[], list[ColdVault]]:
        return lambda: cold_work.load_cold_vaults(context)

    def row_after_load(self, count: int) -> int:
        return count - 1

    def details_text(self, vault: ColdVault | None) -> str:
        return "Select a cold vault to see its share sets." if vault is None else vault_details(vault)

    def open_ceremony(self) -> None:
        self.open_dialog()

    def make_dialog(self, context: work.SignerContext, runner: TaskRunner) -> QDialog:
        dialog = ColdCeremonyDialog(runner=runner, context=context, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.sig_created.connect(self._created)
        return dialog

    def _created(self, result: object) -> None:
        vault = getattr(result, "vault", None)
        if vault is not None:
            self.status.setText(f"Cold vault {_name(vault.label) or vault.address} made: {vault.address}, share set "
                                f"{vault.active.identifier}.")
        self.reload()
