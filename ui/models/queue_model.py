"""Models of the approval queue: the Approvals page's tree (vault -> nonce -> transactions) and the review dialog's
table of stored signatures. They hold prepared rows (ui.models.queue_rows, ui.models.queue_review) and never call a
service. Tones (good, warn, bad) come with words; colour is never the only signal. Tooltips carry outside text
(intent, labels, reasons), so they are escaped (`plain_tooltip`): Qt guesses rich text for tooltips."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QFont

from ui.models.column_table import AnyIndex
from ui.models.prepared_rows import TextRowsModel
from ui.models.prepared_rows import tone_brush as _brush
from ui.models.queue_review import SignatureLine
from ui.models.queue_rows import ItemRow, NonceGroup, VaultGroup
from ui.models.tokens_model import plain_tooltip

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the ItemRow of a transaction (None for vault and nonce rows)


class QueueColumn(IntEnum):
    TRANSACTION = 0
    STATE = 1
    SIGNATURES = 2
    FOR_YOU = 3
    PROPOSER = 4
    PROPOSED = 5
    HASH = 6


QUEUE_HEADERS: dict[int, tuple[str, str]] = {
    QueueColumn.TRANSACTION: ("Vault / nonce / transaction", "What it does, decoded from its bytes"),
    QueueColumn.STATE: ("State", "Where it stands now, recomputed from the signatures that verify now"),
    QueueColumn.SIGNATURES: ("Signatures", "Valid signatures of current owners against the vault's threshold"),
    QueueColumn.FOR_YOU: ("For you", "Sign: one of this profile's owner keys has not signed it; Execute: it can be "
                          "executed now"),
    QueueColumn.PROPOSER: ("Proposer", "Who proposed it (the proposal record is signed by this key)"),
    QueueColumn.PROPOSED: ("Proposed", "When it was proposed (local time)"),
    QueueColumn.HASH: ("safeTxHash", "The hash the owners sign; the whole hash is in the tooltip"),
}

_VAULT, _NONCE, _ITEM = 0, 1, 2


class QueueTreeModel(QAbstractItemModel):
    """Three levels: a vault, its nonces, the transactions at each nonce. Only transactions are selectable."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._groups: list[VaultGroup] = []
        self._kind: list[int] = [-1]  # node id -> level (node 0 is the root)
        self._payload: list[Any] = [None]
        self._parent: list[int] = [0]
        self._row: list[int] = [0]
        self._children: list[list[int]] = [[]]

    # -- rows -----------------------------------------------------------------------------------------------------
    def set_groups(self, groups: Sequence[VaultGroup]) -> None:
        self.beginResetModel()
        self._groups = list(groups)
        self._kind, self._payload, self._parent, self._row, self._children = [-1], [None], [0], [0], [[]]
        for vault in self._groups:
            v = self._add(0, _VAULT, vault)
            for nonce in vault.nonces:
                n = self._add(v, _NONCE, nonce)
                for item in nonce.items:
                    self._add(n, _ITEM, item)
        self.endResetModel()

    def _add(self, parent: int, kind: int, payload: Any) -> int:
        node = len(self._kind)
        self._kind.append(kind)
        self._payload.append(payload)
        self._parent.append(parent)
        self._row.append(len(self._children[parent]))
        self._children.append([])
        self._children[parent].append(node)
        return node

    @property
    def groups(self) -> list[VaultGroup]:
        return list(self._groups)

    def items(self) -> list[ItemRow]:
        return [p for k, p in zip(self._kind, self._payload, strict=True) if k == _ITEM]

    def item_at(self, index: AnyIndex) -> ItemRow | None:
        node = self._node(index)
        return self._payload[node] if node and self._kind[node] == _ITEM else None

    def index_of(self, safe_tx_hash: str) -> QModelIndex:
        for node, (kind, payload) in enumerate(zip(self._kind, self._payload, strict=True)):
            if kind == _ITEM and payload.safe_tx_hash == safe_tx_hash:
                return self.createIndex(self._row[node], 0, node)
        return QModelIndex()

    def is_heading(self, index: AnyIndex) -> bool:
        node = self._node(index)
        return bool(node) and self._kind[node] in (_VAULT, _NONCE)

    def _node(self, index: AnyIndex) -> int:
        if not index.isValid() or index.model() is not self:
            return 0
        node = int(index.internalId())
        return node if 0 < node < len(self._kind) else 0

    # -- QAbstractItemModel ---------------------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        parent_node = self._node(parent) if parent.isValid() else 0
        return self.createIndex(row, column, self._children[parent_node][row])

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        node = self._node(index)
        if not node:
            return QModelIndex()
        up = self._parent[node]
        if up == 0:
            return QModelIndex()
        return self.createIndex(self._row[up], 0, up)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self._node(parent) if parent.isValid() else 0
        if parent.isValid() and not node:
            return 0
        return len(self._children[node])

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(QUEUE_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or section not in QUEUE_HEADERS:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return QUEUE_HEADERS[section][0]
        if role == Qt.ItemDataRole.ToolTipRole:
            return QUEUE_HEADERS[section][1]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        node = self._node(index)
        if not node:
            return Qt.ItemFlag.NoItemFlags
        if self._kind[node] == _ITEM:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.ItemIsEnabled

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if not node:
            return None
        kind, payload, column = self._kind[node], self._payload[node], index.column()
        if kind == _ITEM:
            return self._item_data(payload, column, role)
        if kind == _VAULT:
            return self._vault_data(payload, column, role)
        return self._nonce_data(payload, column, role)

    @staticmethod
    def _item_data(row: ItemRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(row.tips[column])
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ForegroundRole and column == QueueColumn.STATE:
            return _brush(row.tone)
        if role == Qt.ItemDataRole.ForegroundRole and column == QueueColumn.FOR_YOU:
            return _brush("good" if row.attention.executable else "warn")
        if role == Qt.ItemDataRole.FontRole and (column == QueueColumn.FOR_YOU or (
                column == QueueColumn.STATE and row.quarantined)):
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _vault_data(group: VaultGroup, column: int, role: int) -> Any:
        if column != 0:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return group.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(group.tip)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None

    @staticmethod
    def _nonce_data(group: NonceGroup, column: int, role: int) -> Any:
        if column != 0:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{group.text}: {group.warning}" if group.warning else group.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(group.warning or group.text)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _brush(group.tone)
        if role == Qt.ItemDataRole.FontRole and group.tone == "warn":
            font = QFont()
            font.setBold(True)
            return font
        return None


class SignatureColumn(IntEnum):
    SIGNER = 0
    KIND = 1
    COUNTS = 2
    WHY = 3


class SignaturesTableModel(TextRowsModel[SignatureLine]):
    """Every signature row stored for one transaction, with whether it counts now and why not (A13, A14, J2, J6)."""

    headers = {
        SignatureColumn.SIGNER: ("Signer", "Whom the signature recovers to (never whom the row claims)"),
        SignatureColumn.KIND: ("Type", "ECDSA (plain or prefixed), approved hash or contract signature"),
        SignatureColumn.COUNTS: ("Counts", "Whether it counts toward the threshold now"),
        SignatureColumn.WHY: ("Why not", "Why a signature does not count"),
    }

    def more_data(self, row: SignatureLine, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column in (SignatureColumn.COUNTS, SignatureColumn.WHY):
            return _brush(row.tone)
        return None
